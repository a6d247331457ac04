"""The database server goes away under a running bot and comes back: the bot keeps
running, takes nothing it cannot store (Telegram keeps it), says so once, and takes up
everything by itself when the server answers again."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from tests.clusters import own_cluster
from tests.conftest import TEST_TOKEN, wait_until
from tests.processes import (
    BotProcess,
    comment_count,
    eventually,
    import_and_publish,
    short_article,
    thread_known,
)

pytestmark = pytest.mark.timeout(180)


def _config(path: Path, server: EmulatorServer, channel_id: int, admin: int, url: str) -> Path:
    path.write_text(
        f'token = "{TEST_TOKEN}"\napi_base_url = "{server.base_url}"\nadmins = [{admin}]\n'
        f'database_url = "{url}"\nlog_level = "INFO"\n'
        f'[[channels]]\nchat = {channel_id}\nname = "news"\npost_spacing = "1s"\n',
        encoding="utf-8",
    )
    return path


async def test_a_polling_bot_waits_out_a_stopped_database_and_loses_nothing(
    tmp_path: Path,
) -> None:
    world = World(TEST_TOKEN)
    admin = world.add_user("Ada")["id"]
    channel_id, _group = world.create_channel("News", owner_id=admin)
    reader = world.add_user("Rita")["id"]
    with own_cluster() as cluster:
        async with EmulatorServer(world) as server:
            config = _config(tmp_path / "newsbot.toml", server, channel_id, admin, cluster.url)
            await import_and_publish(config, short_article(tmp_path))
            log = tmp_path / "bot.log"
            bot = BotProcess(config, log, "--polling")
            world.send_private(admin, "/start")  # so the bot may write to the admin
            bot.start()
            try:
                await wait_until(lambda: len(world.messages(channel_id)) == 1, timeout=60)
                post_id = world.messages(channel_id)[0]["message_id"]
                assert await eventually(lambda: thread_known(cluster.url), within=30)
                world.comment(reader, channel_id, post_id, "before the outage")
                assert await eventually(lambda: _stored(cluster.url, 1), within=30), (
                    "the first comment was not stored"
                )

                cluster.stop()
                for number in range(5):
                    world.comment(reader, channel_id, post_id, f"during the outage {number}")
                await wait_until(lambda: "does not answer" in log.read_text("utf-8"), 30)
                await wait_until(lambda: _admin_told(world, admin, "does not answer"), 30)
                assert bot.process is not None
                assert bot.process.poll() is None, "the bot exited when the database went away"
                assert world.updates, "the comments were confirmed to Telegram though not stored"

                cluster.start()
                assert await eventually(lambda: _stored(cluster.url, 6), within=60), (
                    "the comments written during the outage were not taken up"
                )
                await wait_until(lambda: _admin_told(world, admin, "works again"), 30)
                assert await comment_count(cluster.url) == (6, 6)  # each once
            finally:
                bot.stop()
    text = log.read_text("utf-8")
    assert "Traceback" not in text
    assert text.count("does not answer") <= 3  # said once, not once a try


async def _stored(url: str, count: int) -> bool:
    try:
        return (await comment_count(url))[0] >= count
    except OSError:
        return False


def _admin_told(world: World, admin: int, words: str) -> bool:
    return any(words in (message.get("text") or "") for message in world.messages(admin))
