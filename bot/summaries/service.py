"""Making, sending and keeping weekly summaries; the stored summary guards against repeats."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.clock import Clock
from bot.config import ChannelConfig, Config
from bot.errors import NewsbotError
from bot.i18n import N_, translator
from bot.summaries.chart import lesson_chart
from bot.summaries.content import SummaryFigures, gather_figures
from bot.summaries.period import Period, latest_period, next_slot
from bot.summaries.render import SummaryText, render_summary
from db.models import WeeklySummary
from db.queries import summaries as queries
from db.queries.channels import channel_by_key

log = logging.getLogger(__name__)


class SummaryError(NewsbotError):
    pass


@dataclass
class Summary:
    channel: ChannelConfig
    period: Period
    figures: SummaryFigures
    text: SummaryText
    chart: bytes | None


async def build_summary(session: AsyncSession, channel: ChannelConfig, period: Period) -> Summary:
    row = await channel_by_key(session, channel.key)
    if row is None:
        raise SummaryError(N_("Channel {channel} has no data yet."), channel=channel.key)
    figures = await gather_figures(session, row, period)
    _ = translator(channel.language)
    text = render_summary(_, figures, row.title or channel.key)
    chart = await asyncio.to_thread(
        lesson_chart, figures.lessons, _("Lesson polls: how readers voted")
    )
    return Summary(channel, period, figures, text, chart)


async def deliver(bot: Bot, chat_id: int, summary: Summary) -> int:
    """A photo with the caption (or the caption alone), then the follow-ups; the first id."""
    if summary.chart is not None:
        first = await bot.send_photo(
            chat_id,
            InputFile(summary.chart, filename=f"summary-{summary.period.label}.png"),
            caption=summary.text.caption,
            parse_mode=ParseMode.HTML,
        )
    else:
        first = await bot.send_message(chat_id, summary.text.caption, parse_mode=ParseMode.HTML)
    for part in summary.text.follow_ups:
        await bot.send_message(
            chat_id, part, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    return first.message_id


async def already_posted(session: AsyncSession, channel: ChannelConfig, period: Period) -> bool:
    row = await channel_by_key(session, channel.key)
    stored = await queries.summary_for(session, row.id, period.start) if row else None
    return stored is not None and stored.posted_at is not None


class SummaryJobs:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], bot: Bot, config: Config, clock: Clock
    ) -> None:
        self.sessions, self.bot, self.config, self.clock = sessions, bot, config, clock
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
                    if row is None or row.chat_id is None or row.created_at > period.end:
                        continue
                    stored = await queries.summary_for(session, row.id, period.start)
                    if stored is not None and stored.posted_at is not None:
                        continue
                try:
                    posted.append(await self._post(channel, period))
                except (TelegramError, SummaryError) as exc:
                    log.error("weekly summary for %s failed: %s", channel.key, exc)
        return posted

    async def post_now(self, channel: ChannelConfig, period: Period) -> Summary:
        """Publish by hand; refuses a week already posted."""
        async with self._lock:
            async with self.sessions() as session:
                posted = await already_posted(session, channel, period)
            if posted:
                raise SummaryError(
                    N_("The summary for {week} was already posted."), week=period.label
                )
            return await self._post(channel, period)

    async def _post(self, channel: ChannelConfig, period: Period) -> Summary:
        async with self.sessions.begin() as session:
            summary = await build_summary(session, channel, period)
            row = await channel_by_key(session, channel.key)
            assert row is not None and row.chat_id is not None
            stored = await queries.summary_for(session, row.id, period.start)
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
            await session.flush()
            summary_id = stored.id
        targets = []
        if channel.summary_to in ("channel", "both"):
            targets.append(chat_id)
        if channel.summary_to in ("admins", "both"):
            targets.extend(self.config.admins)
        message_id = None
        for target in targets:
            try:
                sent = await deliver(self.bot, target, summary)
            except TelegramError as exc:
                if target == chat_id:
                    raise
                log.warning("summary not delivered to admin %s: %s", target, exc)
                continue
            if target == chat_id:
                message_id = sent
        async with self.sessions.begin() as session:
            done = await session.get(WeeklySummary, summary_id)
            assert done is not None
            done.posted_at = self.clock.now()
            done.message_id = message_id
        return summary
