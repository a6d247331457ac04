"""The imported articles, as admins look them up: only those of the channels they steer.

An article belongs to the channel it was imported for; one not yet given a channel
belongs to whoever imported it (and the operators). An article outside the caller's
channels is answered as one that does not exist.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from bot.articles.importer import BuiltArticle, draft_article, posts_from_segments
from bot.channels import steered_channel_ids
from db.models import Article, Channel
from db.queries import articles as queries
from db.queries.audit import record


def steers_article(scope: Scope, article: Article, channel_key: str | None) -> bool:
    if channel_key is not None:
        return scope.steers(channel_key)
    return scope.operator or article.imported_by == scope.user_id


async def recent_articles(session: AsyncSession, scope: Scope) -> list[queries.ArticleRow]:
    """The caller's channels' articles (and their own without a channel), newest first."""
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


async def copy_for_channel(
    session: AsyncSession, article: Article, channel: Channel, *, actor_id: int | None, at: datetime
) -> tuple[Article, bool]:
    """The article for ``channel``: the one already imported there, or a copy of this one's
    posts and lessons as drafts, with a schedule, polls and discussion of its own. Whether
    it was made now.

    In the article's own channel the copy is a deliberate re-publication: it is always
    new, and its hash is derived from the original's and the moment, so that importing
    the same text again still finds the original."""
    again = channel.id == article.channel_id
    existing = (
        None if again else await queries.article_by_hash(session, article.content_hash, channel.id)
    )
    if existing is not None:
        stored = await queries.article_with_segments(session, existing.id)
        assert stored is not None
        return stored, False
    digest = article.content_hash
    if again:
        digest = hashlib.sha256(f"{digest} again {at.isoformat()}".encode()).hexdigest()
    original = BuiltArticle(
        article.raw_text, article.title, article.source_format, article.source_url,
        posts_from_segments(article.segments), article.lead_image_url,
    )  # fmt: skip
    copy = draft_article(
        original, channel.id, digest=digest, language=article.language, actor_id=actor_id, at=at
    )
    await queries.add_article(session, copy)
    await record(
        session, actor_id, "copy", f"article:{copy.id}", {"from": article.id},
        at=at, channel_id=channel.id,
    )  # fmt: skip
    stored = await queries.article_with_segments(session, copy.id)
    assert stored is not None
    return stored, True
