"""The weekly summary's figures, as SQL aggregates: nothing loads every comment into memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, and_, case, exists, func, literal, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Article,
    Channel,
    Comment,
    CommentReaction,
    Lesson,
    Poll,
    PollAnswer,
    PollSnapshot,
    ReactionCount,
    Segment,
    SegmentState,
    SummaryRequest,
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


async def comment_count(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime
) -> int:
    """Visible comments in the period (the week before, for comparison)."""
    count = await session.scalar(
        select(func.count(Comment.id))
        .join(Segment, Segment.id == Comment.segment_id)
        .where(*_channel_comments(channel_id, start, end))  # type: ignore[arg-type]
    )
    return int(count or 0)


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
    session: AsyncSession,
    channel_id: int,
    start: datetime,
    end: datetime,
    discussed: Sequence[int] = (),
) -> Sequence[tuple[Lesson, Poll, str, int]]:
    """Each lesson whose channel poll went out in the period or that is among
    ``discussed``, with that poll, the article's title and the lesson's number in the
    article (an article may list lessons in several posts)."""
    earlier_lesson, earlier_segment = aliased(Lesson), aliased(Segment)
    number = (
        select(func.count(earlier_lesson.id))
        .join(earlier_segment, earlier_segment.id == earlier_lesson.segment_id)
        .where(
            earlier_segment.article_id == Segment.article_id,
            (earlier_segment.position < Segment.position)
            | (
                (earlier_segment.position == Segment.position)
                & (earlier_lesson.position <= Lesson.position)
            ),
        )
        .correlate(Segment, Lesson)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Lesson, Poll, Article.title, number)
        .join(Poll, Poll.lesson_id == Lesson.id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .join(Article, Article.id == Segment.article_id)
        .where(
            Segment.channel_id == channel_id,
            Poll.companion.is_(False),
            Poll.state == SegmentState.POSTED,
            Poll.posted_at < end,
            ((Poll.posted_at >= start) | Lesson.id.in_(discussed)),
        )
        .order_by(Segment.article_id, Segment.position, Lesson.position)
    )
    return [(lesson, poll, title, int(n)) for lesson, poll, title, n in rows.all()]


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


def _vote(comment: Any) -> ScalarSelect[Any]:
    """The options the comment's author chose last in the lesson's companion poll."""
    return (
        select(PollAnswer.option_ids)
        .join(Poll, Poll.id == PollAnswer.poll_id)
        .where(
            Poll.lesson_id == comment.c.lesson_id,
            Poll.companion.is_(True),
            PollAnswer.user_id == comment.c.user_id,
        )
        .order_by(PollAnswer.id.desc())
        .limit(1)
        .correlate(comment)
        .scalar_subquery()
    )


# (comment id, lesson id, text, user id, first name, last name, quote consent,
#  sender chat title, replies, reactions, options the author voted for)
RankedComment = tuple[
    int, int | None, str, int | None, str | None, str | None, bool | None, str | None, int, int,
    list[int] | None,
]  # fmt: skip


async def ranked_comments(
    session: AsyncSession,
    channel_id: int,
    start: datetime,
    end: datetime,
    *,
    lesson_ids: Sequence[int],
    per_lesson: int,
    overall: int,
) -> tuple[list[RankedComment], list[RankedComment]]:
    """The period's comments with the most replies (written in the period) and reactions,
    never the longest: at most ``per_lesson`` for each of ``lesson_ids`` and at most
    ``overall`` over all, each list best first. Only comments someone answered or reacted
    to are looked at: the replies are counted in one pass over the period (the covering
    index), the reactions in one over those given since it began; both rankings come
    from one pass, and names and votes are looked up for the comments kept only."""
    reply, reply_segment = aliased(Comment), aliased(Segment)
    replies = (
        select(
            reply.chat_id.label("chat_id"),
            reply.reply_to_message_id.label("message_id"),
            func.count(reply.id).label("count"),
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
    reactions = (
        select(
            CommentReaction.chat_id.label("chat_id"),
            CommentReaction.message_id.label("message_id"),
            func.count(CommentReaction.id).label("count"),
        )
        .where(CommentReaction.updated_at >= start)
        .group_by(CommentReaction.chat_id, CommentReaction.message_id)
        .subquery()
    )
    candidates = union(
        select(replies.c.chat_id, replies.c.message_id),
        select(reactions.c.chat_id, reactions.c.message_id),
    ).subquery()
    reply_count = func.coalesce(replies.c.count, 0)
    reaction_count = func.coalesce(reactions.c.count, 0)
    best_first = ((reply_count + reaction_count).desc(), Comment.id)
    in_lessons = Comment.lesson_id.in_(lesson_ids) if lesson_ids else literal(False)
    ranked = (
        select(
            Comment.id,
            Comment.lesson_id,
            Comment.user_id,
            reply_count.label("replies"),
            reaction_count.label("reactions"),
            case(
                (
                    in_lessons,
                    func.row_number().over(partition_by=Comment.lesson_id, order_by=best_first),
                )
            ).label("lesson_rank"),
            func.row_number().over(order_by=best_first).label("overall_rank"),
        )
        .select_from(candidates)
        .join(
            Comment,
            and_(
                Comment.chat_id == candidates.c.chat_id,
                Comment.message_id == candidates.c.message_id,
            ),
        )
        .join(Segment, Segment.id == Comment.segment_id)
        .outerjoin(
            replies,
            and_(replies.c.chat_id == Comment.chat_id, replies.c.message_id == Comment.message_id),
        )
        .outerjoin(
            reactions,
            and_(
                reactions.c.chat_id == Comment.chat_id,
                reactions.c.message_id == Comment.message_id,
            ),
        )
        .where(*_channel_comments(channel_id, start, end), Comment.text != "")  # type: ignore[arg-type]
        .subquery()
    )
    kept, author = aliased(Comment), aliased(User)
    rows = await session.execute(
        select(
            ranked.c.id,
            ranked.c.lesson_id,
            kept.text,
            ranked.c.user_id,
            author.first_name,
            author.last_name,
            author.quote_consent,
            kept.sender_chat_title,
            ranked.c.replies,
            ranked.c.reactions,
            _vote(ranked),
            ranked.c.lesson_rank,
            ranked.c.overall_rank,
        )
        .join(kept, kept.id == ranked.c.id)
        .outerjoin(author, author.id == ranked.c.user_id)
        .where((ranked.c.lesson_rank <= per_lesson) | (ranked.c.overall_rank <= overall))
        .order_by(ranked.c.overall_rank)
    )
    by_lesson: list[RankedComment] = []
    best: list[RankedComment] = []
    for *row, lesson_rank, overall_rank in rows.all():
        if lesson_rank is not None and lesson_rank <= per_lesson:
            by_lesson.append(tuple(row))
        if overall_rank <= overall:
            best.append(tuple(row))
    return by_lesson, best


async def plain_lesson_comments(
    session: AsyncSession,
    channel_id: int,
    start: datetime,
    end: datetime,
    lesson_id: int,
    *,
    limit: int,
    leave_out: Sequence[int] = (),
) -> list[RankedComment]:
    """A lesson's earliest comments in the period other than ``leave_out``, shaped as
    ``ranked_comments`` gives them (no replies, no reactions): what readers said about a
    lesson is quoted even when nobody answered or reacted to it."""
    picked = (
        select(Comment.id, Comment.lesson_id, Comment.user_id)
        .join(Segment, Segment.id == Comment.segment_id)
        .where(
            *_channel_comments(channel_id, start, end),  # type: ignore[arg-type]
            Comment.lesson_id == lesson_id,
            Comment.text != "",
            Comment.id.not_in(list(leave_out)),
        )
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
        .subquery()
    )
    kept, author = aliased(Comment), aliased(User)
    rows = await session.execute(
        select(
            picked.c.id,
            picked.c.lesson_id,
            kept.text,
            picked.c.user_id,
            author.first_name,
            author.last_name,
            author.quote_consent,
            kept.sender_chat_title,
            literal(0),
            literal(0),
            _vote(picked),
        )
        .join(kept, kept.id == picked.c.id)
        .outerjoin(author, author.id == picked.c.user_id)
        .order_by(kept.created_at, picked.c.id)
    )
    return [tuple(row) for row in rows.all()]


async def lesson_comment_texts(
    session: AsyncSession,
    channel_id: int,
    start: datetime,
    end: datetime,
    lesson_id: int,
    limit: int = 500,
) -> list[str]:
    """The texts the key phrases come from: the lesson's most recent comments, bounded."""
    rows = await session.scalars(
        select(Comment.text)
        .join(Segment, Segment.id == Comment.segment_id)
        .where(
            *_channel_comments(channel_id, start, end),  # type: ignore[arg-type]
            Comment.lesson_id == lesson_id,
            Comment.text != "",
        )
        .order_by(Comment.created_at.desc())
        .limit(limit)
    )
    return list(rows.all())


async def lesson_comment_counts(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime
) -> dict[int, int]:
    """Comments per lesson in the period."""
    rows = await session.execute(
        select(Comment.lesson_id, func.count(Comment.id))
        .join(Segment, Segment.id == Comment.segment_id)
        .where(*_channel_comments(channel_id, start, end), Comment.lesson_id.is_not(None))  # type: ignore[arg-type]
        .group_by(Comment.lesson_id)
    )
    return {lesson_id: int(count) for lesson_id, count in rows.all() if lesson_id is not None}


async def counts_before(session: AsyncSession, poll_id: int, moment: datetime) -> list[int] | None:
    """A poll's counts as last reported before ``moment`` (None: no report yet)."""
    counts = await session.scalar(
        select(PollSnapshot.counts)
        .where(PollSnapshot.poll_id == poll_id, PollSnapshot.taken_at < moment)
        .order_by(PollSnapshot.taken_at.desc(), PollSnapshot.id.desc())
        .limit(1)
    )
    return [int(count) for count in counts] if counts is not None else None


async def comments_per_day(
    session: AsyncSession, channel_id: int, boundaries: Sequence[datetime]
) -> list[tuple[str, int, int]]:
    """(article title, day index, comments) with days cut at ``boundaries`` (local
    midnights computed by the caller, so no database needs time zone support)."""
    day = case(
        *((Comment.created_at < moment, index) for index, moment in enumerate(boundaries[1:])),
        else_=len(boundaries) - 1,
    )
    rows = await session.execute(
        select(Article.title, day.label("day"), func.count(Comment.id))
        .join(Segment, Segment.id == Comment.segment_id)
        .join(Article, Article.id == Segment.article_id)
        .where(*_channel_comments(channel_id, boundaries[0], boundaries[-1]))  # type: ignore[arg-type]
        .group_by(Article.id, Article.title, day)
        .order_by(Article.id, day)
    )
    return [(title, int(index), int(count)) for title, index, count in rows.all()]


async def summary_for(
    session: AsyncSession, channel_id: int, start: datetime, end: datetime
) -> WeeklySummary | None:
    """The stored summary of a period overlapping ``start``-``end``: the period itself, or
    one stored under the slot-to-slot periods earlier versions used."""
    return await session.scalar(
        select(WeeklySummary)
        .where(
            WeeklySummary.channel_id == channel_id,
            WeeklySummary.period_start < end,
            WeeklySummary.period_end > start,
        )
        .order_by(WeeklySummary.posted_at.is_(None), WeeklySummary.period_start)
        .limit(1)
    )


def add_request(
    session: AsyncSession, channel_id: int, week: str, requested_by: int, at: datetime
) -> None:
    session.add(
        SummaryRequest(channel_id=channel_id, week=week, requested_by=requested_by, requested_at=at)
    )


async def pending_requests(session: AsyncSession) -> list[tuple[SummaryRequest, str]]:
    """Requests not yet run, oldest first, each with its channel's key."""
    rows = await session.execute(
        select(SummaryRequest, Channel.key)
        .join(Channel, Channel.id == SummaryRequest.channel_id)
        .where(SummaryRequest.done_at.is_(None))
        .order_by(SummaryRequest.id)
    )
    return [(request, key) for request, key in rows.all()]
