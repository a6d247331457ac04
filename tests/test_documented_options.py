"""Each option and command the README and config.example.toml promise, doing what they say."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import NewsBot
from bot.config import config_from_mapping
from db.models import Comment, Lesson, Segment, SegmentState
from tests.conftest import PROJECT_ROOT, SAMPLE_ARTICLE, TEST_TOKEN
from tests.harness import Harness, running_harness

ARTICLE_WITH_SOURCE = b"""---
title: Ports and prices
source: https://example.org/ports
lessons: auto
---
# Ports and prices

Shipping costs rose again this week, and the ports are full.

## What to take away

1. Prices follow freight costs.
2. Full ports mean late deliveries.
"""


async def _import(h: Harness, data: bytes, caption: str = "/import", name: str = "a.md") -> str:
    h.world.send_document(h.admin_id, name, data, caption=caption)
    await h.pump()
    return str(h.world.messages(h.admin_id)[-1].get("text", ""))


async def test_missed_slots_burst_sends_overdue_posts_at_once_and_keeps_later_times(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path, publishing={"missed_slots": "burst"}) as h:
        await _import(h, SAMPLE_ARTICLE.read_bytes(), name="a.txt")
        await h.command("/publish 1 now 10m")
        started = h.clock.now()
        await h.newsbot.tick()
        await h.newsbot.stop()
        h.clock.advance(timedelta(minutes=35))  # down: the posts due at +10, +20, +30 missed
        h.newsbot = NewsBot(h.config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        await h.newsbot.start()

        async def segments() -> list[tuple[int, SegmentState, datetime | None]]:
            async with h.sessions() as session:
                rows = await session.execute(
                    select(Segment.position, Segment.state, Segment.scheduled_at)
                    .where(Segment.position <= 4)
                    .order_by(Segment.position)
                )
                return [tuple(row) for row in rows]  # type: ignore[misc]

        # The overdue posts are due now, all of them; the next keeps its time (respace
        # would have moved it, and every later one, by the time the bot was down).
        restarted = h.clock.now()
        assert [at for _, _, at in await segments()][1:] == [restarted] * 3 + [
            started + timedelta(minutes=40)
        ]
        await h.newsbot.tick()  # the three overdue go at once, in order; +40 waits
        assert [state for _, state, _ in await segments()] == [SegmentState.POSTED] * 4 + [
            SegmentState.SCHEDULED
        ]


async def test_summary_to_both_reaches_the_channel_and_the_admins(tmp_path: Path) -> None:
    async with running_harness(tmp_path, channel_extra={"summary_to": "both"}) as h:
        h.world.send_private(h.admin_id, "/start")  # so the bot may write to the admin
        await _import(h, SAMPLE_ARTICLE.read_bytes(), name="a.txt")
        await h.command("/publish 1 now 1m")
        await h.run_until_idle(horizon=timedelta(hours=6))
        h.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin

        def summaries(chat_id: int) -> list[dict[str, Any]]:
            # Without votes or comments there is no chart: the summary is a text message,
            # silent like the photo would be.
            return [
                m
                for m in h.world.messages(chat_id)
                if "Weekly summary" in str(m.get("caption", m.get("text", "")))
            ]

        await h.newsbot.tick()
        await h.pump()  # the admins' copy goes through the outbox
        assert len(summaries(h.channel_id)) == 1
        assert len(summaries(h.admin_id)) == 1
        assert summaries(h.channel_id)[0].get("disable_notification") is True
        assert summaries(h.admin_id)[0].get("disable_notification") is True


async def test_an_explicit_discussion_group_is_where_comments_are_collected(
    tmp_path: Path,
) -> None:
    # The group is named in the config (by its @username) rather than looked up.
    async with running_harness(
        tmp_path, group_username="news_chat", channel_extra={"discussion_group": "@news_chat"}
    ) as h:
        posts = await h.publish_sample()
        reader = h.world.add_user("Ann")["id"]
        h.world.comment(reader, h.channel_id, posts[0]["message_id"], "in the named group")
        await h.pump()
        async with h.sessions() as session:
            chats = (await session.scalars(select(Comment.chat_id))).all()
        assert chats == [h.group_id]


async def test_custom_poll_options_are_the_published_polls_options(tmp_path: Path) -> None:
    options = ["Yes", "No", "Too early to say"]
    async with running_harness(tmp_path, channel_extra={"poll_options": options}) as h:
        posts = await h.publish_sample()
        polls = [m["poll"] for m in posts if "poll" in m]
        assert polls
        assert {tuple(o["text"] for o in poll["options"]) for poll in polls} == {tuple(options)}


async def test_source_link_off_leaves_the_first_post_without_the_link(tmp_path: Path) -> None:
    for source_link, expected in ((True, True), (False, False)):
        async with running_harness(
            tmp_path / str(source_link), articles={"source_link": source_link}
        ) as h:
            await _import(h, ARTICLE_WITH_SOURCE)
            await h.command("/publish 1 now 1m")
            await h.run_until_idle()
            links = [
                entity.get("url", "")
                for message in h.channel_posts()
                for entity in message.get("entities", [])
            ]
            assert ("https://example.org/ports" in links) is expected, (source_link, links)


def test_the_api_base_url_can_come_from_the_environment() -> None:
    data = {"token": TEST_TOKEN, "channels": [{"chat": -100111}]}
    assert config_from_mapping(data, env={}).api_base_url == "https://api.telegram.org"
    config = config_from_mapping(data, env={"NEWSBOT_API_BASE_URL": "http://127.0.0.1:8081"})
    assert config.api_base_url == "http://127.0.0.1:8081"


async def test_the_environment_base_url_is_the_one_the_bot_talks_to(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        data = {
            "token": TEST_TOKEN,
            "admins": [h.admin_id],
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'env.db'}",
            "channels": [{"chat": h.channel_id, "name": "news"}],
        }
        config = config_from_mapping(data, env={"NEWSBOT_API_BASE_URL": h.server.base_url})
        await h.newsbot.stop()
        h.newsbot = NewsBot(config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        await h.newsbot.start()
        assert (await h.command("/start"))[0].startswith("Hello! I publish long articles")


async def test_import_refuses_a_file_over_the_size_limit_and_stores_nothing(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path, articles={"max_file_bytes": 200}) as h:
        answer = await _import(h, SAMPLE_ARTICLE.read_bytes(), name="a.txt")
        assert answer == "That file is too large: the limit is 200 bytes."
        assert (await h.command("/articles"))[0].startswith("No articles")


async def test_import_takes_the_lessons_from_the_caption(tmp_path: Path) -> None:
    neutral = b"""# Ports and prices

Shipping costs rose again this week, and the ports are full.

## Notes

1. Prices follow freight costs.
2. Full ports mean late deliveries.
"""
    async with running_harness(tmp_path) as h:

        async def lessons_of(article_id: int) -> int:
            async with h.sessions() as session:
                rows = await session.scalars(
                    select(Lesson.id)
                    .join(Segment, Segment.id == Lesson.segment_id)
                    .where(Segment.article_id == article_id)
                )
                return len(rows.all())

        await _import(h, neutral)
        assert await lessons_of(1) == 0  # a list of notes is not lessons by itself
        answer = await _import(h, neutral + b"\nMarked by hand.\n", caption="/import lessons=1")
        assert "2 lessons" in answer, answer
        assert await lessons_of(2) == 2
        refused = await _import(h, neutral, caption="/import lessons=1 sideways")
        assert refused.startswith("Send the article as a file with the caption /import")


async def test_export_filters_by_article_and_by_dates(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        reader = h.world.add_user("Ann")["id"]
        h.world.comment(reader, h.channel_id, posts[0]["message_id"], "on the first day")
        await h.pump()
        h.clock.advance(timedelta(days=2))
        h.world.comment(reader, h.channel_id, posts[1]["message_id"], "two days later")
        await h.pump()
        await _import(h, ARTICLE_WITH_SOURCE)
        await h.command("/publish 2 now 1m")
        await h.run_until_idle()
        second = next(m for m in h.channel_posts() if "Ports and prices" in m.get("text", ""))
        h.world.comment(reader, h.channel_id, second["message_id"], "about ports")
        await h.pump()

        async def exported(arguments: str) -> list[str]:
            await h.command(f"/export {arguments} jsonl")
            message = h.world.messages(h.admin_id)[-1]
            assert "document" in message, message
            content = h.world.files[message["document"]["file_id"]].content.decode()
            import json

            return [json.loads(line)["text"] for line in content.splitlines()]

        first_day = f"{h.clock.now() - timedelta(days=2):%Y-%m-%d}"
        assert await exported(f"{first_day} {first_day}") == ["on the first day"]
        assert await exported("1") == ["on the first day", "two days later"]
        assert await exported("2") == ["about ports"]
        assert await exported(f"1 {h.clock.now():%Y-%m-%d}") == ["two days later"]


async def test_one_channels_export_dates_are_that_channels_days(tmp_path: Path) -> None:
    """23:30 UTC on 23 November is already the 24th in Berlin: an export of the channel for
    the 24th holds the comment, and its caption names the zone whose days those are."""
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        reader = h.world.add_user("Ann")["id"]
        h.clock.set(h.clock.now().replace(hour=23, minute=30))
        h.world.comment(reader, h.channel_id, posts[0]["message_id"], "just after midnight")
        await h.pump()
        await h.command("/export news 2026-11-24 2026-11-24 jsonl")
        message = h.world.messages(h.admin_id)[-1]
        assert (
            "just after midnight" in h.world.files[message["document"]["file_id"]].content.decode()
        )
        assert "· 2026-11-24 – 2026-11-24 (Europe/Berlin) ·" in message["caption"]
        await h.command("/export news 2026-11-23 2026-11-23 jsonl")
        message = h.world.messages(h.admin_id)[-1]
        assert (
            "just after midnight"
            not in h.world.files[message["document"]["file_id"]].content.decode()
        )


def _readme_block(language: str) -> str:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    [block] = re.findall(rf"```{language}\n(.*?)```", readme, flags=re.DOTALL)
    return str(block)


def test_the_readmes_systemd_unit_is_valid_and_outlasts_a_database_outage(
    tmp_path: Path,
) -> None:
    unit = _readme_block("ini")
    # systemd takes a comment only on a line of its own: after a value it is part of it.
    for line in unit.splitlines():
        assert line.startswith("#") or "#" not in line, line
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line)
    assert settings["Restart"] == "always"
    restart_every = int(settings["RestartSec"])
    # A 30-second outage (starts failing each RestartSec) stays within the start limit.
    assert 30 / restart_every < int(settings["StartLimitBurst"])
    assert int(settings["StartLimitIntervalSec"]) >= 30
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    newsbot = Path(sys.executable).with_name("newsbot")
    path = tmp_path / "newsbot.service"
    path.write_text(unit.replace("/srv/newsbot/.venv/bin/newsbot", str(newsbot)), "utf-8")
    verified = subprocess.run(
        [analyze, "verify", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert verified.returncode == 0, verified.stderr
    assert "newsbot.service" not in verified.stderr, verified.stderr
