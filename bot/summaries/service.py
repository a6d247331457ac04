"""Making, sending and keeping weekly summaries; the stored summary guards against repeats.

What gathers and words a summary (``content``, ``render``) loads with the first summary:
a running bot holds ``SummaryJobs`` from the start but makes a summary once a week.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.access import Access
from bot.buttons import mini_app_keyboard
from bot.clock import Clock
from bot.config import ChannelConfig, Config
from bot.errors import NewsbotError
from bot.i18n import N_, Translator, translator
from bot.notices import tell
from bot.outbox import queue, queue_html
from bot.summaries.content import (
    ChartFigures,
    SummaryFigures,
    gather_chart_figures,
    gather_figures,
)
from bot.summaries.period import Period, latest_period, next_slot, parse_week
from bot.summaries.render import SummaryText, chart_description, render_summary
from bot.telegram.html import escape
from db.models import SummaryRequest, User, WeeklySummary
from db.queries import summaries as queries
from db.queries.channels import channel_by_key

log = logging.getLogger(__name__)


class SummaryError(NewsbotError):
    pass


@dataclass
class Chart:
    png: bytes
    alt: str  # what the chart shows, in words, for the caption


@dataclass
class Summary:
    channel: ChannelConfig
    period: Period
    dates: str  # the period as readers say it: "22–29 November"
    figures: SummaryFigures
    text: SummaryText
    chart: Chart | None

    @property
    def empty(self) -> bool:
        return self.figures.empty


def _load_libraries() -> None:
    import bot.summaries.chart  # noqa: F401 - Pillow, bidi and the fonts


def _draw_charts(
    charted: ChartFigures, title: str, dates: str, language: str
) -> tuple[bytes | None, bool, bool]:
    """The summary's one photo (None: nothing to draw), off the event loop, and whether it
    shows the lessons and the days."""
    from bot.summaries.chart import activity_figure, lesson_figure, png, stacked

    _ = translator(language)
    lessons = lesson_figure(charted.lessons, title, dates, _)
    days = activity_figure(charted.days, charted.activity, title, dates, _, language)
    return png(stacked(lessons, days)), lessons is not None, days is not None


async def build_summary(
    session: AsyncSession, channel: ChannelConfig, period: Period, now: datetime | None = None
) -> Summary:
    """``now``: a preview of the week in progress, which charts only the days so far."""
    row = await channel_by_key(session, channel.key)
    if row is None:
        raise SummaryError(N_("Channel {channel} has no data yet."), channel=channel.key)
    # Drawing holds the interpreter in part; reading is mostly SQLite, which lets go of it.
    # So the chart code loads while what the charts show is read, and the charts are
    # drawn while the rest is read.
    loading = asyncio.ensure_future(asyncio.to_thread(_load_libraries))
    charted = await gather_chart_figures(session, row, period, now)
    title = row.title or channel.key
    dates = period.dates(channel.zone, channel.language)

    async def draw() -> tuple[bytes | None, bool, bool]:
        await loading
        return await asyncio.to_thread(_draw_charts, charted, title, dates, channel.language)

    drawing = asyncio.ensure_future(draw())
    try:
        figures = await gather_figures(
            session,
            row,
            period,
            names=channel.summary_names,
            min_votes=channel.summary_min_votes,
            charted=charted,
        )
    finally:
        image, lessons_drawn, days_drawn = await drawing
    _ = translator(channel.language)
    alt = chart_description(_, figures, lessons=lessons_drawn, days=days_drawn)
    chart = Chart(image, alt) if image is not None else None
    text = render_summary(_, figures, title, dates, alt if chart else None)
    return Summary(channel, period, dates, figures, text, chart)


async def deliver(bot: Bot, chat_id: int, summary: Summary) -> int:
    """The chart with the caption (or the caption alone), then at most one more message,
    both silent: a weekly digest is read when the reader likes, not rung in. Returns the
    first message's id."""
    if summary.chart is not None:
        first = await bot.send_photo(
            chat_id,
            InputFile(summary.chart.png, filename=f"summary-{summary.period.label}.png"),
            caption=summary.text.caption,
            parse_mode=ParseMode.HTML,
            disable_notification=True,
        )
    else:
        first = await bot.send_message(
            chat_id,
            summary.text.caption,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
            disable_notification=True,
        )
    if summary.text.rest is not None:
        await bot.send_message(
            chat_id,
            summary.text.rest,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
            disable_notification=True,
        )
    return first.message_id


def queue_summary(
    session: AsyncSession,
    chat_id: int,
    summary: Summary,
    at: datetime,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """The same messages as ``deliver``, through the outbox: sent after the commit, and to a
    person who has not started the bot once they do; ``markup`` under the last of them."""
    last = markup if summary.text.rest is None else None
    if summary.chart is not None:
        params: dict[str, object] = {
            "caption": summary.text.caption,
            "parse_mode": ParseMode.HTML,
            "disable_notification": True,
        }
        if last is not None:
            params["reply_markup"] = last.to_dict()
        queue(
            session,
            chat_id,
            "sendPhoto",
            params,
            at=at,
            document=summary.chart.png,
            document_name=f"summary-{summary.period.label}.png",
        )
    else:
        queue_html(session, chat_id, summary.text.caption, at=at, silent=True, markup=last)
    if summary.text.rest is not None:
        queue_html(session, chat_id, summary.text.rest, at=at, silent=True, markup=markup)


async def already_posted(session: AsyncSession, channel: ChannelConfig, period: Period) -> bool:
    row = await channel_by_key(session, channel.key)
    stored = await queries.summary_for(session, row.id, period.start, period.end) if row else None
    return stored is not None and stored.posted_at is not None


async def request_post(
    session: AsyncSession, channel: ChannelConfig, period: Period, requested_by: int, at: datetime
) -> None:
    """Store an admin's confirmed [Post it]; the schedule's next tick posts it and tells
    them how it went (``SummaryJobs.run_requested``)."""
    row = await channel_by_key(session, channel.key)
    if row is None:
        raise SummaryError(N_("Channel {channel} has no data yet."), channel=channel.key)
    queries.add_request(session, row.id, period.label, requested_by, at)


class SummaryJobs:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        config: Config,
        clock: Clock,
        access: Access,
    ) -> None:
        self.sessions, self.bot, self.config, self.clock = sessions, bot, config, clock
        self.access = access  # the channel's admins get their copy
        self._lock = asyncio.Lock()

    def next_slot(self) -> datetime:
        now = self.clock.now()
        return min(next_slot(channel, now) for channel in self.config.channels)

    async def run_due(self) -> list[Summary]:
        """Post each channel's latest summary if its slot has come and it was not posted yet.

        Run by the scheduler at each slot and at start, so a summary missed while the
        bot was down is made up once; weeks before the channel was set up are skipped.
        """
        posted = []
        async with self._lock:
            for channel in self.config.channels:
                period = latest_period(channel, self.clock.now())
                async with self.sessions() as session:
                    row = await channel_by_key(session, channel.key)
                    if period.due > self.clock.now():
                        continue  # the week has ended; its slot is still ahead
                    if row is None or row.chat_id is None or row.created_at > period.end:
                        continue
                    stored = await queries.summary_for(session, row.id, period.start, period.end)
                    if stored is not None and stored.posted_at is not None:
                        continue
                try:
                    posted.append(await self._post(channel, period))
                except (TelegramError, SummaryError) as exc:
                    log.error("weekly summary for %s failed: %s", channel.key, exc)
        return posted

    async def run_requested(self) -> int:
        """Post what admins confirmed, each request once, and tell each admin how it went.
        A request whose summary went out just before a crash is told "already posted"."""
        async with self.sessions() as session:
            pending = await queries.pending_requests(session)
        for request, key in pending:
            report = await self._run_request(key, request.week)
            async with self.sessions.begin() as session:
                done = await session.get(SummaryRequest, request.id)
                assert done is not None
                done.done_at = self.clock.now()
                if report is not None:
                    await tell(session, [request.requested_by], report, self.clock.now())
        return len(pending)

    async def _run_request(self, key: str, week: str) -> Callable[[Translator], str] | None:
        """Post one requested week; what its admin is told (None: the channel is gone)."""
        try:
            channel = self.config.channel(key)
        except KeyError:
            return None
        period = parse_week(week, channel, self.clock.now())
        try:
            summary = await self.post_now(channel, period)
        except SummaryError as exc:
            error = exc
            return lambda _: escape(error.text(_))
        except TelegramError as exc:
            failure = escape(str(exc))
            return lambda _: failure
        dates = escape(summary.dates)
        return lambda _: _("The summary for {dates} is posted.").format(dates=dates)

    async def post_now(self, channel: ChannelConfig, period: Period) -> Summary:
        """Publish by hand; refuses a week already posted."""
        async with self._lock:
            async with self.sessions() as session:
                posted = await already_posted(session, channel, period)
            if posted:
                raise SummaryError(
                    N_("The summary for {dates} was already posted."),
                    dates=period.dates(channel.zone, channel.language),
                )
            return await self._post(channel, period, by_hand=True)

    async def _post(
        self, channel: ChannelConfig, period: Period, *, by_hand: bool = False
    ) -> Summary:
        """Store, then send. A week with nothing posted, said or voted is not posted to the
        channel: by hand that is an error; on schedule the week is marked done and the
        admins are told why nothing appeared."""
        async with self.sessions.begin() as session:
            summary = await build_summary(session, channel, period)
            if summary.empty and by_hand:
                raise SummaryError(
                    N_("Nothing to summarise for {dates}: no posts, comments or votes."),
                    dates=summary.dates,
                )
            row = await channel_by_key(session, channel.key)
            assert row is not None
            assert row.chat_id is not None
            stored = await queries.summary_for(session, row.id, period.start, period.end)
            if stored is None:
                # Stored before sending: the row is the guard against a second summary.
                stored = WeeklySummary(
                    channel_id=row.id,
                    period_start=period.start,
                    period_end=period.end,
                    html="",
                    figures={},
                    created_at=self.clock.now(),
                )
                session.add(stored)
            stored.html = summary.text.html
            stored.figures = summary.figures.to_json()
            chat_id = row.chat_id
            if summary.empty:
                stored.html, stored.posted_at = "", self.clock.now()
                dates, name = summary.dates, escape(row.title or channel.key)
                await tell(
                    session,
                    await self.access.team_of(channel.key),
                    lambda _: _(
                        "No weekly summary for {channel}, {dates}: nothing was posted, said or "
                        "voted, so nothing went to the channel."
                    ).format(channel=name, dates=dates),
                    self.clock.now(),
                )
                return summary
            await session.flush()
            summary_id = stored.id
        message_id = None
        if channel.summary_to in ("channel", "both"):
            message_id = await deliver(self.bot, chat_id, summary)
        async with self.sessions.begin() as session:
            done = await session.get(WeeklySummary, summary_id)
            assert done is not None
            done.posted_at = self.clock.now()
            done.message_id = message_id
            if channel.summary_to in ("admins", "both"):
                # The channel's own admins, in the outbox: one who has not started the bot
                # gets it when they do.
                for admin in sorted(await self.access.team_of(channel.key)):
                    known = await session.get(User, admin)
                    _ = translator(known.language_code if known else None)
                    markup = mini_app_keyboard(
                        self.config.web.url, _("Open the discussion"), "channels"
                    )
                    queue_summary(session, admin, summary, self.clock.now(), markup)
        return summary
