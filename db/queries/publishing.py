"""Queries behind the schedule: what is due, what is in doubt, what is waiting to close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Article, Channel, Lesson, Poll, Segment, SegmentState

ACTIVE = (SegmentState.SCHEDULED, SegmentState.SENDING, SegmentState.FAILED)


async def active_articles(
    session: AsyncSession, channel_id: int | None = None, include_paused: bool = False
) -> Sequence[Article]:
    """Articles with anything still to post, with segments, lessons and polls loaded."""
    pending_segment = select(Segment.article_id).where(Segment.state.in_(ACTIVE))
    pending_poll = (
        select(Segment.article_id)
        .join(Lesson, Lesson.segment_id == Segment.id)
        .join(Poll, Poll.lesson_id == Lesson.id)
        .where(Poll.state.in_(ACTIVE), Poll.companion.is_(False))
    )
    query = (
        select(Article)
        .where(Article.id.in_(pending_segment.union(pending_poll)))
        .options(
            selectinload(Article.segments).selectinload(Segment.lessons).selectinload(Lesson.polls),
            selectinload(Article.channel),
        )
        .order_by(Article.id)
    )
    if not include_paused:
        query = query.where(Article.paused.is_(False))
    if channel_id is not None:
        query = query.where(
            Article.id.in_(select(Segment.article_id).where(Segment.channel_id == channel_id))
        )
    return (await session.scalars(query)).unique().all()


async def channels_with_work(session: AsyncSession) -> Sequence[int]:
    rows = await session.scalars(
        select(Segment.channel_id)
        .join(Article, Article.id == Segment.article_id)
        .where(
            Segment.state.in_(ACTIVE), Article.paused.is_(False), Segment.channel_id.is_not(None)
        )
        .distinct()
    )
    return [row for row in rows if row is not None]


async def in_doubt_segments(
    session: AsyncSession, before: datetime, *, locked: bool = False
) -> Sequence[Segment]:
    """Posts still ``sending`` since before ``before``. ``locked``: for settling them, so a
    forward handled meanwhile in another process is waited for and seen, not overwritten."""
    query = select(Segment).where(
        Segment.state == SegmentState.SENDING, Segment.sending_since <= before
    )
    return (await session.scalars(query.with_for_update() if locked else query)).all()


async def in_doubt_polls(
    session: AsyncSession, before: datetime, *, locked: bool = False
) -> Sequence[Poll]:
    query = select(Poll).where(Poll.state == SegmentState.SENDING, Poll.sending_since <= before)
    return (await session.scalars(query.with_for_update() if locked else query)).all()


async def polls_to_close(session: AsyncSession, now: datetime) -> Sequence[Poll]:
    return (
        await session.scalars(
            select(Poll).where(
                Poll.state == SegmentState.POSTED,
                Poll.closed.is_(False),
                Poll.close_at <= now,
                Poll.message_id.is_not(None),
            )
        )
    ).all()


async def next_poll_closing(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(Poll.close_at)).where(
            Poll.state == SegmentState.POSTED, Poll.closed.is_(False)
        )
    )


async def segment_by_channel_message(
    session: AsyncSession, channel_id: int, message_id: int
) -> Segment | None:
    return await session.scalar(
        select(Segment).where(Segment.channel_id == channel_id, Segment.message_id == message_id)
    )


async def segments_for_forward(
    session: AsyncSession, channel_id: int, message_id: int
) -> Sequence[Segment]:
    """The post a forward of ``message_id`` may be: the one recorded with that id, or those
    whose send is in doubt (oldest first). One locked statement, so a send recorded
    meanwhile by the publisher is seen one way or the other, never neither."""
    return (
        await session.scalars(
            select(Segment)
            .where(
                Segment.channel_id == channel_id,
                or_(Segment.message_id == message_id, Segment.state == SegmentState.SENDING),
            )
            .order_by(Segment.sending_since)
            .with_for_update()
        )
    ).all()


async def polls_for_forward(session: AsyncSession, chat_id: int, message_id: int) -> Sequence[Poll]:
    """As ``segments_for_forward``, for channel polls, with their lessons."""
    return (
        await session.scalars(
            select(Poll)
            .where(
                Poll.chat_id == chat_id,
                or_(Poll.message_id == message_id, Poll.state == SegmentState.SENDING),
            )
            .order_by(Poll.sending_since)
            .options(selectinload(Poll.lesson))
            .with_for_update(of=Poll)
        )
    ).all()


async def poll_by_chat_message(session: AsyncSession, chat_id: int, message_id: int) -> Poll | None:
    return await session.scalar(
        select(Poll).where(Poll.chat_id == chat_id, Poll.message_id == message_id)
    )


async def channel_by_chat_id(session: AsyncSession, chat_id: int) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.chat_id == chat_id))


async def companion_polls_to_send(session: AsyncSession) -> Sequence[Poll]:
    """Companion polls whose lesson post has a known discussion thread."""
    return (
        await session.scalars(
            select(Poll)
            .join(Lesson, Lesson.id == Poll.lesson_id)
            .join(Segment, Segment.id == Lesson.segment_id)
            .where(
                Poll.companion.is_(True),
                Poll.state == SegmentState.SCHEDULED,
                Segment.discussion_thread_id.is_not(None),
            )
            .options(selectinload(Poll.lesson).selectinload(Lesson.segment))
        )
    ).all()


async def channels_by_discussion_chat(session: AsyncSession, group_id: int) -> Sequence[Channel]:
    return (
        await session.scalars(select(Channel).where(Channel.discussion_chat_id == group_id))
    ).all()


async def posted_before(
    session: AsyncSession, article_id: int, position: int
) -> list[tuple[int, int]]:
    """(position, channel message id) of the article's posts before ``position`` that are out."""
    rows = await session.execute(
        select(Segment.position, Segment.message_id)
        .where(
            Segment.article_id == article_id,
            Segment.position < position,
            Segment.message_id.is_not(None),
        )
        .order_by(Segment.position)
    )
    return [(row_position, message_id) for row_position, message_id in rows if message_id]


async def channels_with_groups(session: AsyncSession) -> Sequence[Channel]:
    return (
        await session.scalars(
            select(Channel).where(Channel.discussion_chat_id.is_not(None)).order_by(Channel.id)
        )
    ).all()


async def items_left(session: AsyncSession, article_id: int) -> int:
    """Posts and channel polls of an article not yet posted (or cancelled)."""
    done = (SegmentState.POSTED, SegmentState.CANCELLED)
    segments = await session.scalar(
        select(func.count())
        .select_from(Segment)
        .where(Segment.article_id == article_id, Segment.state.not_in(done))
    )
    polls = await session.scalar(
        select(func.count())
        .select_from(Poll)
        .join(Lesson, Lesson.id == Poll.lesson_id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .where(
            Segment.article_id == article_id,
            Poll.companion.is_(False),
            Poll.state.not_in(done),
        )
    )
    return int(segments or 0) + int(polls or 0)


async def article_of_poll(session: AsyncSession, poll_id: int) -> int:
    article_id = await session.scalar(
        select(Segment.article_id)
        .join(Lesson, Lesson.segment_id == Segment.id)
        .join(Poll, Poll.lesson_id == Lesson.id)
        .where(Poll.id == poll_id)
    )
    assert article_id is not None
    return int(article_id)


async def finished_since(
    session: AsyncSession, since: datetime
) -> list[tuple[Article, datetime, bool]]:
    """Articles with nothing left to post whose last post went out after ``since``: each
    with that moment and whether some of it was cancelled."""
    pending = select(Segment.article_id).where(
        Segment.state.in_((SegmentState.SCHEDULED, SegmentState.SENDING, SegmentState.FAILED))
    )
    cut = (
        select(Segment.article_id).where(Segment.state == SegmentState.CANCELLED).scalar_subquery()
    )
    last = func.max(Segment.posted_at).label("last")
    rows = await session.execute(
        select(Article, last, Article.id.in_(cut).label("cancelled"))
        .join(Segment, Segment.article_id == Article.id)
        .where(Article.id.not_in(pending), Segment.posted_at.is_not(None))
        .group_by(Article.id)
        .having(func.max(Segment.posted_at) >= since)
        .order_by(last.desc())
        .options(selectinload(Article.channel))
    )
    return [
        (article, moment, bool(cancelled))
        for article, moment, cancelled in rows
        if moment is not None
    ]


async def lead_image(session: AsyncSession, article_id: int) -> str | None:
    """The article's lead image, shown above its first post."""
    return await session.scalar(select(Article.lead_image_url).where(Article.id == article_id))
