"""kill -9 in the middle of publishing, then a restart: every post once, in order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import load_config
from bot.emulator.server import EmulatorServer
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN, wait_until
from tests.processes import (
    BotProcess,
    all_posted,
    channel_shows,
    comment_count,
    comments_reach,
    eventually,
    expected_shown,
    import_and_publish,
    news_world,
    short_article,
    thread_known,
    write_config,
)


@pytest.mark.timeout(150)
async def test_kill_9_during_a_send_then_restart(tmp_path: Path) -> None:
    world, admin, channel_id = news_world()
    async with EmulatorServer(world) as server:
        config_path = write_config(
            tmp_path / "newsbot.toml", server, channel_id, admin, log_level="DEBUG"
        )
        config = load_config(config_path, env={})
        await import_and_publish(config_path, SAMPLE_ARTICLE, "--every", "1s")
        bot = BotProcess(config_path, tmp_path / "bot.log")

        def shown() -> list[str]:
            return channel_shows(world, channel_id)

        try:
            bot.start()
            await wait_until(lambda: len(shown()) >= 3, timeout=40)
            # The next send is answered slowly; the bot dies while it is in flight,
            # and Telegram delivers it anyway.
            server.faults.slow_seconds = 1.5
            server.faults.plan("slow", "sendMessage")
            await wait_until(lambda: server.in_flight["sendmessage"] > 0, timeout=20)
            bot.kill()
            await wait_until(lambda: server.in_flight["sendmessage"] == 0, timeout=10)
            delivered_while_dead = len(shown())
            bot.start()
            await wait_until(lambda: len(shown()) >= 15, timeout=60)
            # Past the doubt window nothing more may come, and the database agrees.
            assert await eventually(lambda: all_posted(config.database_url), within=10)
            await asyncio.sleep(5.5)  # a duplicate would arrive within the doubt window
        finally:
            bot.stop()
        assert delivered_while_dead >= 4
        assert shown() == expected_shown(config_path)
        log = (tmp_path / "bot.log").read_text(encoding="utf-8")
        assert TEST_TOKEN not in log  # DEBUG logging, and still no token


@pytest.mark.timeout(150)
async def test_kill_9_during_a_burst_of_2000_comments_loses_none(tmp_path: Path) -> None:
    world, admin, channel_id = news_world()
    readers = [world.add_user(f"Reader {n}")["id"] for n in range(40)]
    async with EmulatorServer(world) as server:
        config_path = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        database = load_config(config_path, env={}).database_url
        await import_and_publish(config_path, short_article(tmp_path))
        bot = BotProcess(config_path, tmp_path / "bot.log")
        try:
            bot.start()
            await wait_until(lambda: len(world.messages(channel_id)) == 1, timeout=30)
            post_id = world.messages(channel_id)[0]["message_id"]
            assert await eventually(lambda: thread_known(database), within=15)
            for number in range(1500):
                world.comment(readers[number % 40], channel_id, post_id, f"comment {number}")
            await comments_reach(database, 300, within=12)
            bot.kill()  # usually mid-batch: the bot takes in a thousand or two a second
            stored_at_kill, _ = await comment_count(database)
            assert 0 < stored_at_kill <= 1500
            # The burst goes on while the bot is down: Telegram keeps it.
            for number in range(1500, 2000):
                world.comment(readers[number % 40], channel_id, post_id, f"comment {number}")
            bot.start()
            await comments_reach(database, 2000, within=75)
        finally:
            bot.stop()
        assert await comment_count(database) == (2000, 2000)
