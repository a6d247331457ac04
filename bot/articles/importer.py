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
from bot.config import ChannelConfig, Config
from db.models import Article, Lesson, Segment
from db.queries import articles as article_queries
from db.queries.audit import record


@dataclass(frozen=True)
class ImportResult:
    article: Article
    created: bool
    posts: list[Post]


def build_posts(
    data: bytes,
    config: Config,
    *,
    name: str = "article",
    source_format: SourceFormat | None = None,
    lessons: str | None = None,
    language: str | None = None,
) -> tuple[str, str, str, str | None, list[Post]]:
    """Pure part of an import: (text, title, format, source url, posts). Raises ArticleError."""
    text = decode_article(data, config.articles, name)
    document = parse_article(
        text, config.articles, source_format=source_format, filename=name, lessons=lessons
    )
    posts = segment(document, config.articles, language or document.language)
    return text, plain(document.title), document.source_format, document.source_url, posts


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
    text, title, kind, source_url, posts = build_posts(
        data,
        config,
        name=name,
        source_format=source_format,
        lessons=lessons,
        language=channel.language,
    )
    digest = content_hash(text)
    channel_row = await ensure_channel(session, channel, at)
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
        return ImportResult(stored, False, posts_from_segments(stored.segments))
    article = Article(
        channel_id=channel_row.id,
        content_hash=digest,
        title=title,
        source_url=source_url,
        source_format=kind,
        language=channel.language,
        raw_text=text,
        imported_by=actor_id,
        imported_at=at,
    )
    article.segments.extend(segment_rows(posts, channel_row.id))
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
    return ImportResult(article, True, posts)


def segment_rows(posts: Sequence[Post], channel_id: int) -> list[Segment]:
    """Draft rows for ``posts`` (with their lessons), for a channel: what an import stores,
    and what a copy of an article for another channel starts from."""
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
