"""The comment log, streamed in order: rows are never all in memory at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Select, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import UserDefinedType

from db.models import Article, Channel, Comment, CommentEdit, Lesson, Poll, Segment, User

STREAM_CHUNK = 1000


class _Moment(UserDefinedType[datetime]):
    """A stored time read straight into an aware UTC datetime: a million rows of the log
    spend noticeably less than through the model's type (SQLite hands back text)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "TIMESTAMP"

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:  # noqa: ARG002
        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                return datetime.fromisoformat(value).replace(tzinfo=UTC)
            moment: datetime = value
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

        return process


def _moment(column: Any) -> Any:
    return type_coerce(column, _Moment())


# One comment of the log, in this order, followed by its number of edits.
LOG_COLUMNS = (
    Comment.id,
    Comment.chat_id,
    Comment.message_id,
    # A comment that answers no other comment answers the post that opened its thread.
    func.coalesce(Comment.reply_to_message_id, Comment.thread_id),
    _moment(Comment.created_at),
    Channel.key,
    Channel.timezone,
    Channel.discussion_username,
    Article.id,
    Article.title,
    Segment.id,
    Segment.position,
    Lesson.position,
    Comment.user_id,
    User.first_name,
    User.last_name,
    User.username,
    Comment.sender_chat_id,
    Comment.sender_chat_title,
    Comment.text,
    Comment.media_kind,
    _moment(Comment.edited_at),
    Comment.hidden,
    _moment(Comment.erased_at),
)


@dataclass(frozen=True)
class LogFilter:
    """Which comments the log holds: by channel, article, time (``until`` exclusive), with
    or without hidden ones; or one discussion group's, by message id."""

    channel_id: int | None = None
    article_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_hidden: bool = False
    group_id: int | None = None


def _log_query(wanted: LogFilter) -> Select[*tuple[Any, ...]]:
    channel_id, article_id, group_id = wanted.channel_id, wanted.article_id, wanted.group_id
    since, until, include_hidden = wanted.since, wanted.until, wanted.include_hidden
    edits = (
        select(func.count(CommentEdit.id))
        .where(CommentEdit.comment_id == Comment.id)
        .correlate(Comment)
        .scalar_subquery()
    )
    query: Select[*tuple[Any, ...]] = (
        select(*LOG_COLUMNS, edits)
        .join(Segment, Segment.id == Comment.segment_id)
        .join(Article, Article.id == Segment.article_id)
        .outerjoin(Channel, Channel.id == Segment.channel_id)
        .outerjoin(Lesson, Lesson.id == Comment.lesson_id)
        .outerjoin(User, User.id == Comment.user_id)
    )
    query = query.order_by(
        *(
            (Comment.message_id,)
            if group_id is not None
            else (Segment.id, Comment.created_at, Comment.id)
        )
    )
    if group_id is not None:
        query = query.where(Comment.chat_id == group_id)
    if channel_id is not None:
        query = query.where(Segment.channel_id == channel_id)
    if article_id is not None:
        query = query.where(Segment.article_id == article_id)
    if since is not None:
        query = query.where(Comment.created_at >= since)
    if until is not None:
        query = query.where(Comment.created_at < until)
    if not include_hidden:
        query = query.where(Comment.hidden.is_(False))
    return query


async def stream_log(session: AsyncSession, wanted: LogFilter) -> AsyncIterator[Sequence[Any]]:
    """Comments by post, then time; or, given one discussion group, by its message ids."""
    query = _log_query(wanted)
    result = await (await session.connection()).stream(query)
    while chunk := await result.fetchmany(STREAM_CHUNK):
        for row in chunk:
            yield row


async def stream_log_chunks(
    session: AsyncSession, wanted: LogFilter
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The log a chunk of rows at a time, the next chunk read while this one is written.
    The caller must not use the session until the stream ends."""
    query = _log_query(wanted)
    result = await (await session.connection()).stream(query)
    reading = asyncio.ensure_future(result.fetchmany(STREAM_CHUNK))
    try:
        while chunk := await reading:
            reading = asyncio.ensure_future(result.fetchmany(STREAM_CHUNK))
            yield chunk
    finally:
        if not reading.done():
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading


async def edits_of(
    session: AsyncSession, comment_ids: list[int]
) -> dict[int, list[tuple[str, datetime]]]:
    history: dict[int, list[tuple[str, datetime]]] = {}
    if not comment_ids:
        return history
    rows = await session.execute(
        select(CommentEdit.comment_id, CommentEdit.previous_text, CommentEdit.edited_at)
        .where(CommentEdit.comment_id.in_(comment_ids))
        .order_by(CommentEdit.edited_at)
    )
    for comment_id, text, at in rows.all():
        history.setdefault(comment_id, []).append((text, at))
    return history


async def poll_results(
    session: AsyncSession, channel_id: int | None, article_id: int | None
) -> Sequence[tuple[int, str, int, str, list[str], list[int], bool]]:
    """(article id, article title, lesson position, question, options, counts, closed)."""
    query = (
        select(
            Article.id,
            Article.title,
            Lesson.position,
            Lesson.question,
            Poll.options,
            Poll.counts,
            Poll.closed,
        )
        .join(Lesson, Lesson.id == Poll.lesson_id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .join(Article, Article.id == Segment.article_id)
        .where(Poll.companion.is_(False), Poll.message_id.is_not(None))
        .order_by(Article.id, Segment.position, Lesson.position)
    )
    if channel_id is not None:
        query = query.where(Segment.channel_id == channel_id)
    if article_id is not None:
        query = query.where(Segment.article_id == article_id)
    return [tuple(row) for row in (await session.execute(query)).all()]


async def channel_for_export(
    session: AsyncSession, channel_id: int
) -> tuple[int | None, str | None, str | None, str, str, int | None] | None:
    """(discussion group id, its title, its username, channel title, time zone, chat id)."""
    row = (
        await session.execute(
            select(
                Channel.discussion_chat_id,
                Channel.discussion_title,
                Channel.discussion_username,
                Channel.title,
                Channel.timezone,
                Channel.chat_id,
            ).where(Channel.id == channel_id)
        )
    ).one_or_none()
    return None if row is None else tuple(row)  # type: ignore[return-value]


async def thread_starts(
    session: AsyncSession, group_id: int, article_id: int | None
) -> list[tuple[int, datetime | None, str, list[str] | None, list[int] | None]]:
    """The channel's posts and polls as forwarded into the group, which comments answer:
    (message id in the group, posted at, text or question, poll options, poll counts)."""
    posts = select(Segment.discussion_thread_id, Segment.posted_at, Segment.text).where(
        Segment.discussion_chat_id == group_id, Segment.discussion_thread_id.is_not(None)
    )
    polls = (
        select(
            Poll.discussion_thread_id, Poll.posted_at, Lesson.question, Poll.options, Poll.counts
        )
        .join(Lesson, Lesson.id == Poll.lesson_id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .where(Poll.discussion_chat_id == group_id, Poll.discussion_thread_id.is_not(None))
    )
    if article_id is not None:
        posts = posts.where(Segment.article_id == article_id)
        polls = polls.where(Segment.article_id == article_id)
    starts: list[tuple[int, datetime | None, str, list[str] | None, list[int] | None]] = [
        (at_id, at, text, None, None)
        for at_id, at, text in await session.execute(posts)
        if at_id is not None
    ]
    starts += [
        (int(at_id), at, question, options, counts)
        for at_id, at, question, options, counts in await session.execute(polls)
    ]
    return sorted(starts, key=lambda start: start[0])
