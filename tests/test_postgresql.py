"""The same migrations and models on PostgreSQL, the scale path (no SQLite-only SQL)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from bot.config import load_config
from bot.inbox import take_batch
from bot.runtime.single_process import hold_database
from db import migrate
from db.copy import row_counts
from db.engine import create_engine, create_session_factory
from db.models import Comment
from db.queries.inbox import StoredUpdate, mark_processed, store_updates
from tests.conftest import TEST_TOKEN
from tests.databases import scratch_postgresql
from tests.harness import START


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    async with scratch_postgresql() as url:
        engine = create_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()


async def test_migrations_and_constraints_work_on_postgresql(pg_engine: AsyncEngine) -> None:
    await migrate.upgrade(pg_engine)
    factory = create_session_factory(pg_engine)
    async with factory() as session:
        session.add(Comment(chat_id=-5, message_id=7, text="first", created_at=START))
        await session.commit()
    async with factory() as session:
        session.add(Comment(chat_id=-5, message_id=7, text="again", created_at=START))
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
    assert figures.activity[0][1][1] == 7  # Tuesday


async def test_the_comment_log_reads_the_same_on_postgresql(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    """The streamed export (its own time type, a chunk read while the last is written)
    gives, byte for byte, the file it gives on SQLite."""
    from bot.export.log import write_log
    from bot.export.scope import ExportScope
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


async def test_db_copy_moves_the_demo_database_to_postgresql_row_for_row(
    pg_engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot.cli", "demo", "--keep"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=True,
    )
    database = Path(re.findall(r"stored in (\S+)", demo.stdout)[-1])
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'token = "{TEST_TOKEN}"\ndatabase_url = "sqlite+aiosqlite:///{database}"\n'
        "[[channels]]\nchat = -1001\n",
        encoding="utf-8",
    )
    target = pg_engine.url.render_as_string(hide_password=False)

    def cli(*words: str) -> int:
        return main(["--config", str(config), "db", *words, "--to", target])

    # A bot still running on the file would store what the copy has passed: refused.
    running = hold_database(load_config(config, env={}))
    assert running is not None
    try:
        assert await asyncio.to_thread(cli, "copy") == 1
        assert "in use by another newsbot process" in capsys.readouterr().err
        assert await migrate.stored_revision(pg_engine) is None  # the target untouched
    finally:
        running.release()
    assert await asyncio.to_thread(cli, "copy") == 0
    printed = capsys.readouterr().out
    assert "comments: " in printed
    assert "tables hold the same rows (counted and checksummed)" in printed
    source = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        here, there = await row_counts(source), await row_counts(pg_engine)
    finally:
        await source.dispose()
    assert here == there
    assert here["comments"] > 9
    assert here["segments"] == 18  # the sample, imported from its file and its link
    assert here["link_imports"] == 1
    # Ids came along, and new rows are numbered after them.
    factory = create_session_factory(pg_engine)
    async with factory.begin() as session:
        highest = await session.scalar(select(func.max(Comment.id)))
        added = Comment(chat_id=-5, message_id=999_999, text="after the move", created_at=START)
        session.add(added)
        await session.flush()
        assert highest is not None
        assert added.id == highest + 1
    # Same counts, other contents: the check says which table.
    async with factory.begin() as session:
        await session.delete(added)
    assert await asyncio.to_thread(cli, "check") == 0
    capsys.readouterr()
    async with factory.begin() as session:
        first = await session.scalar(select(Comment).order_by(Comment.id).limit(1))
        assert first is not None
        first.text += " (changed)"
    assert await asyncio.to_thread(cli, "check") == 2
    [line] = [line for line in capsys.readouterr().out.splitlines() if "<-" in line]
    assert line.startswith("comments")
    assert "same count, other contents" in line
    # Copying again into a database that holds rows is refused, changing nothing.
    assert await asyncio.to_thread(cli, "copy") == 2
    assert "already holds rows" in capsys.readouterr().err
    assert (await row_counts(pg_engine))["comments"] == here["comments"]


async def test_processes_take_batches_of_their_own_keeping_each_keys_order(
    pg_engine: AsyncEngine,
) -> None:
    """Two processes claiming at once get different updates (SKIP LOCKED); an update whose
    key has an earlier one in the other's batch waits until that one is handled."""
    await migrate.upgrade(pg_engine)
    sessions = create_session_factory(pg_engine)
    keys = {1: "vote:p:7", 2: "message:-5:1", 3: "vote:p:7", 4: "message:-5:2", 5: "vote:p:7"}
    async with sessions.begin() as session:
        payloads = [{"update_id": update_id} for update_id in keys]
        await store_updates(session, payloads, START, lambda p: keys[p["update_id"]])

    def ids(rows: list[StoredUpdate]) -> list[int]:
        return [row.update_id for row in rows]

    async with sessions() as first, first.begin():
        first_batch = await take_batch(first, 3)
        async with sessions() as second, second.begin():
            # 4 is free; 5 waits for 1 and 3, which the first process holds.
            assert ids(await take_batch(second, 3)) == [4]
        assert ids(first_batch) == [1, 2, 3]
        await mark_processed(first, [row.id for row in first_batch], START)
    async with sessions() as second, second.begin():
        assert ids(await take_batch(second, 3)) == [4, 5]
