"""The Mini App's article page: its posts in order with their comments and reactions, and
each lesson with its poll, the named votes and how agreement moved (a small SVG chart,
made here from numbers only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from bot.i18n import Translator, counted
from db.models import PollSnapshot
from db.queries import articles as article_queries
from db.queries import discussion as queries
from db.queries.summaries import named_votes

CHART_WIDTH, CHART_HEIGHT = 300, 80


@dataclass(frozen=True)
class PostLine:
    number: int
    kind: str
    text: str
    comments: str
    reactions: str


@dataclass(frozen=True)
class OptionLine:
    label: str
    votes: int
    share: int  # per cent of the voters, for the bar's width


@dataclass(frozen=True)
class LessonLine:
    id: int
    number: int
    text: str
    voters: str
    options: list[OptionLine]
    named: list[OptionLine]
    chart: str | None  # the agreement line's points (numbers only)


@dataclass(frozen=True)
class ArticlePage:
    title: str
    channel: str
    labels: dict[str, str]
    posts: list[PostLine]
    lessons: list[LessonLine]


async def article_page(
    session: AsyncSession, article_id: int, scope: Scope, _: Translator
) -> ArticlePage | None:
    """None when there is no such article in the caller's channels (as for /articles)."""
    article = await article_queries.article_with_segments(session, article_id)
    key = article.channel.key if article is not None and article.channel else None
    if article is None or not (scope.steers(key) or scope.moderates(key)):
        return None
    comments = await queries.comments_per_post(session, article.id)
    reactions = await queries.reactions_per_post(session, article.id)
    posts: list[PostLine] = []
    lessons: list[LessonLine] = []
    for segment in article.segments:
        posts.append(
            PostLine(
                segment.position + 1,
                segment.kind.value,
                _first_line(segment.text),
                counted("{count} comment", "{count} comments", comments.get(segment.id, 0), _),
                counted("{count} reaction", "{count} reactions", reactions.get(segment.id, 0), _),
            )
        )
        for lesson in segment.lessons:
            channel_poll = next((p for p in lesson.polls if not p.companion), None)
            if channel_poll is None:
                continue
            history = await queries.poll_history(session, channel_poll.id)
            named = await named_votes(session, lesson.id)
            lessons.append(
                LessonLine(
                    lesson.id,
                    len(lessons) + 1,
                    lesson.text,
                    counted("{count} voter", "{count} voters", channel_poll.total_voters, _),
                    _options(channel_poll.options, channel_poll.counts),
                    _options(channel_poll.options, named) if any(named) else [],
                    agreement_chart(history),
                )
            )
    labels = {
        "posts": _("Posts"),
        "lessons": _("Lessons"),
        "named": _("Votes with names (in the discussion group)"),
        "agreement": _("Agreement over time"),
    }
    return ArticlePage(article.title, key or "", labels, posts, lessons)


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= 120 else line[:119] + "…"


def _options(options: Sequence[object], counts: Sequence[object]) -> list[OptionLine]:
    numbers = [int(str(count)) for count in counts] + [0] * (len(options) - len(counts))
    total = sum(numbers) or 1
    return [
        OptionLine(str(option), votes, round(100 * votes / total))
        for option, votes in zip(options, numbers, strict=False)
    ]


def agreement_chart(history: list[PollSnapshot]) -> str | None:
    """The first option's share of the voters over time, as an SVG polyline's points in a
    CHART_WIDTH x CHART_HEIGHT box; None with fewer than two snapshots."""
    points = [
        (snapshot.taken_at, int(snapshot.counts[0]) / snapshot.total_voters)
        for snapshot in history
        if snapshot.total_voters and snapshot.counts
    ]
    if len(points) < 2:
        return None
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds() or 1.0
    return " ".join(
        f"{_x(at, first, span):.1f},{CHART_HEIGHT - share * CHART_HEIGHT:.1f}"
        for at, share in points
    )


def _x(at: datetime, first: datetime, span: float) -> float:
    return (at - first).total_seconds() / span * CHART_WIDTH
