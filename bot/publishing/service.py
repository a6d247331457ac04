"""What admins do to a schedule: publish, pause, resume, cancel, and ask for status.

Functions take the session and change rows; the caller commits. Every change
is one unit, so a failed command changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.articles.preview import default_poll_options
from bot.channels import ensure_channel
from bot.config import ChannelConfig
from bot.errors import NewsbotError
from bot.i18n import N_
from bot.publishing.timing import spread
from db.models import Article, Channel, Lesson, Poll, Segment, SegmentState
from db.queries import publishing as queries
from db.queries.articles import article_with_segments
from db.queries.audit import record

DONE = (SegmentState.POSTED, SegmentState.CANCELLED)


class PublishingError(NewsbotError):
    """An admin's request that cannot be carried out; nothing was changed."""


@dataclass(frozen=True)
class Scheduled:
    article: Article
    first: datetime
    last: datetime
    posts: int
    polls: int
    times: tuple[datetime, ...] = ()


def publication_order(article: Article) -> list[Segment | Poll]:
    """Segments in position order, each lesson post followed by its channel polls."""
    items: list[Segment | Poll] = []
    for segment in sorted(article.segments, key=lambda s: s.position):
        items.append(segment)
        for lesson in segment.lessons:
            items.extend(poll for poll in lesson.polls if not poll.companion)
    return items


def next_item(article: Article) -> Segment | Poll | None:
    for item in publication_order(article):
        if item.state not in DONE:
            return item
    return None


async def _article_for(
    session: AsyncSession, article_id: int, channel: ChannelConfig, now: datetime
) -> tuple[Article, Channel]:
    """The article with its posts, and the channel's row; no such article is refused."""
    article = await article_with_segments(session, article_id)
    if article is None:
        raise PublishingError(N_("There is no article {id}; see /articles."), id=article_id)
    return article, await ensure_channel(session, channel, now)


async def schedule_article(
    session: AsyncSession,
    article_id: int,
    channel: ChannelConfig,
    start: datetime,
    every: timedelta | None,
    *,
    actor_id: int | None,
    now: datetime,
    mornings: bool = False,
) -> Scheduled:
    """Give each segment not yet posted its time, ``every`` apart from ``start`` (night
    times moved to 09:00 with ``mornings``), and each lesson its polls; refused (nothing
    changed) when the article cannot go there now."""
    article, channel_row = await _article_for(session, article_id, channel, now)
    todo = _segments_to_schedule(article, channel_row, channel)
    spacing = every or channel.post_spacing
    times = spread(start, spacing, len(todo), channel.zone, mornings=mornings)
    options = channel.poll_options or default_poll_options(channel.language)
    polls = 0
    for segment, moment in zip(todo, times, strict=True):
        segment.channel_id = channel_row.id
        segment.scheduled_at = moment
        segment.state = SegmentState.SCHEDULED
        segment.last_error = None
        for lesson in segment.lessons:
            polls += _schedule_polls(lesson, channel_row, options, channel.companion_polls)
    article.channel_id = channel_row.id
    return await _settled(
        session, article, channel, channel_row, "publish", times, polls, spacing,
        actor_id=actor_id, now=now,
    )  # fmt: skip


async def _settled(
    session: AsyncSession,
    article: Article,
    channel: ChannelConfig,
    channel_row: Channel,
    action: str,
    times: list[datetime],
    polls: int,
    spacing: timedelta,
    *,
    actor_id: int | None,
    now: datetime,
) -> Scheduled:
    """The article's new times kept: its spacing, unpaused, written to the audit log."""
    article.spacing_seconds = int(spacing.total_seconds())
    article.paused = False
    await session.flush()
    await record(
        session,
        actor_id,
        action,
        f"article:{article.id}",
        {"channel": channel.key, "start": times[0].isoformat(), "every": spacing.total_seconds()},
        at=now,
        channel_id=channel_row.id,
    )
    return Scheduled(article, times[0], times[-1], len(times), polls, tuple(times))


async def planned_times(
    session: AsyncSession,
    article_id: int,
    channel: ChannelConfig,
    start: datetime,
    every: timedelta | None,
    *,
    now: datetime,
    again: bool = False,
) -> list[datetime]:
    """The times ``schedule_article`` (``reschedule_article`` when ``again``) would give,
    changing nothing: what the admin is asked about before it is done. Refused for the
    same reasons they refuse."""
    article, channel_row = await _article_for(session, article_id, channel, now)
    todo = (
        _segments_to_reschedule(article, channel_row)
        if again
        else _segments_to_schedule(article, channel_row, channel)
    )
    return spread(start, every or channel.post_spacing, len(todo), channel.zone)


def all_posted(article: Article) -> bool:
    """Whether every post of the article went out: nothing is left to schedule."""
    return bool(article.segments) and all(s.state is SegmentState.POSTED for s in article.segments)


def held_in(article: Article) -> bool:
    """Whether the article is bound to its channel: some of it went out there, is going
    out, or waits for its time (a draft may still move)."""
    bound = (SegmentState.POSTED, SegmentState.SENDING, SegmentState.SCHEDULED)
    return any(s.state in bound for s in article.segments)


def scheduled_in(article: Article) -> bool:
    """Whether some of the article waits for its time (or is going out now)."""
    return any(s.state in (SegmentState.SCHEDULED, SegmentState.SENDING) for s in article.segments)


async def reschedule_article(
    session: AsyncSession,
    article_id: int,
    channel: ChannelConfig,
    start: datetime,
    every: timedelta | None,
    *,
    actor_id: int | None,
    now: datetime,
    mornings: bool = False,
) -> Scheduled:
    """New times for what is still waiting, in the channel it waits for; what already went
    out (or is going out now) stays. Unpauses, as scheduling does."""
    article, channel_row = await _article_for(session, article_id, channel, now)
    todo = _segments_to_reschedule(article, channel_row)
    spacing = every or channel.post_spacing
    times = spread(start, spacing, len(todo), channel.zone, mornings=mornings)
    for segment, moment in zip(todo, times, strict=True):
        segment.scheduled_at = moment
        segment.last_error = None
    polls = sum(
        1
        for segment in todo
        for lesson in segment.lessons
        for poll in lesson.polls
        if not poll.companion and poll.state is SegmentState.SCHEDULED
    )
    return await _settled(
        session, article, channel, channel_row, "reschedule", times, polls, spacing,
        actor_id=actor_id, now=now,
    )  # fmt: skip


def _segments_to_reschedule(article: Article, channel_row: Channel) -> list[Segment]:
    waiting = sorted(
        (s for s in article.segments if s.state is SegmentState.SCHEDULED), key=lambda s: s.position
    )
    if not waiting:
        raise PublishingError(N_("Article {id} has nothing waiting to reschedule."), id=article.id)
    if any(s.channel_id != channel_row.id for s in waiting):
        raise PublishingError(
            N_("Article {id} waits for another channel; /cancel {id} first to move it."),
            id=article.id,
        )
    return waiting


def _segments_to_schedule(
    article: Article, channel_row: Channel, channel: ChannelConfig
) -> list[Segment]:
    """The segments left to post, in order; the reasons an article cannot be scheduled."""
    segments = sorted(article.segments, key=lambda s: s.position)
    if any(s.state in (SegmentState.SCHEDULED, SegmentState.SENDING) for s in segments):
        raise PublishingError(N_("Article {id} is already scheduled; see /status."), id=article.id)
    if any(s.state is SegmentState.POSTED and s.channel_id != channel_row.id for s in segments):
        raise PublishingError(
            N_("Article {id} was partly posted to another channel."), id=article.id
        )
    if channel_row.chat_id is None:
        raise PublishingError(
            N_("Channel {channel} is not known to Telegram yet; is the bot running?"),
            channel=channel.key,
        )
    todo = [s for s in segments if s.state is not SegmentState.POSTED]
    if not todo:
        raise PublishingError(N_("Article {id} is already fully posted."), id=article.id)
    return todo


def _schedule_polls(
    lesson: Lesson, channel_row: Channel, options: Sequence[str], companions: bool
) -> int:
    """Schedule a lesson's channel poll (and its companion in the discussion group, when
    the channel has them), made on first use; how many channel polls were scheduled."""
    scheduled = 0
    for companion in (False, True) if companions else (False,):
        poll = next((p for p in lesson.polls if p.companion == companion), None)
        if poll is None:
            chat_id = channel_row.discussion_chat_id or 0 if companion else channel_row.chat_id
            assert chat_id is not None
            poll = Poll(
                chat_id=chat_id,
                anonymous=not companion,
                companion=companion,
                options=list(options),
                counts=[0] * len(options),
            )
            lesson.polls.append(poll)
        if poll.state is not SegmentState.POSTED:
            poll.state = SegmentState.SCHEDULED
            scheduled += not companion
    return scheduled


async def set_paused(
    session: AsyncSession,
    article_id: int | None,
    paused: bool,
    *,
    actor_id: int | None,
    at: datetime,
    channel_ids: set[int] | None = None,
) -> list[Article]:
    """Pause or resume one article, or (with no id) every article with work left in these
    channels (every channel when None)."""
    if article_id is not None:
        article = await article_with_segments(session, article_id)
        if article is None:
            raise PublishingError(N_("There is no article {id}; see /articles."), id=article_id)
        articles = [article]
    else:
        articles = [
            article
            for article in await queries.active_articles(session, include_paused=True)
            if channel_ids is None or article.channel_id in channel_ids
        ]
    if article_id is not None:
        _check_pausable(articles[0], paused)
    changed = []
    for article in articles:
        channel = article.channel
        if not paused and channel is not None and channel.blocked_reason:
            if article_id is not None:
                raise PublishingError(
                    N_("I still cannot post in {channel}: {reason}"),
                    channel=channel.key,
                    reason=channel.blocked_reason,
                )
            continue  # resuming everything leaves a channel the bot cannot post in paused
        article.paused = paused
        article.paused_reason = None
        if not paused:
            _retry_failed(article)
        changed.append(article)
    for article in changed:
        await record(
            session,
            actor_id,
            "pause" if paused else "resume",
            f"article:{article.id}",
            {},
            at=at,
            channel_id=article.channel_id,
        )
    return changed


def _left(article: Article) -> list[Segment | Poll]:
    """What is still to go out of the article (what cancelling it would drop)."""
    companions = [
        p for s in article.segments for lesson in s.lessons for p in lesson.polls if p.companion
    ]
    waiting = (SegmentState.SCHEDULED, SegmentState.FAILED, SegmentState.PAUSED)
    return [item for item in publication_order(article) + companions if item.state in waiting]


def _check_pausable(article: Article, paused: bool) -> None:
    """Pausing or resuming one article that would change nothing says why."""
    if not _left(article):
        raise PublishingError(
            N_("Article {id} has nothing left to post: it is finished or cancelled."),
            id=article.id,
        )
    if paused and article.paused:
        raise PublishingError(
            N_("Article {id} is paused already; /resume {id} goes on."), id=article.id
        )
    if not paused and not article.paused:
        raise PublishingError(N_("Article {id} is not paused; see /status."), id=article.id)


async def pending_items(session: AsyncSession, article_id: int) -> int:
    """How many posts and polls of the article are still to go out (0: none, or no such
    article)."""
    article = await article_with_segments(session, article_id)
    return len(_left(article)) if article is not None else 0


def _retry_failed(article: Article) -> None:
    """Resuming also retries what failed (after the admin fixed, say, the bot's rights)."""
    for item in publication_order(article):
        if item.state is SegmentState.FAILED:
            item.state = SegmentState.SCHEDULED
            item.last_error = None


def respace_overdue(article: Article, now: datetime, policy: str) -> int:
    """Move missed slots (after downtime or a pause); returns how many posts moved."""
    pending = [
        s
        for s in sorted(article.segments, key=lambda s: s.position)
        if s.state is SegmentState.SCHEDULED and s.scheduled_at is not None
    ]
    if not pending or pending[0].scheduled_at is None or pending[0].scheduled_at >= now:
        return 0
    if policy == "burst":
        overdue = [s for s in pending if s.scheduled_at is not None and s.scheduled_at < now]
        for segment in overdue:
            segment.scheduled_at = now
        return len(overdue)
    shift = now - pending[0].scheduled_at
    for segment in pending:
        assert segment.scheduled_at is not None
        segment.scheduled_at += shift
    return len(pending)


async def catch_up(session: AsyncSession, now: datetime, policy: str) -> int:
    moved = 0
    for article in await queries.active_articles(session):
        moved += respace_overdue(article, now, policy)
    return moved


async def cancel_article(
    session: AsyncSession, article_id: int, *, actor_id: int | None, at: datetime
) -> tuple[int, int]:
    """Drop what is left to post; the posts and the lesson polls dropped, counted as
    scheduling counted them (a lesson's companion poll goes with it, uncounted)."""
    article = await article_with_segments(session, article_id)
    if article is None:
        raise PublishingError(N_("There is no article {id}; see /articles."), id=article_id)
    cancelled = posts = polls = 0
    for item in _left(article):
        item.state = SegmentState.CANCELLED
        cancelled += 1
        if isinstance(item, Segment):
            posts += 1
        elif not item.companion:
            polls += 1
    await record(
        session,
        actor_id,
        "cancel",
        f"article:{article_id}",
        {"cancelled": cancelled},
        at=at,
        channel_id=article.channel_id,
    )
    return posts, polls


@dataclass
class ArticleStatus:
    article: Article
    channel_key: str
    posted: int
    total: int
    polls_posted: int
    polls_total: int
    paused: bool
    paused_reason: str | None = None
    next_kind: str | None = None
    next_at: datetime | None = None
    failures: list[str] = field(default_factory=list)
    in_doubt: int = 0


async def status(session: AsyncSession) -> list[ArticleStatus]:
    result = []
    for article in await queries.active_articles(session, include_paused=True):
        order = publication_order(article)
        segments = [i for i in order if isinstance(i, Segment)]
        polls = [i for i in order if isinstance(i, Poll)]
        item = next_item(article)
        entry = ArticleStatus(
            article=article,
            channel_key=article.channel.key if article.channel else "?",
            posted=sum(s.state is SegmentState.POSTED for s in segments),
            total=len(segments),
            polls_posted=sum(p.state is SegmentState.POSTED for p in polls),
            polls_total=len(polls),
            paused=article.paused,
            paused_reason=article.paused_reason,
        )
        if item is not None:
            entry.next_kind = "post" if isinstance(item, Segment) else "poll"
            entry.next_at = item.scheduled_at if isinstance(item, Segment) else None
        for position, item_ in enumerate(order):
            if item_.state is SegmentState.FAILED:
                what = (
                    f"post {item_.position + 1}"
                    if isinstance(item_, Segment)
                    else f"poll {position}"
                )
                entry.failures.append(f"{what}: {item_.last_error}")
            if item_.state is SegmentState.SENDING:
                entry.in_doubt += 1
        result.append(entry)
    return result


async def finished_recently(
    session: AsyncSession, now: datetime, within: timedelta = timedelta(days=7)
) -> list[tuple[Article, datetime, bool]]:
    """Articles whose last post or poll went out within ``within``, newest first: each
    with that moment and whether it was cancelled before its end."""
    return list(await queries.finished_since(session, now - within))
