"""Engine and session set-up; the only place that knows about SQLite pragmas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 60_000
_READS_ONLY = "newsbot_reads_only"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is off: SQLAlchemy emits ours (below), which
    # also makes SAVEPOINTs behave.
    dbapi_connection.isolation_level = None
    # WAL lets readers go on while one writes; foreign keys make the cascades real.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads and
    # then writes fails at once ("database is locked", no busy wait) when another
    # connection wrote in between; this one waits its turn instead. A reader (below)
    # never writes: it neither waits for the lock nor holds the writers up.
    if connection.get_execution_options().get(_READS_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@asynccontextmanager
async def small_page_cache(connection: AsyncConnection) -> AsyncIterator[None]:
    """A long streamed read (the comment log) with 1 MiB of SQLite pages instead of 2: a
    million comments then sort within the export's memory budget at the same speed
    (the operating system caches the file anyway). Restored after: the summary's
    queries want the larger cache."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one()
    await connection.exec_driver_sql("PRAGMA cache_size=-1024")
    try:
        yield
    finally:
        await connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine for ``url`` with the per-dialect set-up newsbot relies on."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions keep objects usable after commit, which async code needs (no lazy loads)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def create_reader_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for frequent reads that never write (the outbox looking for due messages):
    on SQLite they do not take the write lock, so they never wait for intake nor delay it."""
    return async_sessionmaker(
        engine.execution_options(**{_READS_ONLY: True}), expire_on_commit=False
    )
