from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Article, Lesson, Segment, SegmentState


async def article_by_hash(
    session: AsyncSession, content_hash: str, channel_id: int
) -> Article | None:
    """The article with this text imported for this channel."""
    return await session.scalar(
        select(Article).where(
            Article.content_hash == content_hash, Article.channel_id == channel_id
        )
    )


async def article_by_source(
    session: AsyncSession, urls: Iterable[str], channel_id: int
) -> Article | None:
    """The latest article imported for this channel from one of these links."""
    return await session.scalar(
        select(Article)
        .where(Article.source_url.in_(list(urls)), Article.channel_id == channel_id)
        .order_by(Article.id.desc())
        .limit(1)
    )


async def article_with_segments(session: AsyncSession, article_id: int) -> Article | None:
    return await session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .options(
            selectinload(Article.segments).selectinload(Segment.lessons).selectinload(Lesson.polls),
            selectinload(Article.channel),
        )
    )


async def add_article(session: AsyncSession, article: Article) -> Article:
    session.add(article)
    await session.flush()
    return article


@dataclass(frozen=True)
class ArticleRow:
    """An article as /articles lists it: its size and how far its posts have gone."""

    article: Article
    posts: int
    lessons: int
    posted: int
    waiting: int  # scheduled or being sent
    cancelled: int
    next_at: datetime | None


async def list_articles(
    session: AsyncSession,
    *,
    channel_ids: Iterable[int] | None = None,
    imported_by: int | None = None,
    limit: int = 20,
) -> list[ArticleRow]:
    """Newest first, each with its post counts by state and its channel loaded: of the
    given channels (and, without a channel, imported by ``imported_by``), or every
    article when None."""

    def posts_in(*states: SegmentState) -> ScalarSelect[int]:
        found = select(func.count(Segment.id)).where(Segment.article_id == Article.id)
        if states:
            found = found.where(Segment.state.in_(states))
        return found.scalar_subquery()

    lesson_count = (
        select(func.count(Lesson.id))
        .join(Segment, Lesson.segment_id == Segment.id)
        .where(Segment.article_id == Article.id)
        .scalar_subquery()
    )
    waiting = (SegmentState.SCHEDULED, SegmentState.SENDING)
    next_at = (
        select(func.min(Segment.scheduled_at))
        .where(Segment.article_id == Article.id, Segment.state.in_(waiting))
        .scalar_subquery()
    )
    query = (
        select(
            Article,
            posts_in(),
            lesson_count,
            posts_in(SegmentState.POSTED),
            posts_in(*waiting),
            posts_in(SegmentState.CANCELLED),
            next_at,
        )
        .options(selectinload(Article.channel))
        .order_by(Article.id.desc())
        .limit(limit)
    )
    if channel_ids is not None:
        query = query.where(
            Article.channel_id.in_(list(channel_ids))
            | (Article.channel_id.is_(None) & (Article.imported_by == imported_by))
        )
    rows = await session.execute(query)
    return [ArticleRow(*row) for row in rows.all()]


async def article_title(session: AsyncSession, article_id: int) -> str | None:
    return await session.scalar(select(Article.title).where(Article.id == article_id))
