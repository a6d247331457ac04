"""Three ``newsbot run`` processes on one PostgreSQL database, behind one webhook address
(the emulator takes turns among them, as a reverse proxy would): one publishes at a time,
another takes over when it is killed, and every update is handled once."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.config import load_config
from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from db.engine import create_engine, create_session_factory
from db.models import Comment, Lease
from tests.conftest import SAMPLE_ARTICLE, wait_until
from tests.databases import on_postgresql
from tests.processes import (
    BotProcess,
    all_posted,
    channel_shows,
    comment_count,
    comments_reach,
    eventually,
    expected_shown,
    free_ports,
    import_and_publish,
    news_world,
    short_article,
    thread_known,
    write_config,
)

pytestmark = [
    pytest.mark.skipif(not on_postgresql(), reason="several processes need PostgreSQL"),
    pytest.mark.timeout(240),
]
PUBLIC = "https://bot.example.org"


def _processes(config: Path, folder: Path, world: World) -> list[BotProcess]:
    ports = free_ports(3)
    world.route_webhook(PUBLIC, *(f"http://127.0.0.1:{port}" for port in ports))
    return [
        BotProcess(
            config,
            folder / f"bot{n}.log",
            "--webhook",
            f"{PUBLIC}/tg",
            "--listen",
            f"127.0.0.1:{port}",
        )
        for n, port in enumerate(ports)
    ]


async def _publisher_pid(database: str) -> int | None:
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            holder = await session.scalar(select(Lease.holder))
    finally:
        await engine.dispose()
    return int(holder.split(":")[1]) if holder else None


async def test_three_processes_publish_once_in_order_though_the_publisher_dies(
    tmp_path: Path,
) -> None:
    world, admin, channel_id = news_world()
    async with EmulatorServer(world) as server:
        config = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        database = load_config(config, env={}).database_url
        await import_and_publish(config, SAMPLE_ARTICLE, "--every", "1s")
        bots = _processes(config, tmp_path, world)

        def shown() -> list[str]:
            return channel_shows(world, channel_id)

        try:
            for bot in bots:
                bot.start()
            await wait_until(lambda: len(shown()) >= 4, timeout=60)
            pid = await _publisher_pid(database)
            victim = next(bot for bot in bots if bot.process and bot.process.pid == pid)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)  # the publishing process dies mid-article
            assert victim.process is not None
            victim.process.wait(timeout=10)
            await wait_until(lambda: len(shown()) >= 15, timeout=120)
            assert await eventually(lambda: all_posted(database), within=20)
            await asyncio.sleep(5.5)  # a duplicate would arrive within the doubt window
            taken_over_by = await _publisher_pid(database)
        finally:
            for bot in bots:
                bot.stop()
        assert shown() == expected_shown(config)  # every post and poll once, in order
        assert taken_over_by not in (None, pid)


async def test_two_thousand_comments_over_three_processes_are_stored_once(
    tmp_path: Path,
) -> None:
    world, admin, channel_id = news_world()
    readers = [world.add_user(f"Reader {n}")["id"] for n in range(40)]
    async with EmulatorServer(world) as server:
        config = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        database = load_config(config, env={}).database_url
        await import_and_publish(config, short_article(tmp_path))
        bots = _processes(config, tmp_path, world)
        try:
            for bot in bots:
                bot.start()
            await wait_until(lambda: len(world.messages(channel_id)) == 1, timeout=60)
            post_id = world.messages(channel_id)[0]["message_id"]
            assert await eventually(lambda: thread_known(database), within=30), (
                "the post's automatic forward was not handled"
            )
            edited: dict[int, str] = {}
            for number in range(2000):
                reader = readers[number % 40]
                sent = world.comment(reader, channel_id, post_id, f"comment {number}")
                if number % 10 == 0:  # edited at once, perhaps handled by another process
                    edited[sent["message_id"]] = f"comment {number}, edited"
                    world.edit(reader, sent["chat"]["id"], sent["message_id"], f"{number}, draft")
                    world.edit(
                        reader, sent["chat"]["id"], sent["message_id"], edited[sent["message_id"]]
                    )
            await comments_reach(database, 2000, within=120)
            assert await eventually(lambda: _texts_are(database, edited), within=60)
        finally:
            for bot in bots:
                bot.stop()
        assert await comment_count(database) == (2000, 2000)
        handled_by = [(tmp_path / f"bot{n}.log").read_text(encoding="utf-8") for n in range(3)]
        assert all("Traceback" not in log for log in handled_by)


async def _texts_are(database: str, expected: dict[int, str]) -> bool:
    """Whether the comments with these message ids read so, each edit applied in order."""
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(Comment.message_id, Comment.text).where(
                    Comment.message_id.in_(list(expected))
                )
            )
            return dict(rows.all()) == expected
    finally:
        await engine.dispose()


async def test_two_polling_processes_take_turns_instead_of_fighting(tmp_path: Path) -> None:
    """Telegram answers one long poll at a time, and any getUpdates, even one that does not
    wait, ends the poll before it with a Conflict: the lease's holder polls, and a process
    started beside it stands by from its first moment (no draining at start-up either),
    so nobody ever logs Telegram's Conflict."""
    world, admin, channel_id = news_world()
    async with EmulatorServer(world) as server:
        config = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        logs = [tmp_path / f"poll{n}.log" for n in range(2)]
        bots = [BotProcess(config, log) for log in logs]
        reader = world.add_user("Rita")["id"]

        def answers() -> int:
            return len([m for m in world.messages(reader) if m.get("from", {}).get("is_bot")])

        try:
            bots[0].start()
            world.send_private(reader, "/start")
            await wait_until(lambda: answers() >= 1, timeout=30)  # the first bot polls
            bots[1].start()
            await wait_until(lambda: "is running" in logs[1].read_text(encoding="utf-8"), 30)
            for number in range(2, 4):
                world.send_private(reader, "/start")

                def answered(count: int = number) -> bool:
                    return answers() >= count

                await wait_until(answered, timeout=30)
            await asyncio.sleep(2)  # a Conflict would be logged within a poll's 0.25 s step
        finally:
            for bot in bots:
                bot.stop()
        assert answers() == 3  # each /start answered once
        text = "".join(log.read_text(encoding="utf-8") for log in logs)
        assert "another instance is polling" not in text


async def _advisory_holder(database: str) -> int | None:
    """The server process id of the connection holding the publishing lock."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text(
                    "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND d.datname = current_database()"
                )
            )
    finally:
        await engine.dispose()
    return int(found) if found is not None else None


async def _cut(database: str, backend: int) -> None:
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    finally:
        await engine.dispose()


@pytest.mark.parametrize("how", ["killed", "its connection cut"])
async def test_another_process_takes_over_within_seconds_not_the_lease(
    tmp_path: Path, how: str
) -> None:
    """The publishing lease lasts a minute here; the publisher's advisory lock goes with
    its connection, so a standby publishes within seconds of it dying or being cut off,
    and nothing is posted twice (a publisher that was cut off and has not noticed yet is
    fenced out by the lease row)."""
    world, admin, channel_id = news_world()
    async with EmulatorServer(world) as server:
        config = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        config.write_text(config.read_text("utf-8").replace('"3s"', '"60s"'), "utf-8")
        database = load_config(config, env={}).database_url
        await import_and_publish(config, SAMPLE_ARTICLE, "--every", "1s")
        bots = _processes(config, tmp_path, world)[:2]

        def shown() -> list[str]:
            return channel_shows(world, channel_id)

        try:
            for bot in bots:
                bot.start()
            await wait_until(lambda: len(shown()) >= 3, timeout=60)
            pid = await _publisher_pid(database)
            assert pid is not None
            backend = await _advisory_holder(database)
            assert backend is not None
            if how == "killed":
                os.kill(pid, signal.SIGKILL)
            else:
                await _cut(database, backend)
            cut_at = asyncio.get_running_loop().time()

            async def taken_over() -> bool:
                # Killed: the other process. Cut off: whichever is quicker, the other or
                # the same one on a new connection, once it has noticed.
                holder = await _advisory_holder(database)
                return holder not in (None, backend) and (
                    how != "killed" or await _publisher_pid(database) not in (None, pid)
                )

            assert await eventually(taken_over, within=15), "no takeover within 15 s"
            took = asyncio.get_running_loop().time() - cut_at
            assert took < 15
            await wait_until(lambda: len(shown()) >= 15, timeout=120)
            assert await eventually(lambda: all_posted(database), within=30)
            await asyncio.sleep(5.5)  # a duplicate would arrive within the doubt window
        finally:
            for bot in bots:
                bot.stop()
        assert shown() == expected_shown(config)  # every post and poll once, in order
        if how == "its connection cut":
            logs = "".join((tmp_path / f"bot{n}.log").read_text("utf-8") for n in range(2))
            assert "the publishing lock's connection is gone" in logs


async def test_three_processes_started_at_once_on_an_empty_database_all_run(
    tmp_path: Path,
) -> None:
    """Real ``newsbot run`` processes, started together on a database nobody migrated."""
    world, admin, channel_id = news_world()
    async with EmulatorServer(world) as server:
        config = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        bots = _processes(config, tmp_path, world)
        logs = [tmp_path / f"bot{n}.log" for n in range(3)]
        try:
            for bot in bots:
                bot.start()
            await wait_until(
                lambda: all(
                    log.exists() and "is running" in log.read_text("utf-8") for log in logs
                ),
                timeout=60,
            )
            for bot in bots:
                assert bot.process is not None
                assert bot.process.poll() is None
        finally:
            for bot in bots:
                bot.stop()
        assert all("Traceback" not in log.read_text("utf-8") for log in logs)
