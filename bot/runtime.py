"""The database as the running process sees it: engine, migrations, sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Config
from db import migrate
from db.engine import create_engine, create_session_factory
from db.queries.channels import ensure_channel


@asynccontextmanager
async def database(config: Config) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Upgrade the schema, register the configured channels, and hand out sessions."""
    engine = create_engine(config.database_url)
    try:
        await migrate.upgrade(engine)
        sessions = create_session_factory(engine)
        async with sessions.begin() as session:
            for channel in config.channels:
                await ensure_channel(session, channel)
        yield sessions
    finally:
        await engine.dispose()
