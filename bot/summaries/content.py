"""What a weekly summary says, computed from SQL aggregates (pure data out)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.summaries.period import Period
from db.models import Channel
from db.queries import summaries as queries


@dataclass
class LessonResult:
    question: str
    options: list[str]
    counts: list[int]
    named: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def share(self, index: int) -> float:
        return self.counts[index] / self.total if self.total else 0.0

    @property
    def agreement(self) -> float:
        """Share of the first option ("Agree")."""
        return self.share(0)

    @property
    def division(self) -> float:
        """How evenly votes split (normalised entropy, 0 = unanimous, 1 = even)."""
        if self.total == 0 or len(self.counts) < 2:
            return 0.0
        entropy = -sum(p * math.log(p) for p in (c / self.total for c in self.counts) if p > 0)
        return entropy / math.log(len(self.counts))


@dataclass
class LivelyPost:
    title: str
    comments: int
    reactions: int
    link: str | None


@dataclass
class QuotedComment:
    author: str
    text: str
    replies: int


@dataclass
class SummaryFigures:
    period_label: str
    posts: int
    articles: int
    titles: list[str]
    comments: int
    commenters: int
    new_commenters: int
    previous_comments: int
    lessons: list[LessonResult]
    liveliest: list[LivelyPost]
    quotes: list[QuotedComment]

    @property
    def returning_commenters(self) -> int:
        return self.commenters - self.new_commenters

    @property
    def change(self) -> float | None:
        """Change in comments from the week before, as a fraction (None: nothing to compare)."""
        if self.previous_comments == 0:
            return None
        return (self.comments - self.previous_comments) / self.previous_comments

    def voted(self) -> list[LessonResult]:
        return [lesson for lesson in self.lessons if lesson.total > 0]

    @property
    def most_agreed(self) -> LessonResult | None:
        voted = self.voted()
        return max(voted, key=lambda lesson: (lesson.agreement, lesson.total)) if voted else None

    @property
    def most_contested(self) -> LessonResult | None:
        voted = [lesson for lesson in self.voted() if lesson is not self.most_agreed]
        return max(voted, key=lambda lesson: (lesson.division, lesson.total)) if voted else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _first_line(text: str, limit: int = 70) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


def _quote(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


async def gather_figures(session: AsyncSession, channel: Channel, period: Period) -> SummaryFigures:
    posts, articles, titles = await queries.published(session, channel.id, period.start, period.end)
    comments, commenters, new = await queries.comment_totals(
        session, channel.id, period.start, period.end
    )
    week = period.end - period.start
    previous, _, _ = await queries.comment_totals(
        session, channel.id, period.start - week, period.start
    )
    lessons = []
    for lesson, poll in await queries.lesson_polls(session, channel.id, period.start, period.end):
        counts = list(poll.counts) or [0] * len(poll.options)
        lessons.append(
            LessonResult(
                question=lesson.question,
                options=list(poll.options),
                counts=counts,
                named=await queries.named_votes(session, lesson.id),
            )
        )
    username = (channel.username or "").lstrip("@")
    liveliest = [
        LivelyPost(
            title=_first_line(segment.text),
            comments=count,
            reactions=reactions,
            link=f"https://t.me/{username}/{segment.message_id}"
            if username and segment.message_id
            else None,
        )
        for segment, count, reactions in await queries.liveliest_posts(
            session, channel.id, period.start, period.end
        )
    ]
    quotes = [
        QuotedComment(author=author, text=_quote(comment.text), replies=replies)
        for comment, author, replies in await queries.top_comments(
            session, channel.id, period.start, period.end
        )
    ]
    return SummaryFigures(
        period_label=period.label,
        posts=posts,
        articles=articles,
        titles=titles,
        comments=comments,
        commenters=commenters,
        new_commenters=new,
        previous_comments=previous,
        lessons=lessons,
        liveliest=liveliest,
        quotes=quotes,
    )
