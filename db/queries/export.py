"""The comment log, streamed in order: rows are never all in memory at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Article, Channel, Comment, CommentEdit, Lesson, Poll, Segment, User

STREAM_CHUNK = 1000


def _log_query(
    channel_id: int | None,
    article_id: int | None,
    since: datetime | None,
    until: datetime | None,
    include_hidden: bool,
) -> Select[*tuple[Any, ...]]:
    edits = (
        select(func.count(CommentEdit.id))
        .where(CommentEdit.comment_id == Comment.id)
        .correlate(Comment)
        .scalar_subquery()
    )
    query: Select[*tuple[Any, ...]] = (
        select(
            Comment.id,
            Comment.created_at,
            Channel.key,
            Article.id,
            Article.title,
            Segment.position,
            Lesson.position,
            Comment.user_id,
            User.first_name,
            User.last_name,
            User.username,
            Comment.sender_chat_title,
            Comment.reply_to_message_id,
            Comment.message_id,
            Comment.chat_id,
            Comment.text,
            Comment.edited_at,
            edits,
            Comment.hidden,
            Segment.id,
        )
        .join(Segment, Segment.id == Comment.segment_id)
        .join(Article, Article.id == Segment.article_id)
        .outerjoin(Channel, Channel.id == Segment.channel_id)
        .outerjoin(Lesson, Lesson.id == Comment.lesson_id)
        .outerjoin(User, User.id == Comment.user_id)
        .order_by(Segment.id, Comment.created_at, Comment.id)
    )
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


async def stream_log(
    session: AsyncSession,
    *,
    channel_id: int | None = None,
    article_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_hidden: bool = False,
) -> AsyncIterator[Sequence[Any]]:
    query = _log_query(channel_id, article_id, since, until, include_hidden)
    result = await session.stream(query.execution_options(yield_per=STREAM_CHUNK))
    async for partition in result.partitions(STREAM_CHUNK):
        for row in partition:
            yield tuple(row)


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
