"""Alembic environment: runs on the connection ``db.migrate`` hands in.

Without one (the plain ``alembic`` command), it opens an async engine itself.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection

from db.engine import create_engine
from db.models import Base

target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "NEWSBOT_DATABASE_URL", "sqlite+aiosqlite:///newsbot.db"
    )
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_configure_and_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure_and_run(connection)
else:
    asyncio.run(_run_with_own_engine())
