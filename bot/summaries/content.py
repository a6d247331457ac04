"""What a weekly summary says: figures from SQL aggregates, digested by pure functions.

The headline is the per-lesson digest: each lesson discussed this week with its poll
result, how agreement moved during the week (poll snapshots), the comments that drew
the most replies and reactions (never the longest), grouped by how their authors
voted where companion polls know it, and the discussion's key phrases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.summaries.period import Period
from bot.summaries.phrases import key_phrases
from db.models import Channel, Lesson, Poll
from db.queries import summaries as queries

NamesPolicy = Literal["ask", "never", "always"]
QUOTES_PER_LESSON = 3
QUOTES_PER_VOTE = 2
PER_LESSON = 20  # comments read for a lesson's quotes and their grouping by vote


def largest_remainder(counts: Sequence[int]) -> list[int]:
    """Whole percentages that add up to 100 (none when there are no votes): each share
    rounded down, the points left over going to the largest remainders."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    exact = [count * 100 / total for count in counts]
    shares = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_remainder[: 100 - sum(shares)]:
        shares[index] += 1
    return shares


@dataclass
class Quote:
    author: str | None  # None: not to be named ("a reader")
    text: str
    replies: int
    reactions: int


@dataclass
class LessonResult:
    question: str
    options: list[str]
    counts: list[int]
    named: list[int] = field(default_factory=list)
    article: str = ""
    number: int = 1
    start_counts: list[int] | None = None  # as the week began (None: the poll is new)
    comments: int = 0
    quotes: list[Quote] = field(default_factory=list)
    by_vote: list[tuple[int, list[Quote]]] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def share(self, index: int) -> float:
        return self.counts[index] / self.total if self.total else 0.0

    def percentages(self) -> list[int]:
        return largest_remainder(self.counts)

    @property
    def agreement(self) -> float:
        """Share of the first option ("Agree")."""
        return self.share(0)

    @property
    def movement(self) -> tuple[int, int, int, int] | None:
        """Agreement in whole percent and the votes behind it, as the week began and as it
        ended, when both rest on votes and new votes came in between."""
        start = self.start_counts
        if not start or sum(start) == 0 or sum(start) >= self.total:
            return None
        return largest_remainder(start)[0], sum(start), self.percentages()[0], self.total

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
class SummaryFigures:
    posts: int
    articles: int
    titles: list[str]
    comments: int
    commenters: int
    new_commenters: int
    previous_comments: int
    lessons: list[LessonResult]
    liveliest: list[LivelyPost]
    quotes: list[Quote]
    min_votes: int = 10
    days: list[date] = field(default_factory=list)
    # Comments per day (one count per entry of ``days``) for each article discussed.
    activity: list[tuple[str, list[int]]] = field(default_factory=list)

    @property
    def returning_commenters(self) -> int:
        return self.commenters - self.new_commenters

    @property
    def empty(self) -> bool:
        """Nothing posted, said or voted: no summary worth posting."""
        voted = any(lesson.total for lesson in self.lessons)
        return not self.posts and not self.comments and not voted

    @property
    def change(self) -> float | None:
        """Change in comments from the week before, as a fraction (None: nothing to compare)."""
        if self.previous_comments == 0:
            return None
        return (self.comments - self.previous_comments) / self.previous_comments

    def voted(self) -> list[LessonResult]:
        return [lesson for lesson in self.lessons if lesson.total > 0]

    def counted(self) -> list[LessonResult]:
        """Lessons with enough votes to be compared with each other."""
        return [lesson for lesson in self.lessons if lesson.total >= self.min_votes]

    @property
    def most_agreed(self) -> LessonResult | None:
        counted = self.counted()
        return max(counted, key=lambda lesson: (lesson.agreement, lesson.total), default=None)

    @property
    def most_contested(self) -> LessonResult | None:
        counted = [lesson for lesson in self.counted() if lesson is not self.most_agreed]
        return max(counted, key=lambda lesson: (lesson.division, lesson.total), default=None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["days"] = [day.isoformat() for day in self.days]
        return data


def shorten(text: str, limit: int) -> str:
    """A title: the first line, cut once, on a word boundary, with an ellipsis."""
    line = " ".join(text.strip().split("\n", 1)[0].split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _excerpt(text: str, limit: int) -> str:
    """A quote: every line of the comment, folded onto one, then cut like a title."""
    return shorten(" ".join(text.split()), limit)


def quoted_name(
    first_name: str | None,
    last_name: str | None,
    consent: bool | None,
    chat_title: str | None,
    policy: NamesPolicy,
) -> str | None:
    """Whom a quote is attributed to in public: a chat speaks under its title; a person is
    named only as the channel's policy and their own /quote answer allow."""
    if chat_title:
        return chat_title
    allowed = consent is True if policy == "ask" else consent is not False
    if policy == "never" or not allowed:
        return None
    return " ".join(part for part in (first_name, last_name) if part) or None


def _quote(row: queries.RankedComment, policy: NamesPolicy) -> Quote:
    _id, _lesson, text, _user, first, last, consent, chat_title, replies, reactions, _vote = row
    return Quote(
        quoted_name(first, last, consent, chat_title, policy),
        _excerpt(text, 200),
        int(replies),
        int(reactions),
    )


def digest_quotes(
    rows: Sequence[queries.RankedComment], policy: NamesPolicy
) -> tuple[list[Quote], list[tuple[int, list[Quote]]]]:
    """One lesson's best comments, and the same grouped by the option their authors
    chose in the companion poll (options in poll order; at most two comments each)."""
    best = [_quote(row, policy) for row in rows[:QUOTES_PER_LESSON]]
    groups: dict[int, list[Quote]] = {}
    for row in rows:
        vote = row[-1]
        if vote and len(vote) == 1:
            chosen = groups.setdefault(int(vote[0]), [])
            if len(chosen) < QUOTES_PER_VOTE:
                chosen.append(_quote(row, policy))
    return best, sorted(groups.items())


@dataclass
class ChartFigures:
    """What the two charts show: each lesson's votes and each article's comments per day.
    Read first, so the charts are drawn while the rest of the week is read."""

    lessons: list[LessonResult]
    days: list[date]
    activity: list[tuple[str, list[int]]]
    polls: Sequence[tuple[Lesson, Poll, str, int]]  # the rows behind ``lessons``


async def gather_chart_figures(
    session: AsyncSession, channel: Channel, period: Period, until: datetime | None = None
) -> ChartFigures:
    """``until``: a week in progress, read up to that moment (its later days are not shown)."""
    start, end = period.start, period.end
    per_lesson = await queries.lesson_comment_counts(session, channel.id, start, end)
    polls = await queries.lesson_polls(session, channel.id, start, end, list(per_lesson))
    lessons = []
    for lesson, poll, article, number in polls:
        end_counts = await queries.counts_before(session, poll.id, end)
        lessons.append(
            LessonResult(
                question=lesson.question,
                options=list(poll.options),
                counts=end_counts or list(poll.counts) or [0] * len(poll.options),
                article=article,
                number=number,
                comments=per_lesson.get(lesson.id, 0),
            )
        )
    days, boundaries = period.day_boundaries(ZoneInfo(channel.timezone or "UTC"), until)
    activity: dict[str, list[int]] = {}
    for title, day, count in await queries.comments_per_day(session, channel.id, boundaries):
        activity.setdefault(title, [0] * len(days))[day] += count
    return ChartFigures(lessons, days, list(activity.items()), polls)


async def gather_figures(
    session: AsyncSession,
    channel: Channel,
    period: Period,
    *,
    names: NamesPolicy = "ask",
    min_votes: int = 10,
    charted: ChartFigures | None = None,
) -> SummaryFigures:
    """Everything the summary says; ``charted`` is what ``gather_chart_figures`` read."""
    if charted is None:
        charted = await gather_chart_figures(session, channel, period)
    start, end = period.start, period.end
    posts, articles, titles = await queries.published(session, channel.id, start, end)
    comments, commenters, new = await queries.comment_totals(session, channel.id, start, end)
    week = end - start
    previous = await queries.comment_count(session, channel.id, start - week, start)
    lesson_ids = [lesson.id for lesson, _poll, _title, _number in charted.polls]
    by_lesson, best = await queries.ranked_comments(
        session, channel.id, start, end, lesson_ids=lesson_ids, per_lesson=PER_LESSON, overall=3
    )
    ranked: dict[int, list[queries.RankedComment]] = {}
    for row in by_lesson:
        ranked.setdefault(row[1] or 0, []).append(row)
    lessons = []
    for shown, (lesson, poll, _article, _number) in zip(
        charted.lessons, charted.polls, strict=True
    ):
        rows = ranked.get(lesson.id, [])
        if len(rows) < QUOTES_PER_LESSON and shown.comments > len(rows):
            # Comments nobody answered or reacted to are still what readers said.
            rows = rows + await queries.plain_lesson_comments(
                session, channel.id, start, end, lesson.id,
                limit=PER_LESSON - len(rows), leave_out=[row[0] for row in rows],
            )  # fmt: skip
        quotes, by_vote = digest_quotes(rows, names)
        texts = (
            await queries.lesson_comment_texts(session, channel.id, start, end, lesson.id)
            if shown.comments > 0
            else []
        )
        lessons.append(
            replace(
                shown,
                named=await queries.named_votes(session, lesson.id),
                start_counts=await queries.counts_before(session, poll.id, start),
                quotes=quotes,
                by_vote=by_vote,
                phrases=key_phrases(texts, channel.language),
            )
        )
    username = (channel.username or "").lstrip("@")
    liveliest = [
        LivelyPost(
            title=shorten(segment.text, 70),
            comments=count,
            reactions=reactions,
            link=f"https://t.me/{username}/{segment.message_id}"
            if username and segment.message_id
            else None,
        )
        for segment, count, reactions in await queries.liveliest_posts(
            session, channel.id, start, end
        )
    ]
    quotes = [_quote(row, names) for row in best]
    return SummaryFigures(
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
        min_votes=min_votes,
        days=charted.days,
        activity=charted.activity,
    )
