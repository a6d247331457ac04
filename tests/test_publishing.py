"""Publishing end to end: admin commands through the emulator, posts and polls in order, once."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.publishing.publisher import Publisher
from db.models import Comment, Poll, Segment, SegmentState
from tests.conftest import SAMPLE_ARTICLE, wait_until
from tests.harness import START, Harness, running_harness
from tests.processes import channel_shows


async def _cancel_confirmed(h: Harness, article_id: int) -> None:
    """/cancel, then [Yes, cancel it]."""
    await h.command(f"/cancel {article_id}")
    asked = h.world.messages(h.admin_id)[-1]
    h.world.click(h.admin_id, h.admin_id, asked["message_id"], "Yes, cancel it")
    await h.pump()


async def _import_sample(h: Harness) -> list[str]:
    h.world.send_document(
        h.admin_id, "article.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import news"
    )
    before = len(h.world.messages(h.admin_id))
    await h.pump()
    return [m.get("text", "") for m in h.world.messages(h.admin_id)[before:]]


async def test_sample_article_published_in_order_with_its_six_polls(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        replies = await _import_sample(h)
        assert replies[-1].startswith("Imported article 1:")
        replies = await h.command("/publish 1 now 10m")
        assert "Article 1 is scheduled on news: 9 posts and 6 polls" in replies[-1]
        await h.run_until_idle()
        posts = h.channel_posts()
        kinds = ["poll" if "poll" in m else "text" for m in posts]
        assert kinds == ["text"] * 5 + ["poll"] * 3 + ["text"] * 3 + ["poll"] * 3 + ["text"]
        assert posts[0]["text"].startswith("Everything Russia's allies need to know")
        assert posts[0]["entities"][0]["type"] == "bold"
        questions = [m["poll"]["question"] for m in posts if "poll" in m]
        assert questions[0].startswith("Russia's unreliability")
        assert questions[3].startswith("You shouldn’t rely on the Kremlin’s promises")
        assert all(m["poll"]["is_anonymous"] for m in posts if "poll" in m)
        assert [o["text"] for o in posts[5]["poll"]["options"]] == [
            "Agree",
            "Partly agree",
            "Disagree",
        ]
        # Ten minutes apart, starting at once.
        async with h.sessions() as session:
            segments = (await session.scalars(select(Segment).order_by(Segment.position))).all()
            assert [s.state for s in segments] == [SegmentState.POSTED] * 9
            first_at, second_at = segments[0].scheduled_at, segments[1].scheduled_at
            assert first_at is not None
            assert second_at is not None
            assert second_at - first_at == timedelta(minutes=10)
            assert all(s.discussion_thread_id for s in segments)  # automatic forwards matched
            assert [s.message_id for s in segments] == [
                m["message_id"] for m in posts if "text" in m
            ]


async def test_polls_close_after_the_period_with_final_counts(tmp_path: Path) -> None:
    async with running_harness(tmp_path, publishing={"poll_close_after": "2d"}) as h:
        await _import_sample(h)
        await h.command("/publish 1 now 1m")
        # Publish everything, then vote, then let the polls close.
        for _ in range(30):
            await h.pump()
            upcoming = await h.newsbot.tick()
            if len([m for m in h.channel_posts() if "poll" in m]) == 6:
                break
            assert upcoming is not None
            h.clock.set(upcoming)
        first_poll = next(m for m in h.channel_posts() if "poll" in m)
        reader = h.world.add_user("Reader")["id"]
        h.world.vote(reader, h.channel_id, first_poll["message_id"], [0])
        await h.pump()
        async with h.sessions() as session:
            poll = await session.scalar(
                select(Poll).where(Poll.message_id == first_poll["message_id"])
            )
            assert poll is not None
            assert poll.counts == [1, 0, 0]
            assert not poll.closed
            close_at = poll.close_at
        assert close_at is not None
        assert close_at - START >= timedelta(days=2)
        h.clock.set(close_at - timedelta(seconds=1))
        await h.newsbot.tick()
        assert not h.world.polls[first_poll["poll"]["id"]].poll["is_closed"]
        h.clock.set(close_at + timedelta(hours=1))
        await h.newsbot.tick()
        assert h.world.polls[first_poll["poll"]["id"]].poll["is_closed"]
        async with h.sessions() as session:
            polls = (await session.scalars(select(Poll))).all()
            assert all(p.closed for p in polls)
            closed = next(p for p in polls if p.message_id == first_poll["message_id"])
            assert closed.counts == [1, 0, 0]
            assert closed.total_voters == 1


async def _posted_texts(h: Harness, channel_id: int | None = None) -> list[str]:
    return channel_shows(h.world, channel_id or h.channel_id)


async def test_each_admin_command_for_admin_and_refused_for_a_stranger(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        stranger = h.world.add_user("Mallory")["id"]
        for command in (
            "/articles",
            "/preview 1",
            "/publish 1 now",
            "/pause",
            "/resume",
            "/cancel 1",
            "/status",
            "/channels",
        ):
            answer = await h.command(command, stranger)
            assert answer == ["Sorry, only the channel's admins can do that."], command
        h.world.send_document(stranger, "evil.txt", b"Evil\nText here.", caption="/import")
        await h.pump()
        assert (
            h.world.messages(stranger)[-1]["text"]
            == "Sorry, only the channel's admins can do that."
        )
        async with h.sessions() as session:
            states = set((await session.scalars(select(Segment.state))).all())
        assert states == {SegmentState.DRAFT}  # nothing changed
        assert h.channel_posts() == []

        help_for_stranger = (await h.command("/help", stranger))[0]
        assert "/publish" not in help_for_stranger
        assert "/mydata" in help_for_stranger
        admin_help = (await h.command("/help"))[0]
        sections = [
            line
            for line in admin_help.splitlines()
            if line in ("For everyone", "For moderators", "For admins")
        ]
        assert sections == ["For everyone", "For moderators", "For admins"]
        assert "/publish ID" in admin_help
        assert "/unhide ID — undo a /hide" in admin_help
        # Every command in the admin's menu is explained in /help.
        menu = h.world.commands[next(k for k in h.world.commands if str(h.admin_id) in k)]
        for entry in menu:
            assert f"/{entry['command']}" in admin_help, entry["command"]
        welcome = (await h.command("/start"))[0]
        assert "You are an admin of News. To begin, send me an article file" in welcome
        assert "You are an admin" not in (await h.command("/start", stranger))[0]
        assert "1. «Everything Russia's allies" in (await h.command("/articles"))[0]
        preview = await h.command("/preview 1")
        assert len(preview) == 1, "one message, paged"
        assert preview[0].startswith(
            "Preview of article 1 in news, not scheduled yet · post 1 of 15\n\nEverything"
        )
        message = h.world.messages(h.admin_id)[-1]
        labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["◀", "1/15", "▶", "Publish now", "Schedule…"]
        for _page in range(4):  # ▶ four times: the lesson post
            h.world.click(h.admin_id, h.admin_id, message["message_id"], "▶")
            await h.pump()
        page = h.world.chats[h.admin_id].messages[message["message_id"]]
        assert page["text"].startswith("Preview of article 1 in news, not scheduled yet · post 5")
        assert "Key lessons for Israel:" in page["text"]
        h.world.click(h.admin_id, h.admin_id, message["message_id"], "▶")
        await h.pump()
        page = h.world.chats[h.admin_id].messages[message["message_id"]]
        assert "poll 6 of 15\n\n📊 Russia's unreliability" in page["text"]
        h.world.click(h.admin_id, h.admin_id, message["message_id"], "◀")
        await h.pump()
        page = h.world.chats[h.admin_id].messages[message["message_id"]]
        assert "post 5 of 15" in page["text"]
        for _page in range(5):  # back to the first page, and round to the last
            h.world.click(h.admin_id, h.admin_id, message["message_id"], "◀")
            await h.pump()
        page = h.world.chats[h.admin_id].messages[message["message_id"]]
        assert "post 15 of 15" in page["text"]
        # Paging edits the one message: the chat has not grown.
        assert h.world.messages(h.admin_id)[-1]["message_id"] == message["message_id"]
        assert "news: chat" in (await h.command("/channels"))[0]
        assert "Nothing is scheduled" in (await h.command("/status"))[0]
        assert "scheduled on news" in (await h.command("/publish 1 12:00 1h"))[-1]
        status = (await h.command("/status"))[0]
        assert "0/9 posts, 0/6 polls" in status
        assert "Next: a post at 2026-11-23 12:00 (Europe/Berlin, UTC+1)" in status
        assert "Paused: 1" in (await h.command("/pause 1"))[0]
        assert "— paused" in (await h.command("/status"))[0]
        assert "Resumed: 1" in (await h.command("/resume 1"))[0]
        question = (await h.command("/cancel 1"))[0]
        assert question.startswith("Cancel what is left of article 1 «")
        asked = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, asked["message_id"], "Yes, cancel it")
        await h.pump()
        cancelled = h.world.chats[h.admin_id].messages[asked["message_id"]]["text"]
        assert cancelled == "Cancelled 9 posts and 6 polls of article 1."  # as scheduled
        assert "Nothing is scheduled" in (await h.command("/status"))[0]
        # Admin actions are audited.
        from db.models import AuditEntry

        async with h.sessions() as session:
            actions = (
                await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
            ).all()
        assert actions == ["import", "publish", "pause", "resume", "cancel"]


async def test_bad_publish_arguments_show_the_right_form_and_change_nothing(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        for bad, expected in (
            ("/publish", "Usage: /publish ID"),
            ("/publish one", "Usage: /publish ID"),
            ("/publish 1 tomorow", "I cannot read the start «tomorow»; did you mean tomorrow?"),
            ("/publish 1 25:00", "25:00 is not a time of day; for example: 18:00"),
            ("/publish 1 2020-01-01 09:00", "(Europe/Berlin) is in the past; for example:"),
            ("/publish 1 now 0m", "I cannot read the start «now 0m»"),
            ("/publish 9", "There is no article 9; see /articles."),
        ):
            answer = (await h.command(bad))[-1]
            assert expected in answer, (bad, answer)
        async with h.sessions() as session:
            assert set((await session.scalars(select(Segment.state))).all()) == {SegmentState.DRAFT}
        await h.command("/publish 1 now")
        asked = (await h.command("/publish 1 now"))[-1]
        assert asked.startswith("Article 1 «")
        assert "is already scheduled in news. Move its" in asked


async def test_a_scheduled_article_can_be_rescheduled_or_kept(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 tomorrow 10:00 every 1h")
        before = await _scheduled_times(h)
        asked = (await h.command("/publish 1 wednesday 12:00 every 30m"))[-1]
        assert "is already scheduled in news. Move its 9 posts still waiting to" in asked
        assert "2026-11-25 12:00 (Europe/Berlin, UTC+1) – 2026-11-25 16:00" in asked
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Keep")
        await h.pump()
        assert h.world.chats[h.admin_id].messages[question["message_id"]]["text"] == (
            "Kept as scheduled; see /status."
        )
        assert await _scheduled_times(h) == before
        await h.command("/publish 1 wednesday 12:00 every 30m")
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Reschedule")
        await h.pump()
        answer = h.world.chats[h.admin_id].messages[question["message_id"]]["text"]
        assert answer.startswith("Article 1 is scheduled on news: 9 posts and 6 polls, from ")
        moved = await _scheduled_times(h)
        assert moved[0] == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
        assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(moved))
        # The answer replaced the question, buttons and all.
        assert "reply_markup" not in h.world.chats[h.admin_id].messages[question["message_id"]]


async def _scheduled_times(h: Harness) -> list[datetime]:
    async with h.sessions() as session:
        rows = await session.scalars(
            select(Segment.scheduled_at)
            .where(Segment.state == SegmentState.SCHEDULED)
            .order_by(Segment.position)
        )
        return [moment for moment in rows if moment is not None]


async def test_a_named_day_without_a_time_starts_at_nine_in_the_channels_zone(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        answer = (await h.command("/publish 1 в понедельник"))[-1]
        assert "from 2026-11-30 09:00 (Europe/Berlin, UTC+1)" in answer, answer


async def test_pause_holds_posting_and_resume_respaces(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 now 10m")
        await h.newsbot.tick()
        await h.pump()
        h.clock.advance(timedelta(minutes=10))
        await h.newsbot.tick()
        assert len(h.channel_posts()) == 2
        await h.command("/pause")
        h.clock.advance(timedelta(hours=3))
        await h.newsbot.tick()
        assert len(h.channel_posts()) == 2
        await h.command("/resume")
        resumed_at = h.clock.now()
        await h.newsbot.tick()
        assert len(h.channel_posts()) == 3  # the missed slot goes now
        async with h.sessions() as session:
            nxt = await session.scalar(select(Segment).where(Segment.position == 3))
            assert nxt is not None
            assert nxt.scheduled_at == resumed_at + timedelta(minutes=10)
        await h.run_until_idle()
        assert len(await _posted_texts(h)) == 15


async def test_pause_resume_and_cancel_that_would_change_nothing_say_why(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 12:00 1h")
        assert await h.command("/resume 1") == ["Article 1 is not paused; see /status."]
        # A private answer does not quote the command it answers.
        assert "reply_to_message" not in h.world.messages(h.admin_id)[-1]
        assert await h.command("/pause 1") == ["Paused: 1"]
        assert await h.command("/pause 1") == ["Article 1 is paused already; /resume 1 goes on."]
        await _cancel_confirmed(h, 1)
        # Nothing is left: a second /cancel does not ask again, /pause and /resume say so.
        assert await h.command("/cancel 1") == [
            "Article 1 has nothing left to cancel: it is finished or cancelled."
        ]
        assert h.world.messages(h.admin_id)[-1].get("reply_markup") is None
        nothing = "Article 1 has nothing left to post: it is finished or cancelled."
        assert await h.command("/pause 1") == [nothing]
        assert await h.command("/resume 1") == [nothing]


async def test_status_never_calls_a_cancelled_article_finished(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 now 1h")
        await h.newsbot.tick()
        await h.pump()
        assert len(h.channel_posts()) == 1
        await _cancel_confirmed(h, 1)
        [shown] = await h.command("/status")
        assert "cancelled; its last post went out" in shown
        assert "finished" not in shown


async def test_failure_blocks_what_follows_and_is_shown_in_status(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        rights = h.world.chats[h.channel_id].admins[h.world.bot_id]
        rights["can_post_messages"] = False
        await h.command("/publish 1 now 1m")
        await h.newsbot.tick()
        h.clock.advance(timedelta(minutes=5))
        await h.newsbot.tick()
        assert h.channel_posts() == []
        answers = await h.command("/status")
        status = answers[-1]
        assert answers[0].startswith("Post 1 of article 1 failed: Need administrator rights")
        assert answers[1].startswith("I cannot post in news: the bot is an administrator without")
        assert "Failed: post 1: Need administrator rights in the channel chat" in status
        # The periodic check of the bot's rights found it out too: paused, with the reason.
        assert "Paused by me: the bot is an administrator without the right to post" in status
        assert "cannot post in news" in (await h.command("/resume 1"))[0]
        h.world.promote(h.channel_id, h.world.bot_id, can_post_messages=True)
        await h.pump()
        assert "I can post in news again" in h.world.messages(h.admin_id)[-1]["text"]
        await h.command("/resume 1")
        await h.run_until_idle()
        assert len(await _posted_texts(h)) == 15


async def test_two_channels_publish_at_once_without_flood_errors(tmp_path: Path) -> None:
    async with running_harness(tmp_path, extra_channels=2) as h:
        await _import_sample(h)
        second = SAMPLE_ARTICLE.read_text(encoding="utf-8").replace("Everything", "All")
        third = second.replace("All Russia's", "What Russia's")
        h.world.send_document(h.admin_id, "b.txt", second.encode(), caption="/import news2")
        h.world.send_document(h.admin_id, "c.txt", third.encode(), caption="/import news3")
        await h.pump()
        for article, channel in ((1, "news"), (2, "news2"), (3, "news3")):
            assert "scheduled" in (await h.command(f"/publish {article} {channel} now 1s"))[-1]
        h.clock.advance(timedelta(minutes=1))  # every post of every channel is due at once
        await h.newsbot.tick()
        await h.run_until_idle()
        first = await _posted_texts(h)
        assert len(first) == 15
        for channel_id, _group in h.more_channels:
            assert len(await _posted_texts(h, channel_id)) == 15
        assert (await _posted_texts(h, h.more_channels[0][0]))[0].startswith("All Russia's")
        assert h.world.flood_refusals == 0


async def test_restart_continues_without_repeating(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 now 10m")
        await h.newsbot.tick()
        h.clock.advance(timedelta(minutes=10))
        await h.newsbot.tick()
        await h.newsbot.stop()
        from bot.app import NewsBot

        h.clock.advance(timedelta(minutes=35))  # down for a while: three slots missed
        h.newsbot = NewsBot(h.config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        await h.newsbot.start()
        async with h.sessions() as session:
            third = await session.scalar(select(Segment).where(Segment.position == 2))
            assert third is not None
            assert third.scheduled_at == h.clock.now()
        await h.run_until_idle()
        texts = await _posted_texts(h)
        assert len(texts) == 15
        assert len(set(texts)) == 15


async def test_channel_administrators_are_admins_and_menus_are_per_scope(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        editor = h.world.add_user("Eli")["id"]
        assert "Sorry" in (await h.command("/status", editor))[0]
        h.world.make_admin(h.channel_id, editor)
        h.clock.advance(timedelta(minutes=6))  # the cached administrator list expires
        assert "Nothing is scheduled" in (await h.command("/status", editor))[0]
        import json

        menus = {
            json.loads(key)[0]["type"] + ":" + json.loads(key)[1]: [c["command"] for c in cmds]
            for key, cmds in h.world.commands.items()
        }
        assert menus["all_private_chats:"] == ["start", "help", "mydata", "forget", "quote"]
        assert "publish" in menus["chat:"]
        assert "export" in menus["chat:"]
        assert "publish" in menus["chat:ru"]
        ru = next(
            c
            for k, cmds in h.world.commands.items()
            if '"ru"' in k and "all_private" in k
            for c in cmds
        )
        assert ru["description"] != "What this bot is and what it stores"  # translated


async def test_cli_status_shows_the_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 now 10m")
        await h.newsbot.tick()
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'token = "{h.config.token.get_secret_value()}"\n'
        f'database_url = "{h.config.database_url}"\n'
        f'[[channels]]\nchat = {h.channel_id}\nname = "news"\ntimezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    from bot.cli import main

    assert await asyncio.to_thread(main, ["--config", str(config), "status"]) == 0
    out = capsys.readouterr().out
    assert "1/9 posts, 0/6 polls" in out
    assert "Next: a post at 2026-11-23 10:10 (Europe/Berlin, UTC+1)" in out


async def test_posts_lead_back_to_part_one_and_polls_arrive_silently(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        posts = [m for m in h.channel_posts() if "text" in m]
        assert "reply_markup" not in posts[0], "nothing to go back to from part 1"
        second = posts[1]["reply_markup"]["inline_keyboard"][0]
        assert [b["text"] for b in second] == ["⏮ Part 1"]
        assert second[0]["url"] == f"https://t.me/news_test/{posts[0]['message_id']}"
        sixth = posts[5]["reply_markup"]["inline_keyboard"][0]
        assert [b["text"] for b in sixth] == ["⏮ Part 1", "◀ Previous part"]
        assert sixth[1]["url"] == f"https://t.me/news_test/{posts[4]['message_id']}"
        polls = [params for method, params in h.world.log if method == "sendpoll"]
        assert len(polls) == 6
        assert all(str(p.get("disable_notification")).lower() == "true" for p in polls)
        posts_sent = [params for method, params in h.world.log if method == "sendmessage"]
        assert not any(str(p.get("disable_notification")).lower() == "true" for p in posts_sent)


def test_private_channels_get_private_post_links() -> None:
    from bot.telegram.links import post_link

    assert post_link(-1001234567890, None, 42) == "https://t.me/c/1234567890/42"
    assert post_link(-1001234567890, "@news", 42) == "https://t.me/news/42"


async def test_publish_answers_in_the_admins_language_and_warns_of_night_posts(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        wrong = (await h.command("/publish 1 sports now"))[0]
        assert wrong.startswith("There is no channel «sports»; the channels are: news")
        assert "Usage: /publish ID" in wrong
        asked = (await h.command("/publish 1 news 22:00 every 1h"))[0]
        assert asked.startswith(
            "8 posts would go out at night in news's time zone (first at 2026-11-23 23:00 "
            "(Europe/Berlin, UTC+1)), when readers sleep. Move night posts to 09:00?"
        )
        assert await _scheduled_times(h) == []  # nothing scheduled before the answer
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Keep night times")
        await h.pump()
        answer = h.world.chats[h.admin_id].messages[question["message_id"]]["text"]
        assert "scheduled on news" in answer
        assert "Note: 8 posts fall at night in the channel's time zone (first at" in answer
        assert len(await _scheduled_times(h)) == 9
        h.world.users[h.admin_id]["language_code"] = "ru"
        assert (await h.command("/publish 1 спорт сейчас"))[0].startswith("Нет канала «спорт»")


async def test_night_posts_move_to_nine_in_the_morning_when_the_admin_says_so(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 22:00 every 1h")
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Move to 09:00")
        await h.pump()
        answer = h.world.chats[h.admin_id].messages[question["message_id"]]["text"]
        assert "Note:" not in answer
        times = await _scheduled_times(h)
        berlin = [moment.astimezone(ZoneInfo("Europe/Berlin")) for moment in times]
        # 22:00 today, then the rest from 09:00 tomorrow, an hour apart.
        assert [f"{t:%d %H:%M}" for t in berlin] == [
            "23 22:00", "24 09:00", "24 10:00", "24 11:00", "24 12:00",
            "24 13:00", "24 14:00", "24 15:00", "24 16:00",
        ]  # fmt: skip


async def test_admins_hear_when_an_article_starts_finishes_or_fails(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        h.world.send_private(h.admin_id, "/start")
        await _import_sample(h)
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        texts = [m.get("text", "") for m in h.world.messages(h.admin_id)]
        [started] = [t for t in texts if "has started" in t]
        assert started.startswith("Article 1 «Everything Russia's allies")
        assert started.endswith("has started in news: part 1.")
        [finished] = [t for t in texts if "is finished" in t]
        assert "is finished in news: 9 posts. Parts: 1 · 2 · 3" in finished
        message = next(
            m for m in h.world.messages(h.admin_id) if "is finished" in m.get("text", "")
        )
        links = [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]
        first_post = h.channel_posts()[0]["message_id"]
        assert links[0] == f"https://t.me/news_test/{first_post}"
        assert len(links) == 9


async def test_a_failed_post_is_reported_at_once(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        h.world.send_private(h.admin_id, "/start")
        await _import_sample(h)
        h.world.chats[h.channel_id].admins[h.world.bot_id]["can_post_messages"] = False
        await h.command("/publish 1 now 1m")
        await h.newsbot.tick()
        await h.pump()
        told = h.world.messages(h.admin_id)[-1]["text"]
        assert told == (
            "Post 1 of article 1 failed: Need administrator rights in the channel chat. "
            "What follows waits; fix the cause and /resume 1."
        )


async def test_status_shows_paused_without_a_next_time_and_what_finished(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 12:00 1h")
        await h.command("/pause 1")
        paused = (await h.command("/status"))[0]
        assert "— paused" in paused
        assert "Next:" not in paused
        await h.command("/resume 1")
        await h.command("/cancel 1")
        h.world.click(
            h.admin_id, h.admin_id, h.world.messages(h.admin_id)[-1]["message_id"], "Keep it"
        )
        await h.pump()
        h.clock.set(h.clock.now().replace(hour=17))
        await h.run_until_idle()
        done = (await h.command("/status"))[0]
        assert "Nothing is scheduled" in done
        assert "Finished in the last week" in done
        assert "Article 1 «Everything Russia's allies" in done
        h.clock.advance(timedelta(days=8))
        assert "Finished in the last week" not in (await h.command("/status"))[0]


async def test_a_tick_asked_for_while_one_runs_is_run_after_it(tmp_path: Path) -> None:
    """An admin's /publish (or the wake-up for the next post) arriving mid-tick must not
    wait for the 30-second safety tick: it is one more tick right after the running one."""
    async with running_harness(tmp_path) as h:
        schedule = h.newsbot.parts.schedule
        real_tick = schedule.tick
        release = asyncio.Event()
        ticks: list[int] = []

        async def slow_tick() -> datetime | None:
            ticks.append(len(ticks) + 1)
            if len(ticks) == 1:
                await release.wait()  # the first tick is busy publishing
            return await real_tick()

        schedule.tick = slow_tick  # type: ignore[method-assign]
        stop = asyncio.Event()
        running = asyncio.create_task(schedule.run(stop))
        await wait_until(lambda: ticks == [1], timeout=10)
        schedule.wake()  # the wake-up for /publish, while the first runs
        schedule.wake()  # and another: both are served by one more tick
        release.set()
        await wait_until(lambda: len(ticks) >= 2, timeout=10)  # not after 30 s
        await asyncio.sleep(0.2)
        assert ticks == [1, 2]
        stop.set()
        await asyncio.wait_for(running, 10)


async def test_stopping_lets_a_tick_under_way_finish(tmp_path: Path) -> None:
    """Stopping mid-tick (a restart while a post goes out) waits for the tick instead of
    cancelling it mid-query, and starts no other."""
    async with running_harness(tmp_path) as h:
        schedule = h.newsbot.parts.schedule
        release, started = asyncio.Event(), asyncio.Event()
        finished: list[bool] = []

        async def busy_tick() -> datetime | None:
            started.set()
            await release.wait()
            finished.append(True)
            return None

        schedule.tick = busy_tick  # type: ignore[method-assign]
        stop = asyncio.Event()
        running = asyncio.create_task(schedule.run(stop))
        await asyncio.wait_for(started.wait(), 10)
        stop.set()
        schedule.wake()  # asked for while stopping: no tick starts
        await asyncio.sleep(0.1)
        assert not running.done()  # waits for the tick
        release.set()
        await asyncio.wait_for(running, 10)
        assert finished == [True]


def _background_publisher(h: Harness, on_channel_done: Callable[[], None]) -> Publisher:
    """The publisher as when running for real: channels post in tasks of their own."""
    parts = h.newsbot.parts
    return Publisher(
        parts.sessions,
        parts.application.bot,
        h.config,
        h.clock,
        parts.access,
        background=True,
        on_channel_done=on_channel_done,
    )


async def test_a_channel_held_by_flood_control_does_not_hold_up_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_harness(tmp_path, extra_channels=1) as h:
        await _import_sample(h)
        text = SAMPLE_ARTICLE.read_text(encoding="utf-8")
        for name, variant in (("b.txt", "All"), ("c.txt", "What")):
            h.world.send_document(
                h.admin_id,
                name,
                text.replace("Everything", variant).encode(),
                caption="/import news" if variant == "All" else "/import news2",
            )
        await h.pump()
        await h.command("/publish 1 news now 1s")
        await h.command("/publish 2 news now 1s")  # 30 messages: past the burst of 20
        await h.command("/publish 3 news2 +5m")
        done: list[int] = []
        publisher = _background_publisher(h, lambda: done.append(1))
        h.clock.advance(timedelta(minutes=1))
        await publisher.tick()  # returns while the first channel posts
        deadline = time.monotonic() + 20
        while len(h.channel_posts()) < 21 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(h.channel_posts()) >= 21  # now at flood control's pace: one per ~3 s
        second = h.more_channels[0][0]
        h.clock.advance(timedelta(minutes=5))
        await publisher.tick()
        deadline = time.monotonic() + 5
        while not (h.channel_posts(second) and done) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        # The second channel's due post is out and its task said it was done (so the
        # scheduler looks again), while the first channel is still at flood control's pace.
        assert (await _posted_texts(h, second))[0].startswith("What Russia's")
        assert done
        assert len(h.channel_posts()) < 30
        await publisher.stop()
        assert h.world.flood_refusals == 0
        # That tick came minutes (on the clock) after the first channel's waiting send was
        # marked as sending: it is on its way, not in doubt, and is not sent again.
        assert "was not delivered" not in caplog.text
        async with h.sessions() as session:
            for model in (Segment, Poll):
                resent = await session.scalar(
                    select(func.count()).select_from(model).where(model.attempts > 1)
                )
                assert resent == 0


async def test_an_idle_or_blocked_channel_starts_no_posting_and_asks_for_no_tick(
    tmp_path: Path,
) -> None:
    """A channel with nothing due must not start a posting task whose end asks for another
    tick, which would start it again: a busy loop that slowed intake to half its speed."""
    async with running_harness(tmp_path) as h:
        await _import_sample(h)
        await h.command("/publish 1 news +1h")
        asked: list[int] = []
        publisher = _background_publisher(h, lambda: asked.append(1))
        upcoming = await publisher.tick()
        assert upcoming is not None  # the first post's time, an hour away
        assert upcoming - h.clock.now() > timedelta(minutes=59)
        await asyncio.sleep(0.1)
        assert asked == []
        h.world.demote(h.channel_id, h.world.bot_id)  # the posting right is gone
        h.clock.advance(timedelta(hours=2))
        await h.newsbot.check_rights()  # the channel is blocked, its articles paused
        await publisher.tick()
        await asyncio.sleep(0.1)
        assert asked == []
        assert h.channel_posts() == []


async def test_wrong_channel_then_cancel_then_a_copy_in_the_right_one(tmp_path: Path) -> None:
    """Published to the wrong channel and cancelled: /publish to the right one offers a
    copy there, with its own posts and polls; what went out stays where it went."""
    async with running_harness(tmp_path, extra_channels=1) as h:
        [(right_id, right_group)] = h.more_channels
        await _import_sample(h)
        await h.command("/publish 1 now 10m")
        await h.newsbot.tick()
        await h.pump()
        h.clock.advance(timedelta(minutes=10))
        await h.newsbot.tick()
        await h.pump()
        await _cancel_confirmed(h, 1)
        wrong = channel_shows(h.world, h.channel_id)
        assert len(wrong) == 2
        asked = (await h.command("/publish 1 news2 now 1m"))[-1]
        assert asked.startswith("Article 1 «Everything Russia's allies")
        assert "belongs to news: 2/9 out, cancelled. It stays there; a copy for news2" in asked
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Publish a copy in news2")
        await h.pump()
        said = [m.get("text", "") for m in h.world.messages(h.admin_id)]
        assert "Made article 2 for news2, a copy of article 1." in said
        answer = h.world.chats[h.admin_id].messages[question["message_id"]]["text"]
        assert answer.startswith("Article 2 is scheduled on news2: 9 posts and 6 polls")
        await h.run_until_idle()
        assert len(channel_shows(h.world, right_id)) == 15
        assert channel_shows(h.world, h.channel_id) == wrong  # nothing more in the wrong one
        # Each channel's discussion stays its own: a comment in news2 is article 2's.
        reader = h.world.add_user("Ann")["id"]
        first_right = h.world.messages(right_id)[0]["message_id"]
        h.world.comment(reader, right_id, first_right, "Finally in the right place")
        await h.pump()
        async with h.sessions() as session:
            article_of = await session.scalar(
                select(Segment.article_id)
                .join(Comment, Comment.segment_id == Segment.id)
                .where(Comment.text == "Finally in the right place")
            )
        assert article_of == 2
        assert right_group != h.group_id


async def test_a_finished_article_is_published_again_only_when_asked(tmp_path: Path) -> None:
    # A short article: the channel's flood limit (20 messages a minute) is not what this
    # test is about.
    short = b"Harbour reopens\n\nThe pier is rebuilt.\n\nLessons:\n\n- Warn boat owners earlier.\n"
    async with running_harness(tmp_path) as h:
        h.world.send_document(h.admin_id, "short.txt", short, caption="/import news")
        await h.pump()
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        first = channel_shows(h.world, h.channel_id)
        assert len(first) == 3  # two posts and the lesson's poll
        asked = (await h.command("/publish 1 now 1m"))[-1]
        assert "went out in full in news: already posted. Publish it again there" in asked
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Keep")
        await h.pump()
        await h.run_until_idle()
        assert channel_shows(h.world, h.channel_id) == first  # kept: nothing new
        await h.command("/publish 1 now 1m")
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Publish again in news")
        await h.pump()
        said = [m.get("text", "") for m in h.world.messages(h.admin_id)]
        assert "Made article 2 for news, a copy of article 1." in said
        await h.run_until_idle()
        assert channel_shows(h.world, h.channel_id) == first * 2  # the same, once more
        # The same text imported again is still the original.
        h.world.send_document(h.admin_id, "short.txt", short, caption="/import news")
        await h.pump()
        assert h.world.messages(h.admin_id)[-1]["text"].startswith("Already imported as article 1")
