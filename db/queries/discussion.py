"""What the Mini App shows of an article's discussion: counts per post, votes over time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Comment,
    Lesson,
    Poll,
    PollAnswer,
    PollSnapshot,
    ReactionCount,
    Segment,
    User,
)


async def comments_per_post(session: AsyncSession, article_id: int) -> dict[int, int]:
    """Visible comments in each post's thread (and its lesson polls'), by segment id."""
    rows = await session.execute(
        select(Comment.segment_id, func.count(Comment.id))
        .join(Segment, Segment.id == Comment.segment_id)
        .where(Segment.article_id == article_id, Comment.hidden.is_(False))
        .group_by(Comment.segment_id)
    )
    return {int(segment): int(count) for segment, count in rows.all() if segment is not None}


async def reactions_per_post(session: AsyncSession, article_id: int) -> dict[int, int]:
    """Readers' reactions to each channel post, all kinds together, by segment id."""
    rows = await session.execute(
        select(ReactionCount.segment_id, func.sum(ReactionCount.count))
        .join(Segment, Segment.id == ReactionCount.segment_id)
        .where(Segment.article_id == article_id)
        .group_by(ReactionCount.segment_id)
    )
    return {int(segment): int(total or 0) for segment, total in rows.all()}


async def poll_history(session: AsyncSession, poll_id: int) -> list[PollSnapshot]:
    """The poll's counts as they were taken, oldest first."""
    return list(
        await session.scalars(
            select(PollSnapshot)
            .where(PollSnapshot.poll_id == poll_id)
            .order_by(PollSnapshot.taken_at, PollSnapshot.id)
        )
    )


async def lesson_comments(
    session: AsyncSession,
    lesson: Lesson,
    *,
    before: tuple[datetime, int] | None,
    words: str | None,
    authors: set[int] | None,
    limit: int,
    not_authors: set[int] | None = None,
) -> list[tuple[Comment, User | None]]:
    """The lesson's visible top-level comments (under its polls, and under its post), newest
    first, the page before ``before`` (created_at, id): keyset pagination, so the
    thousandth page costs what the first does."""
    # Top level: not an answer to another comment (it may answer the post or a poll).
    answered = aliased(Comment)
    top_level = ~exists().where(
        answered.chat_id == Comment.chat_id,
        answered.message_id == Comment.reply_to_message_id,
    )
    query = (
        select(Comment, User)
        .outerjoin(User, User.id == Comment.user_id)
        .where(
            or_(
                Comment.lesson_id == lesson.id,
                and_(Comment.segment_id == lesson.segment_id, Comment.lesson_id.is_(None)),
            ),
            Comment.hidden.is_(False),
            Comment.erased_at.is_(None),
            top_level,
        )
    )
    if before is not None:
        at, last_id = before
        query = query.where(
            or_(Comment.created_at < at, and_(Comment.created_at == at, Comment.id < last_id))
        )
    if words:
        query = query.where(Comment.text.ilike(f"%{_like(words)}%", escape="!"))
    if authors is not None:
        query = query.where(Comment.user_id.in_(sorted(authors)))
    if not_authors:
        query = query.where(
            or_(Comment.user_id.is_(None), Comment.user_id.not_in(sorted(not_authors)))
        )
    rows = await session.execute(
        query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)
    )
    return [(comment, user) for comment, user in rows.all()]


def _like(text: str) -> str:
    """Searched words as a LIKE pattern matches them: literally, % and _ included."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


async def replies(
    session: AsyncSession, chat_id: int, message_ids: list[int]
) -> list[tuple[Comment, User | None]]:
    """Visible answers to these comments, oldest first."""
    if not message_ids:
        return []
    rows = await session.execute(
        select(Comment, User)
        .outerjoin(User, User.id == Comment.user_id)
        .where(
            Comment.chat_id == chat_id,
            Comment.reply_to_message_id.in_(message_ids),
            Comment.hidden.is_(False),
            Comment.erased_at.is_(None),
        )
        .order_by(Comment.created_at, Comment.id)
    )
    return [(comment, user) for comment, user in rows.all()]


async def latest_named_answers(session: AsyncSession, lesson_id: int) -> dict[int, list[int]]:
    """Each person's latest choice in the lesson's companion poll (the named votes)."""
    latest = (
        select(func.max(PollAnswer.id))
        .join(Poll, Poll.id == PollAnswer.poll_id)
        .where(Poll.lesson_id == lesson_id, Poll.companion.is_(True))
        .group_by(PollAnswer.user_id)
    )
    rows = await session.execute(
        select(PollAnswer.user_id, PollAnswer.option_ids).where(PollAnswer.id.in_(latest))
    )
    return {int(user): list(options or []) for user, options in rows.all()}
