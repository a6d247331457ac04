"""Importing an article: parse, segment, store; the same content twice is one article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.articles.inline import plain
from bot.articles.loader import SourceFormat, content_hash, decode_article, parse_article
from bot.articles.segmenter import LessonDraft, Post, segment
from bot.channels import ensure_channel
from bot.config import WEB_ADDRESS, ChannelConfig, Config
from db.models import Article, Lesson, Segment
from db.queries import articles as article_queries
from db.queries.audit import record


@dataclass(frozen=True)
class ImportResult:
    article: Article
    created: bool
    posts: list[Post]
    # Imported again from its link: whether the page's article text differs now.
    changed: bool = False


@dataclass(frozen=True)
class BuiltArticle:
    """The pure part of an import: what would be stored."""

    text: str
    title: str
    source_format: str
    source_url: str | None
    posts: list[Post]
    image: str | None = None  # the lead image's address (http or https)


def build_posts(
    data: bytes | str,
    config: Config,
    *,
    name: str = "article",
    source_format: SourceFormat | None = None,
    lessons: str | None = None,
    language: str | None = None,
    source_url: str | None = None,
) -> BuiltArticle:
    """Raises ArticleError. ``data`` as text was decoded already (a fetched page, whose
    size limit is its own); ``source_url`` overrides the article's own."""
    text = data if isinstance(data, str) else decode_article(data, config.articles, name)
    document = parse_article(
        text, config.articles, source_format=source_format, filename=name, lessons=lessons
    )
    if source_url is not None:
        document.source_url = source_url
    posts = segment(document, config.articles, language or document.language)
    image = document.meta.get("image", "").strip()
    return BuiltArticle(
        text, plain(document.title), document.source_format, document.source_url, posts,
        image if WEB_ADDRESS.match(image) else None,
    )  # fmt: skip


async def import_article(
    session: AsyncSession,
    data: bytes,
    config: Config,
    channel: ChannelConfig,
    *,
    name: str = "article",
    source_format: SourceFormat | None = None,
    lessons: str | None = None,
    actor_id: int | None = None,
    at: datetime,
) -> ImportResult:
    """Store the article with its segments and lessons; nothing is stored if anything fails."""
    built = build_posts(
        data,
        config,
        name=name,
        source_format=source_format,
        lessons=lessons,
        language=channel.language,
    )
    return await store_article(
        session, built, channel, digest=content_hash(built.text), name=name,
        actor_id=actor_id, at=at,
    )  # fmt: skip


async def store_article(
    session: AsyncSession,
    built: BuiltArticle,
    channel: ChannelConfig,
    *,
    digest: str,
    name: str,
    actor_id: int | None,
    at: datetime,
    existing: Article | None = None,
) -> ImportResult:
    """The article stored for ``channel``, or ``existing`` (else the one with this digest
    there) when it was imported before."""
    channel_row = await ensure_channel(session, channel, at)
    if existing is None:
        existing = await article_queries.article_by_hash(session, digest, channel_row.id)
    if existing is not None:
        stored = await article_queries.article_with_segments(session, existing.id)
        assert stored is not None
        await record(
            session,
            actor_id,
            "import",
            f"article:{stored.id}",
            {"created": False},
            at=at,
            channel_id=stored.channel_id,
        )
        changed = stored.content_hash != digest
        return ImportResult(stored, False, posts_from_segments(stored.segments), changed)
    article = draft_article(
        built, channel_row.id, digest=digest, language=channel.language, actor_id=actor_id, at=at
    )
    await article_queries.add_article(session, article)
    await record(
        session,
        actor_id,
        "import",
        f"article:{article.id}",
        {"created": True, "file": name},
        at=at,
        channel_id=channel_row.id,
    )
    return ImportResult(article, True, built.posts)


def draft_article(
    built: BuiltArticle,
    channel_id: int,
    *,
    digest: str,
    language: str,
    actor_id: int | None,
    at: datetime,
) -> Article:
    """A new article row with its posts and lessons as drafts: what an import stores, and
    what a copy for another channel starts from."""
    article = Article(
        channel_id=channel_id,
        content_hash=digest,
        title=built.title,
        source_url=built.source_url,
        lead_image_url=built.image,
        source_format=built.source_format,
        language=language,
        raw_text=built.text,
        imported_by=actor_id,
        imported_at=at,
    )
    article.segments.extend(segment_rows(built.posts, channel_id))
    return article


def segment_rows(posts: Sequence[Post], channel_id: int) -> list[Segment]:
    """Draft rows for ``posts`` (with their lessons), for a channel."""
    rows = []
    for post in posts:
        row = Segment(
            channel_id=channel_id,
            position=post.position,
            kind=post.kind,
            html=post.html,
            text=post.text,
        )
        row.lessons = [
            Lesson(position=index, text=lesson.text, question=lesson.question)
            for index, lesson in enumerate(post.lessons)
        ]
        rows.append(row)
    return rows


def posts_from_segments(segments: list[Segment]) -> list[Post]:
    return [
        Post(
            position=row.position,
            kind=row.kind,
            html=row.html,
            text=row.text,
            lessons=tuple(LessonDraft(lesson.text, lesson.question) for lesson in row.lessons),
        )
        for row in segments
    ]
