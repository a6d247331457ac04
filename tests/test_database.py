from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.engine import create_engine, create_reader_factory
from db.models import (
    Article,
    Base,
    Channel,
    Comment,
    CommentEdit,
    Lesson,
    Poll,
    Role,
    RoleName,
    Segment,
    SegmentKind,
    User,
)
from tests.databases import database_url

AT = datetime(2026, 11, 1, tzinfo=UTC)  # when each row says it happened


async def _article(session: AsyncSession) -> Article:
    article = Article(
        content_hash="h" * 64, title="T", source_format="text", raw_text="body", imported_at=AT
    )
    segment = Segment(position=0, kind=SegmentKind.LESSONS, html="<b>x</b>", text="x")
    lesson = Lesson(position=0, text="Lesson", question="Lesson?")
    lesson.polls.append(Poll(chat_id=-1, options=["Agree", "Disagree"]))
    segment.lessons.append(lesson)
    article.segments.append(segment)
    session.add(article)
    await session.flush()
    return article


async def test_same_comment_stored_twice_is_one_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        session.add(Comment(chat_id=-5, message_id=7, text="first", created_at=AT))
        await session.commit()
    async with session_factory() as session:
        session.add(Comment(chat_id=-5, message_id=7, text="again", created_at=AT))
        with pytest.raises(IntegrityError):
            await session.commit()
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Comment)) == 1


async def test_article_content_hash_is_unique_within_a_channel(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The same text once per channel: another channel's team may import it too."""
    async with session_factory() as session:
        news = Channel(key="news", created_at=datetime(2026, 11, 1, tzinfo=UTC))
        other = Channel(key="other", created_at=datetime(2026, 11, 1, tzinfo=UTC))
        session.add_all([news, other])
        await session.flush()
        article = await _article(session)
        article.channel_id = news.id
        session.add(
            Article(content_hash="h" * 64, title="T", source_format="text", raw_text="",
                    channel_id=other.id, imported_at=AT)
        )  # fmt: skip
        await session.commit()
        news_id = news.id
    async with session_factory() as session:
        session.add(
            Article(content_hash="h" * 64, title="T2", source_format="text", raw_text="",
                    channel_id=news_id, imported_at=AT)
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_deleting_an_article_cascades_in_the_database(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        article = await _article(session)
        session.add(User(id=42, first_name="Ann", first_seen=AT, last_seen=AT))
        await session.flush()
        comment = Comment(
            chat_id=-5, message_id=1, segment_id=article.segments[0].id, user_id=42, created_at=AT
        )
        comment.edits.append(CommentEdit(previous_text="old", edited_at=AT))
        session.add(comment)
        await session.commit()
        article_id = article.id
    async with session_factory() as session:
        # Plain SQL delete: the cascade is the database's, not the ORM's.
        await session.execute(text("DELETE FROM articles WHERE id = :id"), {"id": article_id})
        await session.commit()
    async with session_factory() as session:
        for model in (Segment, Lesson, Poll):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
        kept = await session.scalar(select(Comment))
        assert kept is not None
        assert kept.segment_id is None
        assert await session.scalar(select(func.count()).select_from(CommentEdit)) == 1


async def test_times_come_back_aware_utc(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    async with session_factory() as session:
        session.add(Comment(chat_id=-5, message_id=9, created_at=moment))
        await session.commit()
    async with session_factory() as session:
        stored = await session.scalar(select(Comment.created_at))
    assert stored == moment
    assert stored.tzinfo is not None


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    async with engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() > 0
    await engine.dispose()


async def test_readers_see_committed_rows_while_a_writer_holds_the_lock(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """The outbox looks for due messages while intake writes a batch: it must neither wait
    for the batch (60 s of busy timeout on SQLite) nor see it half done."""
    readers = create_reader_factory(engine)
    async with session_factory.begin() as session:
        session.add(User(id=1, first_name="Committed", first_seen=AT, last_seen=AT))
    async with session_factory.begin() as writer:
        writer.add(User(id=2, first_name="Uncommitted", first_seen=AT, last_seen=AT))
        await writer.flush()  # holds the write lock from here to commit
        async with readers() as reader:
            names = await asyncio.wait_for(reader.scalars(select(User.first_name)), timeout=5)
            assert list(names) == ["Committed"]


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    assert differences == []


async def test_upgrade_downgrade_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cycle.db'}")
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) is not None
        await migrate.downgrade(engine, "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert tables == ["alembic_version"]
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert set(Base.metadata.tables) <= set(tables)
    finally:
        await engine.dispose()


async def test_revision_0004_marks_comments_erased_before_it(tmp_path: Path) -> None:
    """A comment /forget blanked before erasure was recorded still reads as erased."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(engine, "0003")
        async with engine.begin() as connection:
            for message_id, body, user in ((1, "", None), (2, "kept", None), (3, "", None)):
                await connection.execute(
                    text(
                        "INSERT INTO comments (chat_id, message_id, text, created_at, hidden, "
                        "user_id, sender_chat_title) VALUES (-1, :m, :t, :c, 0, :u, :s)"
                    ),
                    {
                        "m": message_id,
                        "t": body,
                        "c": "2026-11-01 10:00:00.000000",
                        "u": user,
                        # An anonymous admin's empty comment is not an erased one.
                        "s": "Group" if message_id == 3 else None,
                    },
                )
        await migrate.upgrade(engine)
        async with AsyncSession(engine) as session:
            erased = await session.execute(
                select(Comment.message_id, Comment.erased_at).order_by(Comment.message_id)
            )
            marks = [(message_id, at is not None) for message_id, at in erased]
        assert marks == [(1, True), (2, False), (3, False)]
    finally:
        await engine.dispose()


async def test_revision_0011_marks_comments_shown_again_before_it(tmp_path: Path) -> None:
    """A comment a moderator hid and showed again before 0011 reads as shown again, from
    the audit log; one still hidden, or never hidden, does not."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(engine, "0010")
        async with engine.begin() as connection:
            for message_id, hidden in ((1, 0), (2, 1), (3, 0)):
                await connection.execute(
                    text(
                        "INSERT INTO comments (chat_id, message_id, text, created_at, hidden) "
                        "VALUES (-100, :m, 'x', '2026-11-01 10:00:00.000000', :h)"
                    ),
                    {"m": message_id, "h": hidden},
                )
            for target in ("message:-100:1", "message:-100:2", "user:5", None):
                await connection.execute(
                    text(
                        "INSERT INTO audit_log (action, target, detail, created_at) "
                        "VALUES ('unhide', :t, '{}', '2026-11-02 10:00:00.000000')"
                    ),
                    {"t": target},
                )
        await migrate.upgrade(engine)
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                select(Comment.message_id, Comment.unhidden_at).order_by(Comment.message_id)
            )
            marks = [(message_id, at) for message_id, at in rows]
        assert marks == [(1, datetime(2026, 11, 2, 10, 0, tzinfo=UTC)), (2, None), (3, None)]
    finally:
        await engine.dispose()


async def test_the_head_newsbot_checks_at_start_is_alembics_head(tmp_path: Path) -> None:
    """A start on an up-to-date database skips Alembic; that needs HEAD to be right."""
    assert migrate.head_revision() == migrate.HEAD
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'head.db'}")
    try:
        assert await migrate.stored_revision(engine) is None
        assert await migrate.upgrade_if_behind(engine) is True
        assert await migrate.stored_revision(engine) == migrate.HEAD
        assert await migrate.upgrade_if_behind(engine) is False
    finally:
        await engine.dispose()


async def test_revision_0008_gives_every_global_grant_to_each_channel(tmp_path: Path) -> None:
    """A moderator granted before channels had teams keeps moderating every channel that
    existed, now as one grant per channel, and the downgrade folds them back."""
    engine = create_engine(database_url(tmp_path, "grants"))
    try:
        await migrate.upgrade(engine, "0007")
        async with engine.begin() as connection:
            for key in ("news", "novosti"):
                await connection.execute(
                    text(
                        "INSERT INTO channels (key, title, language, timezone, created_at, "
                        "discussion_visible) VALUES (:k, '', 'en', 'UTC', :c, true)"
                    ),
                    {"k": key, "c": datetime(2026, 11, 1, 10, tzinfo=UTC)},
                )
            await connection.execute(
                text(
                    "INSERT INTO roles (user_id, role, granted_by, granted_at) "
                    "VALUES (42, 'moderator', 7, :c)"
                ),
                {"c": datetime(2026, 11, 1, 10, tzinfo=UTC)},
            )
        await migrate.upgrade(engine)
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                select(Role.user_id, Role.role, Channel.key, Role.granted_by)
                .join(Channel, Channel.id == Role.channel_id)
                .order_by(Channel.key)
            )
            assert [tuple(row) for row in rows] == [
                (42, RoleName.MODERATOR, "news", 7),
                (42, RoleName.MODERATOR, "novosti", 7),
            ]
        await migrate.downgrade(engine, "0007")
        async with engine.connect() as connection:
            left = await connection.execute(text("SELECT user_id, role FROM roles"))
            assert [tuple(row) for row in left] == [(42, "moderator")]
    finally:
        await engine.dispose()
