"""The same migrations and models on PostgreSQL, the scale path (no SQLite-only SQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db import migrate
from db.engine import create_engine, create_session_factory
from db.models import Comment

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    name = f"newsbot_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OSError as exc:  # pragma: no cover - only where no server runs
        await admin.dispose()
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {exc}")
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.dispose()


async def test_migrations_and_constraints_work_on_postgresql(pg_engine: AsyncEngine) -> None:
    await migrate.upgrade(pg_engine)
    factory = create_session_factory(pg_engine)
    async with factory() as session:
        session.add(Comment(chat_id=-5, message_id=7, text="first"))
        await session.commit()
    async with factory() as session:
        session.add(Comment(chat_id=-5, message_id=7, text="again"))
        with pytest.raises(IntegrityError):
            await session.commit()
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(Comment)) == 1
    await migrate.downgrade(pg_engine, "base")
    await migrate.upgrade(pg_engine)


async def test_the_weekly_digest_runs_on_postgresql(pg_engine: AsyncEngine) -> None:
    """The digest's SQL (window functions, unions, JSON answers, day buckets) is portable."""
    from bot.summaries.content import gather_figures
    from tests.test_summary_digest import TEXTS, WEEK, _digest_week

    await migrate.upgrade(pg_engine)
    factory = create_session_factory(pg_engine)
    async with factory.begin() as session:
        channel = await _digest_week(session, "en")
    async with factory() as session:
        figures = await gather_figures(session, channel, WEEK, names="ask", min_votes=10)
    first = figures.lessons[0]
    assert [q.text for q in first.quotes] == [TEXTS["en"][who] for who in ("bob", "ann", "cid")]
    assert [option for option, _quotes in first.by_vote] == [0, 2]
    assert first.movement == (40, 10, 60, 20)
    assert figures.activity[0][1][2] == 7


async def test_the_comment_log_reads_the_same_on_postgresql(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    """The streamed export (its own time type, a chunk read while the last is written)
    gives, byte for byte, the file it gives on SQLite."""
    from bot.export.log import ExportScope, write_log
    from tests.test_summary_digest import _digest_week

    sqlite_engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'log.db'}")
    files: dict[str, list[str]] = {}
    for name, engine in (("postgresql", pg_engine), ("sqlite", sqlite_engine)):
        await migrate.upgrade(engine)
        factory = create_session_factory(engine)
        async with factory.begin() as session:
            channel = await _digest_week(session, "en")
        for kind in ("csv", "jsonl"):
            folder = tmp_path / name / kind
            folder.mkdir(parents=True)
            async with factory() as session:
                exported = await write_log(
                    session,
                    ExportScope(channel_id=channel.id, include_hidden=True),
                    kind,
                    folder,
                    upload_limit=2**40,
                    now=datetime(2026, 11, 30, tzinfo=UTC),
                )
            files.setdefault(name, []).append(exported.path.read_text(encoding="utf-8-sig"))
    await sqlite_engine.dispose()
    assert files["postgresql"] == files["sqlite"]
    assert files["sqlite"][0].count("\n") > 5  # the week's comments, not an empty log
    assert "Z," in files["sqlite"][0]  # times in UTC
