"""Shared fixtures: a migrated temporary SQLite database and a valid config."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_session_factory

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLE = PROJECT_ROOT / "examples" / "russia-allies-guarantees.txt"
TEST_TOKEN = "987654321:TESTtokenTESTtokenTESTtoken_abc"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    await migrate.upgrade(engine)
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
