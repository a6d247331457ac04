"""The weekly summary's figures, as SQL aggregates: nothing loads every comment into memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Article,
    Comment,
    Lesson,
    Poll,
    PollAnswer,
    ReactionCount,
    Segment,
    SegmentState,
    User,
    WeeklySummary,
)


def _channel_comments(channel_id: int, start: datetime, end: datetime) -> list[object]:
    return [
        Segment.channel_id == channel_id,
        Comment.created_at >= start,
        Comment.created_at < end,
        Comment.hidden.is_(False),
    ]


async def published(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime
) -> tuple[int, int, list[str]]:
    """(posts, articles, article titles) posted in the period."""
    rows = (
        await session.execute(
            select(Article.title, func.count(Segment.id))
            .join(Segment, Segment.article_id == Article.id)
            .where(
                Segment.channel_id == channel_id,
                Segment.state == SegmentState.POSTED,
                Segment.posted_at >= start,
                Segment.posted_at < end,
            )
            .group_by(Article.id, Article.title)
            .order_by(Article.id)
        )
    ).all()
    return sum(count for _title, count in rows), len(rows), [title for title, _count in rows]


async def comment_totals(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime
) -> tuple[int, int, int]:
    """(comments, distinct commenters, of whom new: no earlier comment on this channel)."""
    in_period = _channel_comments(channel_id, start, end)
    row = (
        await session.execute(
            select(func.count(Comment.id), func.count(func.distinct(Comment.user_id)))
            .join(Segment, Segment.id == Comment.segment_id)
            .where(*in_period)  # type: ignore[arg-type]
        )
    ).one()
    comments, commenters = int(row[0]), int(row[1])
    # One look-up per commenter, not per comment: distinct users first, then EXISTS.
    people = (
        select(Comment.user_id.label("user_id"))
        .join(Segment, Segment.id == Comment.segment_id)
        .where(*in_period, Comment.user_id.is_not(None))  # type: ignore[arg-type]
        .distinct()
        .subquery()
    )
    earlier = aliased(Comment)
    earlier_segment = aliased(Segment)
    returning = (
        await session.scalar(
            select(func.count())
            .where(
                exists(
                    select(1)
                    .select_from(earlier)
                    .join(earlier_segment, earlier_segment.id == earlier.segment_id)
                    .where(
                        earlier.user_id == people.c.user_id,
                        earlier.created_at < start,
                        earlier_segment.channel_id == channel_id,
                    )
                )
            )
            .select_from(people)
        )
        or 0
    )
    return comments, commenters, commenters - returning


async def lesson_polls(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime
) -> Sequence[tuple[Lesson, Poll]]:
    """Each lesson whose channel poll went out in the period, with that poll."""
    rows = await session.execute(
        select(Lesson, Poll)
        .join(Poll, Poll.lesson_id == Lesson.id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .where(
            Segment.channel_id == channel_id,
            Poll.companion.is_(False),
            Poll.state == SegmentState.POSTED,
            Poll.posted_at >= start,
            Poll.posted_at < end,
        )
        .order_by(Segment.article_id, Segment.position, Lesson.position)
    )
    return [(lesson, poll) for lesson, poll in rows.all()]


async def named_votes(session: AsyncSession, lesson_id: int) -> list[int]:
    """Per option, how many people's latest answer in the lesson's companion poll chose it."""
    companion = await session.scalar(
        select(Poll).where(Poll.lesson_id == lesson_id, Poll.companion.is_(True))
    )
    if companion is None:
        return []
    latest = (
        select(PollAnswer.user_id, func.max(PollAnswer.id).label("last_id"))
        .where(PollAnswer.poll_id == companion.id)
        .group_by(PollAnswer.user_id)
        .subquery()
    )
    answers = (
        await session.scalars(
            select(PollAnswer.option_ids).join(latest, and_(PollAnswer.id == latest.c.last_id))
        )
    ).all()
    totals = [0] * len(companion.options)
    for option_ids in answers:
        for option in option_ids:
            if 0 <= option < len(totals):
                totals[option] += 1
    return totals


async def liveliest_posts(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime, limit: int = 3
) -> Sequence[tuple[Segment, int, int]]:
    """Most-commented posts of the period, then by reactions: (segment, comments, reactions)."""
    comment_counts = (
        select(Comment.segment_id, func.count(Comment.id).label("comments"))
        .join(Segment, Segment.id == Comment.segment_id)
        .where(*_channel_comments(channel_id, start, end))  # type: ignore[arg-type]
        .group_by(Comment.segment_id)
        .subquery()
    )
    reaction_counts = (
        select(ReactionCount.segment_id, func.sum(ReactionCount.count).label("reactions"))
        .group_by(ReactionCount.segment_id)
        .subquery()
    )
    comments = func.coalesce(comment_counts.c.comments, 0)
    reactions = func.coalesce(reaction_counts.c.reactions, 0)
    rows = await session.execute(
        select(Segment, comments, reactions)
        .outerjoin(comment_counts, comment_counts.c.segment_id == Segment.id)
        .outerjoin(reaction_counts, reaction_counts.c.segment_id == Segment.id)
        .where(
            Segment.channel_id == channel_id,
            Segment.state == SegmentState.POSTED,
            (comments + reactions) > 0,
            ((Segment.posted_at >= start) & (Segment.posted_at < end)) | (comments > 0),
        )
        .order_by((comments * 1000 + reactions).desc(), Segment.id)
        .limit(limit)
    )
    return [(segment, int(c), int(r)) for segment, c, r in rows.all()]


async def top_comments(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime, limit: int = 3
) -> Sequence[tuple[Comment, str, int]]:
    """The period's comments with the most replies: (comment, author's first name, replies)."""
    reply = aliased(Comment)
    reply_segment = aliased(Segment)
    # Replies written in the period, counted once per replied-to message (a GROUP BY,
    # not a sub-query per comment).
    replies = (
        select(
            reply.chat_id.label("chat_id"),
            reply.reply_to_message_id.label("message_id"),
            func.count(reply.id).label("replies"),
        )
        .join(reply_segment, reply_segment.id == reply.segment_id)
        .where(
            reply_segment.channel_id == channel_id,
            reply.created_at >= start,
            reply.created_at < end,
            reply.hidden.is_(False),
            reply.reply_to_message_id.is_not(None),
        )
        .group_by(reply.chat_id, reply.reply_to_message_id)
        .subquery()
    )
    # Only the most replied-to few are looked up (a hidden or blank one may drop out).
    most_replied = (
        select(replies.c.chat_id, replies.c.message_id, replies.c.replies)
        .order_by(replies.c.replies.desc())
        .limit(limit * 4)
        .subquery()
    )
    shown = (
        select(Comment, User.first_name, User.forgotten, Comment.sender_chat_title)
        .join(Segment, Segment.id == Comment.segment_id)
        .outerjoin(User, User.id == Comment.user_id)
        .where(*_channel_comments(channel_id, start, end), Comment.text != "")  # type: ignore[arg-type]
    )
    rows = list(
        (
            await session.execute(
                shown.add_columns(most_replied.c.replies)
                .join(
                    most_replied,
                    and_(
                        most_replied.c.chat_id == Comment.chat_id,
                        most_replied.c.message_id == Comment.message_id,
                    ),
                )
                .order_by(
                    most_replied.c.replies.desc(), func.length(Comment.text).desc(), Comment.id
                )
                .limit(limit)
            )
        ).all()
    )
    if len(rows) < limit:  # a quiet week: the longest comments fill the places
        chosen = [comment.id for comment, *_ in rows]
        rows += (
            await session.execute(
                shown.add_columns(literal(0))
                .where(Comment.id.not_in(chosen))
                .order_by(func.length(Comment.text).desc(), Comment.id)
                .limit(limit - len(rows))
            )
        ).all()
    result = []
    for comment, first_name, forgotten, chat_title, count in rows:
        author = chat_title or ("" if forgotten else first_name) or ""
        result.append((comment, author, int(count)))
    return result


async def summary_for(
    session: AsyncSession, channel_id: int, period_start: datetime
) -> WeeklySummary | None:
    return await session.scalar(
        select(WeeklySummary).where(
            WeeklySummary.channel_id == channel_id, WeeklySummary.period_start == period_start
        )
    )
