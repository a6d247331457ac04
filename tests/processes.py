"""Running newsbot as a real process against an in-test emulator, and reading what it
left in its database from outside."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.articles.importer import build_posts
from bot.cli import main
from bot.config import Config, load_config
from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from db.engine import create_engine, create_session_factory
from db.models import Comment, Poll, Segment, SegmentState
from tests.conftest import PROJECT_ROOT, SAMPLE_ARTICLE, TEST_TOKEN
from tests.databases import database_url


def free_ports(count: int) -> list[int]:
    """Ports free now on loopback, all different (each probe is held until all are bound)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    """Whether ``check`` comes true within ``within`` seconds (polled; the caller asserts or
    goes on, as the test needs)."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def news_world() -> tuple[World, int, int]:
    """An emulated world with a channel (and its discussion group) and its admin: the
    world, the admin's id, the channel's id."""
    world = World(TEST_TOKEN)
    admin = world.add_user("Ada")["id"]
    channel_id, _group = world.create_channel("News", owner_id=admin)
    return world, admin, channel_id


def short_article(folder: Path) -> Path:
    """A one-post article: a thread to pour comments into."""
    article = folder / "short.txt"
    article.write_text("Short news\nOne paragraph to discuss.\n", encoding="utf-8")
    return article


async def import_and_publish(config_path: Path, article: Path, *publish: str) -> None:
    """``newsbot import`` then ``newsbot publish 1 [publish...]``, as an admin at a shell."""
    cli = ["--config", str(config_path)]
    assert await asyncio.to_thread(main, [*cli, "import", str(article)]) == 0
    assert await asyncio.to_thread(main, [*cli, "publish", "1", *publish]) == 0


def channel_shows(world: World, channel_id: int) -> list[str]:
    """Each post's text or poll's question, as a reader scrolling the channel sees them."""
    return [m.get("text") or m["poll"]["question"] for m in world.messages(channel_id)]


def expected_shown(config: Config | Path) -> list[str]:
    """The sample article's posts and poll questions, in the order the channel must show:
    computed from the article, not from another run of the bot."""
    if isinstance(config, Path):
        config = load_config(config, env={})
    posts = build_posts(SAMPLE_ARTICLE.read_bytes(), config, name="a.txt").posts
    shown: list[str] = []
    for post in posts:
        shown.append(post.text)
        shown.extend(lesson.question for lesson in post.lessons)
    return shown


async def all_posted(database: str) -> bool:
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            states = [
                *(await session.scalars(select(Segment.state))).all(),
                *(await session.scalars(select(Poll.state))).all(),
            ]
    finally:
        await engine.dispose()
    return bool(states) and all(state is SegmentState.POSTED for state in states)


async def comment_count(database: str) -> tuple[int, int]:
    """Comments stored, and distinct Telegram messages among them."""
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            total = await session.scalar(select(func.count()).select_from(Comment)) or 0
            distinct = (
                await session.scalar(select(func.count(func.distinct(Comment.message_id)))) or 0
            )
            return total, distinct
    finally:
        await engine.dispose()


async def thread_known(database: str) -> bool:
    """Whether the first post's automatic forward was handled (its comments can be kept)."""
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session:
            return bool(await session.scalar(select(Segment.discussion_thread_id)))
    finally:
        await engine.dispose()


async def comments_reach(database: str, count: int, within: float) -> bool:
    async def reached() -> bool:
        return (await comment_count(database))[0] >= count

    return await eventually(reached, within)


def write_config(
    path: Path,
    server: EmulatorServer,
    channel_id: int,
    admin_id: int,
    extra: str = "",
    log_level: str = "INFO",
    publishing: str = "",
) -> Path:
    """``extra``: top-level keys; ``publishing``: more keys of that section."""
    path.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'api_base_url = "{server.base_url}"\n'
        f"admins = [{admin_id}]\n"
        f'database_url = "{database_url(path.parent)}"\n'
        f'log_level = "{log_level}"\n'
        f"{extra}\n"
        f'[[channels]]\nchat = {channel_id}\nname = "news"\npost_spacing = "1s"\n'
        f'\n[publishing]\ndoubt_window = "5s"\nlease = "3s"\n{publishing}\n',
        encoding="utf-8",
    )
    return path


class BotProcess:
    """``newsbot run`` in a subprocess, its output kept in a file for the test to read."""

    def __init__(self, config: Path, log: Path, *options: str) -> None:
        self.config, self.log = config, log
        self.options = list(options)  # after "run", as --webhook URL or --polling
        self.process: subprocess.Popen[Any] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("NEWSBOT_TOKEN", None)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "--config",
                    str(self.config),
                    "run",
                    *self.options,
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
                env=env,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no clean-up at all
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
