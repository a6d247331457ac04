"""The imported articles, as admins look them up: the recent ones, or one by its number."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Article
from db.queries import articles as queries


async def recent_articles(session: AsyncSession) -> Sequence[tuple[Article, int, int]]:
    """(article, posts, lessons), newest first."""
    return await queries.list_articles(session)


async def find_article(session: AsyncSession, article_id: int) -> Article | None:
    """The article with its posts, lessons and polls loaded; None when there is no such."""
    return await queries.article_with_segments(session, article_id)
