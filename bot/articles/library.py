"""The imported articles, as admins look them up: only those of the channels they steer.

An article belongs to the channel it was imported for; one not yet given a channel
belongs to whoever imported it (and the operators). An article outside the caller's
channels is answered as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from bot.channels import steered_channel_ids
from db.models import Article
from db.queries import articles as queries


def steers_article(scope: Scope, article: Article, channel_key: str | None) -> bool:
    if channel_key is not None:
        return scope.steers(channel_key)
    return scope.operator or article.imported_by == scope.user_id


async def recent_articles(
    session: AsyncSession, scope: Scope
) -> Sequence[tuple[Article, int, int]]:
    """(article, posts, lessons) of the caller's channels, newest first."""
    ids = await steered_channel_ids(session, scope)
    return await queries.list_articles(session, channel_ids=ids, imported_by=scope.user_id)


async def find_article(session: AsyncSession, article_id: int, scope: Scope) -> Article | None:
    """The article with its posts, lessons and polls loaded; None when there is no such
    article in the caller's channels."""
    article = await queries.article_with_segments(session, article_id)
    if article is None:
        return None
    key = article.channel.key if article.channel is not None else None
    return article if steers_article(scope, article, key) else None
