"""A trial that reaches Sunday: with ``follow_api_clock``, the emulator's ``advance_clock``
moves a running bot's time too, so a person trying newsbot by hand sees polls close and
the weekly summary arrive without waiting a week."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import ServerClock
from bot.config import load_config
from bot.emulator.server import EmulatorServer
from db.engine import create_engine, create_session_factory
from db.models import Comment, Poll
from tests.conftest import wait_until
from tests.processes import (
    BotProcess,
    eventually,
    import_and_publish,
    news_world,
    write_config,
)

ARTICLE = (
    "Harbour reopens after the storm\n\n"
    "Engineers rebuilt the northern pier in three weeks.\n\n"
    "Lessons:\n\n"
    "- Warnings must reach boat owners a day earlier.\n"
)


async def _stored(database: str) -> bool:
    """Both comments and the vote are in the bot's database."""
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            comments = await session.scalar(select(func.count()).select_from(Comment))
            votes = await session.scalar(
                select(func.count()).select_from(Poll).where(Poll.total_voters > 0)
            )
            return comments == 2 and votes == 1
    finally:
        await engine.dispose()


def test_the_server_clock_moves_only_forward_and_says_so() -> None:
    clock = ServerClock()
    jumps: list[int] = []
    clock.on_jump(lambda: jumps.append(1))
    start = clock.now()
    clock.observe(format_datetime(start - timedelta(days=1), usegmt=True))  # behind: ignored
    clock.observe(format_datetime(start, usegmt=True))  # the header's rounding: ignored
    clock.observe("not a date")
    clock.observe(None)
    assert jumps == []
    assert clock.now() - start < timedelta(seconds=1)
    clock.observe(format_datetime(start + timedelta(days=8), usegmt=True))
    assert jumps == [1]
    assert (
        timedelta(days=8) - timedelta(seconds=2)
        < clock.now() - start
        < timedelta(days=8, seconds=2)
    )


@pytest.mark.timeout(120)
async def test_advance_clock_closes_the_polls_and_brings_the_weekly_summary(
    tmp_path: Path,
) -> None:
    world, admin, channel_id = news_world()
    reader = world.add_user("Ann")["id"]
    article = tmp_path / "harbour.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    async with EmulatorServer(world) as server:
        config = write_config(
            tmp_path / "newsbot.toml",
            server,
            channel_id,
            admin,
            extra="follow_api_clock = true",
            publishing='poll_close_after = "1d"',
        )
        await import_and_publish(config, article, "--every", "1s")
        bot = BotProcess(config, tmp_path / "bot.log")
        try:
            bot.start()

            def poll() -> dict[str, object] | None:
                return next((m for m in world.messages(channel_id) if "poll" in m), None)

            await wait_until(lambda: poll() is not None, timeout=40)
            post = world.messages(channel_id)[0]
            world.comment(reader, channel_id, post["message_id"], "The pier looks solid.")
            message = poll()
            assert message is not None
            world.vote(reader, channel_id, int(str(message["message_id"])), [0])
            # Said under the lesson's poll: quoted under the lesson in the summary.
            world.comment(
                reader, channel_id, int(str(message["message_id"])), "Warnings came too late."
            )
            # As a person would, let the bot read them before time jumps.
            url = load_config(config, env={}).database_url
            assert await eventually(lambda: _stored(url), within=30)
            # A week and a day later, in the emulated Telegram.
            world.advance_clock(timedelta(days=8).total_seconds())

            def closed() -> bool:
                message = poll()
                return message is not None and bool(message["poll"]["is_closed"])  # type: ignore[index]

            def summaries() -> list[dict[str, object]]:
                return [
                    m
                    for m in world.messages(channel_id)
                    if "Weekly summary" in str(m.get("caption", m.get("text", "")))
                ]

            await wait_until(closed, timeout=30)
            await wait_until(lambda: len(summaries()) == 1, timeout=30)
        finally:
            bot.stop()
        summary = summaries()[0]
        assert summary.get("disable_notification") is True
        after = world.messages(channel_id)[world.messages(channel_id).index(summary) :]
        assert len(after) <= 2  # the photo and at most one message more, both silent
        assert all(m.get("disable_notification") for m in after)
        said = "\n".join(str(m.get("caption", m.get("text", ""))) for m in after)
        lesson = said.index("Lesson 1: «Warnings must reach boat owners a day earlier.»")
        assert said.index("Warnings came too late.", lesson) > lesson
