"""The database server goes away under a running bot and comes back: the bot keeps
running, takes nothing it cannot store (Telegram keeps it), says so once, and takes up
everything by itself when the server answers again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from tests.clusters import own_cluster
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN, wait_until
from tests.harness import running_harness
from tests.processes import (
    BotProcess,
    comment_count,
    eventually,
    free_ports,
    import_and_publish,
    news_world,
    short_article,
    thread_known,
)

pytestmark = pytest.mark.timeout(180)


def _config(path: Path, server: EmulatorServer, channel_id: int, admin: int, url: str) -> Path:
    path.write_text(
        f'token = "{TEST_TOKEN}"\napi_base_url = "{server.base_url}"\nadmins = [{admin}]\n'
        f'database_url = "{url}"\nlog_level = "INFO"\n'
        f'[[channels]]\nchat = {channel_id}\nname = "news"\npost_spacing = "1s"\n'
        '[publishing]\nlease = "3s"\n',  # the schedule ticks every second: during the outage
        encoding="utf-8",
    )
    return path


PUBLIC = "https://bot.example.org"


@pytest.mark.parametrize("receiving", ["polling", "a webhook pair"])
async def test_the_bot_waits_out_a_stopped_database_and_loses_nothing(
    tmp_path: Path, receiving: str
) -> None:
    world, admin, channel_id = news_world()
    reader = world.add_user("Rita")["id"]
    with own_cluster() as cluster:
        async with EmulatorServer(world) as server:
            config = _config(tmp_path / "newsbot.toml", server, channel_id, admin, cluster.url)
            await import_and_publish(config, short_article(tmp_path))
            if receiving == "polling":
                bots = [BotProcess(config, tmp_path / "bot0.log", "--polling")]
            else:
                ports = free_ports(2)
                world.route_webhook(PUBLIC, *(f"http://127.0.0.1:{port}" for port in ports))
                bots = [
                    BotProcess(
                        config,
                        tmp_path / f"bot{n}.log",
                        *("--webhook", f"{PUBLIC}/tg", "--listen", f"127.0.0.1:{port}"),
                    )
                    for n, port in enumerate(ports)
                ]

            def logged() -> str:
                return "".join(bot.log.read_text("utf-8") for bot in bots if bot.log.exists())

            world.send_private(admin, "/start")  # so the bot may write to the admin
            for bot in bots:
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
                await wait_until(lambda: "does not answer" in logged(), 30)
                await wait_until(lambda: _admin_told(world, admin, "does not answer"), 30)
                await wait_until(lambda: "could not renew the publishing" in logged(), 30)
                for bot in bots:
                    assert bot.process is not None
                    assert bot.process.poll() is None, "a bot exited when the database went away"
                assert world.updates, "the comments were confirmed to Telegram though not stored"

                cluster.start()
                assert await eventually(lambda: _stored(cluster.url, 6), within=60), (
                    "the comments written during the outage were not taken up"
                )
                await wait_until(lambda: _admin_told(world, admin, "works again"), 30)
                assert await comment_count(cluster.url) == (6, 6)  # each once
            finally:
                for bot in bots:
                    bot.stop()
    text = logged()
    assert "Traceback" not in text
    # Said once by each part of each process that noticed (intake, the schedule, the
    # outbox, the webhook's answers), not once a try.
    assert text.count("does not answer") <= 8 * len(bots)


async def _stored(url: str, count: int) -> bool:
    try:
        return (await comment_count(url))[0] >= count
    except OSError:
        return False


def _admin_told(world: World, admin: int, words: str) -> bool:
    return any(words in (message.get("text") or "") for message in world.messages(admin))


async def test_posts_due_while_the_database_was_away_are_re_spaced_when_it_answers(
    tmp_path: Path,
) -> None:
    """Posts do not all go out at once when the database comes back: the first of those
    that fell due goes, the others keep their spacing from that moment, as after a crash."""
    with own_cluster() as cluster:
        async with running_harness(tmp_path, database_url=cluster.url) as h:
            h.world.send_document(
                h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import"
            )
            await h.pump()
            await h.command("/publish 1 now 10m")
            await h.newsbot.tick()
            await h.pump()
            assert len(h.channel_posts()) == 1

            cluster.stop()
            h.clock.advance(timedelta(minutes=45))  # four or five posts fall due meanwhile
            assert await h.newsbot.tick() is None  # fails, logged, the loop would go on
            cluster.start()

            shown = len(h.channel_posts())
            await h.newsbot.tick()
            await h.pump()
            assert len(h.channel_posts()) == shown + 1  # one at once, not the backlog
            h.clock.advance(timedelta(minutes=9))
            await h.newsbot.tick()
            assert len(h.channel_posts()) == shown + 1  # the next keeps its 10 minutes
            h.clock.advance(timedelta(minutes=1))
            await h.newsbot.tick()
            assert len(h.channel_posts()) == shown + 2
