"""What the Mini App shows of an article's discussion: counts per post, votes over time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    AuditEntry,
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
    thousandth page costs what the first does.

    The two places are read apart and merged (UNION ALL of two ordered, limited reads):
    each walks its own index newest first and stops after ``limit`` rows, where one query
    with OR would sort every comment of the lesson first (290 ms for 100,000 in the
    sqlite3 shell, against under a millisecond)."""
    # Top level: not an answer to another comment (it may answer the post or a poll).
    answered = aliased(Comment)
    conditions = [
        Comment.hidden.is_(False),
        Comment.erased_at.is_(None),
        ~exists().where(
            answered.chat_id == Comment.chat_id,
            answered.message_id == Comment.reply_to_message_id,
        ),
    ]
    if before is not None:
        conditions.append(tuple_(Comment.created_at, Comment.id) < tuple_(*before))
    if words:
        conditions.append(Comment.text.ilike(f"%{_like(words)}%", escape="!"))
    if authors is not None:
        conditions.append(Comment.user_id.in_(sorted(authors)))
    if not_authors:
        conditions.append(
            or_(Comment.user_id.is_(None), Comment.user_id.not_in(sorted(not_authors)))
        )
    places = (
        Comment.lesson_id == lesson.id,
        and_(Comment.segment_id == lesson.segment_id, Comment.lesson_id.is_(None)),
    )
    reads = [
        select(Comment.id, Comment.created_at)
        .where(place, *conditions)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
        .subquery()
        for place in places
    ]
    merged = union_all(*(select(read.c.id, read.c.created_at) for read in reads)).subquery()
    newest = (
        await session.scalars(
            select(merged.c.id)
            .order_by(merged.c.created_at.desc(), merged.c.id.desc())
            .limit(limit)
        )
    ).all()
    if not newest:
        return []
    rows = await session.execute(
        select(Comment, User)
        .outerjoin(User, User.id == Comment.user_id)
        .where(Comment.id.in_(newest))
    )
    found = {comment.id: (comment, user) for comment, user in rows.all()}
    return [found[comment_id] for comment_id in newest if comment_id in found]


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


async def recent_hides(
    session: AsyncSession, channel_ids: list[int], limit: int
) -> list[AuditEntry]:
    """The latest hides in these channels (by a moderator or a rule), newest first."""
    return list(
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "hide", AuditEntry.channel_id.in_(channel_ids))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


async def comments_at(
    session: AsyncSession, places: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[Comment, User | None]]:
    """The stored comments at these (group, message) places, with their authors."""
    by_chat: dict[int, list[int]] = {}
    for chat_id, message_id in places:
        by_chat.setdefault(chat_id, []).append(message_id)
    found: dict[tuple[int, int], tuple[Comment, User | None]] = {}
    for chat_id, message_ids in by_chat.items():
        rows = await session.execute(
            select(Comment, User)
            .outerjoin(User, User.id == Comment.user_id)
            .where(Comment.chat_id == chat_id, Comment.message_id.in_(message_ids))
        )
        for comment, user in rows.all():
            found[(comment.chat_id, comment.message_id)] = (comment, user)
    return found
