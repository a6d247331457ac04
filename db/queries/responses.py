from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Channel,
    Comment,
    CommentReaction,
    Lesson,
    Poll,
    ReactionCount,
    Segment,
    User,
)
from db.queries.upsert import insert_unless_present

Row = TypeVar("Row", Channel, Segment, Poll)


def _batch_cache(session: AsyncSession) -> dict[tuple[Any, ...], Any]:
    """Lookups that do not change during one batch of updates: positive answers only, but
    for comments and users, which are looked up for the whole batch at once (see
    ``known_comments``) and whose every insert within the batch goes through here."""
    cache: dict[tuple[Any, ...], Any] = session.info.setdefault("newsbot_cache", {})
    return cache


def clear_batch_cache(session: AsyncSession) -> None:
    """Called whenever a batch's transaction starts: cached rows belong to one transaction."""
    session.info.pop("newsbot_cache", None)


async def _cached_row(
    session: AsyncSession, key: tuple[Any, ...], statement: Callable[[], Select[Row]]
) -> Row | None:
    """The one row ``statement()`` finds, remembered for the batch (positive answers only).
    The statement is built only when needed: building it costs more than the lookup."""
    cache = _batch_cache(session)
    if key not in cache:
        found = await session.scalar(statement())
        if found is None:
            return None
        cache[key] = found
    row: Row = cache[key]
    return row


async def channel_by_discussion_chat(session: AsyncSession, chat_id: int) -> Channel | None:
    return await _cached_row(
        session,
        ("channel_by_discussion", chat_id),
        lambda: select(Channel).where(Channel.discussion_chat_id == chat_id),
    )


async def segment_by_thread(session: AsyncSession, group_id: int, thread_id: int) -> Segment | None:
    """The post whose automatic forward opened ``thread_id`` in discussion group ``group_id``."""
    return await _cached_row(
        session,
        ("segment_by_thread", group_id, thread_id),
        lambda: select(Segment).where(
            Segment.discussion_chat_id == group_id, Segment.discussion_thread_id == thread_id
        ),
    )


async def poll_by_thread(session: AsyncSession, group_id: int, thread_id: int) -> Poll | None:
    """The channel poll whose automatic forward opened ``thread_id`` in ``group_id``."""
    return await _cached_row(
        session,
        ("poll_by_thread", group_id, thread_id),
        lambda: select(Poll).where(
            Poll.discussion_chat_id == group_id, Poll.discussion_thread_id == thread_id
        ),
    )


async def segment_of_lesson(session: AsyncSession, lesson_id: int) -> Segment | None:
    return await session.scalar(
        select(Segment).join(Lesson, Lesson.segment_id == Segment.id).where(Lesson.id == lesson_id)
    )


async def lessons_of(session: AsyncSession, segment_id: int) -> Sequence[Lesson]:
    cache = _batch_cache(session)
    key = ("lessons", segment_id)
    if key not in cache:
        cache[key] = (
            await session.scalars(
                select(Lesson).where(Lesson.segment_id == segment_id).order_by(Lesson.position)
            )
        ).all()
    lessons: Sequence[Lesson] = cache[key]
    return lessons


async def comment_by_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Comment | None:
    cache = _batch_cache(session)
    key = ("comment", chat_id, message_id)
    if key in cache:
        known: Comment | None = cache[key]
        return known
    return await session.scalar(
        select(Comment).where(Comment.chat_id == chat_id, Comment.message_id == message_id)
    )


async def add_comment(session: AsyncSession, comment: Comment, author: User | None) -> None:
    """Queue a comment's insert; the batch's comments reach the database in one statement
    when the batch is flushed (its author's row, if new, goes in first).

    On SQLite the comment is numbered here, as SQLite itself would number it (the highest
    id plus one; the transaction holds the write lock from its start): SQLite cannot return
    the ids of a multi-row insert in order, so without them SQLAlchemy inserts row by row."""
    cache = _batch_cache(session)
    if session.get_bind().dialect.name == "sqlite":
        key = ("next_comment_id",)
        if key not in cache:
            cache[key] = (await session.scalar(select(func.max(Comment.id)))) or 0
        cache[key] += 1
        comment.id = cache[key]
    if author is not None:
        comment.author = author
    session.add(comment)
    cache[("comment", comment.chat_id, comment.message_id)] = comment


async def known_comments(session: AsyncSession, messages: set[tuple[int, int]]) -> None:
    """Look the batch's messages up at once: which (chat, message) are stored comments.
    Later lookups of any of them in this batch need no query."""
    cache = _batch_cache(session)
    by_chat: dict[int, list[int]] = {}
    for chat_id, message_id in messages:
        if ("comment", chat_id, message_id) not in cache:
            by_chat.setdefault(chat_id, []).append(message_id)
    for chat_id, message_ids in by_chat.items():
        found = await session.scalars(
            select(Comment).where(Comment.chat_id == chat_id, Comment.message_id.in_(message_ids))
        )
        stored = {comment.message_id: comment for comment in found}
        for message_id in message_ids:
            cache[("comment", chat_id, message_id)] = stored.get(message_id)


async def known_users(session: AsyncSession, user_ids: set[int]) -> None:
    """Look the batch's people up at once; later lookups of them need no query."""
    cache = _batch_cache(session)
    wanted = [user_id for user_id in user_ids if ("user", user_id) not in cache]
    if not wanted:
        return
    found = {
        user.id: user for user in await session.scalars(select(User).where(User.id.in_(wanted)))
    }
    for user_id in wanted:
        cache[("user", user_id)] = found.get(user_id)


async def add_new_users(session: AsyncSession, people: list[dict[str, Any]]) -> None:
    """Insert the batch's people not stored yet, in one statement (another process may be
    inserting some of them at the same moment: theirs win, nothing fails), and keep them
    for the batch's later lookups. Each dict holds a ``User``'s columns."""
    cache = _batch_cache(session)
    new = sorted(
        (person for person in people if cache.get(("user", person["id"])) is None),
        key=lambda person: int(person["id"]),
    )
    if not new:
        return
    await insert_unless_present(session, User, new, ["id"])
    ids = [person["id"] for person in new]
    for user in await session.scalars(select(User).where(User.id.in_(ids))):
        cache[("user", user.id)] = user


async def poll_by_telegram_id(session: AsyncSession, telegram_poll_id: str) -> Poll | None:
    return await session.scalar(select(Poll).where(Poll.telegram_poll_id == telegram_poll_id))


LAST_SEEN_RESOLUTION = timedelta(hours=1)


async def upsert_user(
    session: AsyncSession,
    user_id: int,
    *,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    is_bot: bool,
    seen_at: datetime,
    deferred: bool = False,
) -> User:
    """The person's row, created or brought up to date. A new row is inserted at once
    unless ``deferred`` (the caller links it by relationship, so the batch's flush inserts
    it before what refers to it)."""
    # Held for the batch: the session's identity map holds rows only weakly, so a reader
    # who writes ten comments in one batch would otherwise be looked up ten times.
    cache = _batch_cache(session)
    key = ("user", user_id)
    user: User | None = cache[key] if key in cache else await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, first_seen=seen_at, last_seen=seen_at)
        session.add(user)
    cache[key] = user
    if not deferred and user in session.new:
        await session.flush()  # before anything refers to it by id
    if not user.forgotten:
        user.first_name = first_name
        user.last_name = last_name
        user.username = username
    user.language_code = language_code
    user.is_bot = is_bot
    if seen_at - user.last_seen > LAST_SEEN_RESOLUTION or seen_at < user.last_seen:
        user.last_seen = seen_at  # coarse, so a busy commenter is not an UPDATE per message
    return user


async def replace_reactions(
    session: AsyncSession, segment_id: int, counts: dict[str, int], at: datetime
) -> None:
    await session.execute(delete(ReactionCount).where(ReactionCount.segment_id == segment_id))
    for reaction, count in counts.items():
        session.add(
            ReactionCount(segment_id=segment_id, reaction=reaction, count=count, updated_at=at)
        )
    await session.flush()


async def set_comment_reaction(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    reactor_id: int,
    reactions: list[str],
    at: datetime,
) -> None:
    """The reactor's current reactions to one message; none left removes the row."""
    row = await session.scalar(
        select(CommentReaction).where(
            CommentReaction.chat_id == chat_id,
            CommentReaction.message_id == message_id,
            CommentReaction.reactor_id == reactor_id,
        )
    )
    if not reactions:
        if row is not None:
            await session.delete(row)
        return
    if row is None:
        row = CommentReaction(
            chat_id=chat_id, message_id=message_id, reactor_id=reactor_id, updated_at=at
        )
        session.add(row)
    row.reactions, row.updated_at = reactions, at
    await session.flush()
