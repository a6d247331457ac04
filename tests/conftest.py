"""Shared fixtures: a migrated temporary SQLite database and a valid config."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from db import migrate
from db.engine import create_engine, create_session_factory
from tests.databases import database_url, seeded_with_the_schema

# Opt in to timedelta retry_after now, as python-telegram-bot 23 will require.
os.environ.setdefault("PTB_TIMEDELTA", "1")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLE = PROJECT_ROOT / "examples" / "russia-allies-guarantees.txt"
TEST_TOKEN = "987654321:TESTtokenTESTtokenTESTtoken_abc"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return database_url(tmp_path)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await seeded_with_the_schema(db_url)
    engine = create_engine(db_url)
    await migrate.upgrade(engine)  # at the head already on SQLite: a check
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def config_data() -> dict[str, Any]:
    return {
        "token": TEST_TOKEN,
        "admins": [1001],
        "moderators": [1002],
        "channels": [
            {"chat": -100111, "name": "news", "language": "en", "timezone": "Europe/Berlin"},
        ],
    }


@pytest.fixture
async def emulator() -> AsyncIterator[tuple[World, EmulatorServer]]:
    """A running emulator with flood control on and no faults."""
    world = World(TEST_TOKEN)
    server = EmulatorServer(world)
    await server.start()
    yield world, server
    await server.stop()


def make_bot(server: EmulatorServer, *, read_timeout: float = 5.0, token: str = TEST_TOKEN) -> Bot:
    """python-telegram-bot's real Bot and HTTP stack, pointed at the emulator."""
    return Bot(
        token,
        base_url=server.api_base_url,
        base_file_url=server.file_base_url,
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout + 10, connect_timeout=2.0),
    )


async def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll a condition with a deadline instead of sleeping a fixed time."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.02)


# Modules whose tests run real processes or wait on real time: started first, so that the
# two workers do not end with one of them alone on a twenty-second test.
LONG_FIRST = (
    "test_starting_together.py",
    "test_crash_recovery.py",
    "test_demo.py",
    "test_database_outage.py",
    "test_storage_faults.py",
    "test_webhook.py",
    "test_several_processes.py",
    "test_emulator_clock.py",
    "test_postgresql.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONG_FIRST)  # stable otherwise
