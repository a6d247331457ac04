"""What the Mini App shows of an article's discussion: counts per post, votes over time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Comment, PollSnapshot, ReactionCount, Segment


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
