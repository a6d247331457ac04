"""Several processes started at the same moment on one PostgreSQL database, empty or
behind: one migrates under an advisory lock while the others wait, and the rows every
process creates at start (the channels') are inserted once, so every one comes up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import NewsBot
from bot.config import load_config
from bot.emulator.server import EmulatorServer
from db import migrate
from db.engine import create_engine, create_session_factory
from db.models import Channel
from tests.conftest import TEST_TOKEN
from tests.databases import scratch_postgresql
from tests.processes import news_world

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    async with scratch_postgresql() as url:
        yield url


async def _empty(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


async def _start_three(config_path: Path) -> list[BaseException | None]:
    """Three bots started at once; what each start raised (None: it came up)."""
    bots = [
        NewsBot(load_config(config_path, env={}), use_scheduler=False, poll_timeout=0)
        for _ in range(3)
    ]
    try:  # processes that wait on each other for ever fail here, not at the test's timeout
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(bot.start() for bot in bots), return_exceptions=True), 30
        )
    finally:
        for bot in bots:
            await bot.stop()
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


async def test_three_processes_started_at_once_all_come_up_twenty_times(
    tmp_path: Path, fresh_database: str
) -> None:
    world, admin, channel_id = news_world()
    second_id, _ = world.create_channel("World", owner_id=admin)
    async with EmulatorServer(world) as server:
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'token = "{TEST_TOKEN}"\napi_base_url = "{server.base_url}"\n'
            f'admins = [{admin}]\ndatabase_url = "{fresh_database}"\n'
            f'[[channels]]\nchat = {channel_id}\nname = "news"\n'
            f'[[channels]]\nchat = {second_id}\nname = "world"\n',
            encoding="utf-8",
        )
        for round_number in range(20):
            await _empty(fresh_database)
            if round_number % 2:  # an old database: the first revisions only
                engine = create_engine(fresh_database)
                await migrate.upgrade(engine, "0003")
                await engine.dispose()
            failures = await _start_three(config)
            assert failures == [None, None, None], f"round {round_number}: {failures}"
            engine = create_engine(fresh_database)
            try:
                assert await migrate.stored_revision(engine) == migrate.HEAD
                async with create_session_factory(engine)() as session:
                    keys = list(await session.scalars(select(Channel.key).order_by(Channel.key)))
                    rows = await session.scalar(select(func.count()).select_from(Channel))
            finally:
                await engine.dispose()
            assert keys == ["news", "world"]
            assert rows == 2
