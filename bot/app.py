"""The running bot: database, Telegram connection, handlers, inbox and scheduler, wired once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

import handlers
from bot.access import Access
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.inbox import Inbox
from bot.logs import redact
from bot.outbox import OutboxSender
from bot.privacy import apply_retention, sweep_raw_updates
from bot.publishing.publisher import Publisher
from bot.publishing.service import catch_up
from bot.rate_limits import MessageRateLimiter
from bot.rights import REFRESH_EVERY, apply_access, channel_access, people_checks
from bot.runtime import upgrade_or_explain
from bot.services import SERVICES_KEY, Services
from bot.summaries.service import SummaryJobs
from db.engine import create_engine, create_session_factory
from db.models import use_clock

log = logging.getLogger(__name__)
SAFETY_TICK = timedelta(seconds=30)
# python-telegram-bot 23 makes retry_after a timedelta; opt in now.
os.environ.setdefault("PTB_TIMEDELTA", "1")


class NewsBot:
    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        use_scheduler: bool = True,
        poll_timeout: int = 10,
        request_timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.use_scheduler = use_scheduler
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.publisher: Publisher | None = None
        self.inbox: Inbox | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.summaries: SummaryJobs | None = None
        self.outbox: OutboxSender | None = None
        self._rights_checked_at = datetime.min.replace(tzinfo=UTC)
        self._sending: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ start-up
    async def start(self) -> None:
        use_clock(self.clock.now)  # rows stamped "now" by default take this clock's time
        self.engine = create_engine(self.config.database_url)
        await upgrade_or_explain(self.config, self.engine)
        self.sessions = create_session_factory(self.engine)
        base = self.config.api_base_url
        token = self.config.token.get_secret_value()
        application = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .request(
                HTTPXRequest(
                    connect_timeout=5.0,
                    read_timeout=self.request_timeout,
                    write_timeout=self.request_timeout,
                    connection_pool_size=16,
                )
            )
            .get_updates_request(
                HTTPXRequest(connect_timeout=5.0, read_timeout=self.poll_timeout + 15.0)
            )
            .rate_limiter(MessageRateLimiter(max_retries=2))
            .updater(None)
            .context_types(handlers.context_types())
            .build()
        )
        self.application = application
        self.publisher = Publisher(self.sessions, application.bot, self.config, self.clock)
        access = Access(self.config, application.bot, self.clock)
        self.summaries = SummaryJobs(self.sessions, application.bot, self.config, self.clock)
        self.outbox = OutboxSender(self.sessions, application.bot, self.clock)
        application.bot_data[SERVICES_KEY] = Services(
            config=self.config,
            sessions=self.sessions,
            clock=self.clock,
            publisher=self.publisher,
            access=access,
            summaries=self.summaries,
            outbox=self.outbox,
            wake=self.wake,
        )
        handlers.register(application)
        await application.initialize()
        # Running (though updates come from the inbox, not PTB's queue) lets handlers
        # start tasks that outlive their update, awaited on stop.
        await application.start()
        access.channel_chat_ids = await self.check_rights()
        for check in await people_checks(application.bot, self.config):
            if not check.ok:
                log.warning("%s", check.line())
        await self._register_commands()
        async with self.sessions.begin() as session:
            moved = await catch_up(session, self.clock.now(), self.config.publishing.missed_slots)
        if moved:
            log.info("re-spaced %d post(s) whose time passed while the bot was down", moved)
        self.inbox = Inbox(
            self.sessions,
            application,
            self.clock,
            poll_timeout=self.poll_timeout,
            report_to=list(self.config.admins),
            on_given_up=handlers.apologise,
        )
        await self.inbox.start()
        await self.inbox.process()  # stored before a crash, not yet handled
        # Drain what Telegram holds before publishing: an automatic forward there may
        # settle a send that was in doubt when the bot stopped.
        try:
            while await self.inbox.fetch(0):
                await self.inbox.process()
        except TelegramError as exc:
            log.warning("could not drain pending updates: %s", exc)
        if self.use_scheduler:
            self.scheduler = AsyncIOScheduler(timezone=UTC)
            self.scheduler.add_job(
                self.tick,
                "interval",
                seconds=SAFETY_TICK.total_seconds(),
                id="safety-tick",
                coalesce=True,
                max_instances=1,
            )
            for channel in self.config.channels:
                # One weekly job per channel, at its local time; APScheduler follows DST.
                self.scheduler.add_job(
                    self.run_summaries,
                    CronTrigger(
                        day_of_week=channel.summary_day,
                        hour=channel.summary_time.hour,
                        minute=channel.summary_time.minute,
                        timezone=channel.zone,
                    ),
                    id=f"summary-{channel.key}",
                    misfire_grace_time=3600,
                    coalesce=True,
                )
            self.scheduler.start()
            self.wake()

    async def check_rights(self) -> list[int]:
        """Ask Telegram what the bot may do in each channel and act on it (see bot.rights);
        returns the channels' chat ids. Failed checks go to the log, and the admins hear of
        what they must fix."""
        assert self.application is not None
        assert self.sessions is not None
        bot = self.application.bot
        resolved = []
        for channel in self.config.channels:
            try:
                access = await channel_access(bot, channel, bot.bot)
            except TelegramError as exc:
                # Unreachable for now: nothing is concluded about the bot's rights.
                log.warning(
                    "could not check channel %s: %s",
                    channel.key,
                    redact(str(exc), self.config.secrets),
                )
                continue
            for check in access.checks:
                if not check.ok:
                    (log.error if check.required else log.warning)("%s", check.line())
            async with self.sessions.begin() as session:
                await apply_access(session, self.config, access, self.clock.now())
            if access.chat_id is not None:
                resolved.append(access.chat_id)
        self._rights_checked_at = self.clock.now()
        return resolved

    async def _register_commands(self) -> None:
        """Command menus by role; channel administrators are admins too."""
        assert self.application is not None
        access = self.application.bot_data[SERVICES_KEY].access
        admins = set(self.config.admins) | await access.channel_admins()
        await handlers.publish_menus(self.application.bot, admins, set(self.config.moderators))

    # ---------------------------------------------------------- scheduling
    async def tick(self) -> datetime | None:
        """Run what is due; the next wake-up is derived from the database again."""
        assert self.publisher is not None
        await self.run_summaries()  # also makes up a summary missed while the bot was down
        await self.apply_retention()
        await self.sweep_outbox()
        if self.clock.now() - self._rights_checked_at >= REFRESH_EVERY:
            try:
                await self.check_rights()
            except Exception:
                log.exception("checking the bot's rights failed")
        try:
            upcoming = await self.publisher.tick()
        except Exception:
            log.exception("publishing tick failed")
            return None
        if upcoming is not None and self.scheduler is not None:
            real_delay = max((upcoming - self.clock.now()).total_seconds(), 0.0)
            self.scheduler.add_job(
                self.tick,
                "date",
                run_date=datetime.now(UTC) + timedelta(seconds=real_delay),
                id="next-due",
                replace_existing=True,
                misfire_grace_time=None,
            )
        return upcoming

    async def apply_retention(self) -> None:
        assert self.sessions is not None
        try:
            async with self.sessions.begin() as session:
                erased = await apply_retention(
                    session, self.clock.now(), self.config.privacy.retention_days
                )
                swept = await sweep_raw_updates(
                    session,
                    self.clock.now(),
                    self.config.inbox.keep_processed,
                    self.config.inbox.keep_quarantined,
                )
            if erased:
                log.info("retention: erased %d old comment(s)", erased)
            if swept:
                log.debug("retention: deleted %d handled raw update(s)", swept)
        except Exception:
            log.exception("retention failed")

    async def sweep_outbox(self) -> None:
        assert self.outbox is not None
        try:
            await self.outbox.sweep()
        except Exception:
            log.exception("outbox sweep failed")

    async def run_summaries(self) -> None:
        assert self.summaries is not None
        try:
            await self.summaries.run_due()
        except Exception:
            log.exception("weekly summaries failed")

    def wake(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(
                self.tick,
                "date",
                run_date=datetime.now(UTC),
                id="next-due",
                replace_existing=True,
                misfire_grace_time=None,
            )

    # -------------------------------------------------------------- running
    async def handle_pending(self) -> int:
        """Fetch and handle what Telegram holds now, and send the replies: one step of ``run``
        without waiting, for the demo and tests on a manual clock."""
        assert self.inbox is not None
        assert self.outbox is not None
        total = 0
        while await self.inbox.fetch(0):
            total += await self.inbox.process()
        total += await self.inbox.process()
        await self.outbox.send_due()
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch, store and handle updates until ``stop`` is set."""
        assert self.inbox is not None
        assert self.outbox is not None
        backoff = 1.0
        # Replies go out beside intake, never in its way.
        self._sending = asyncio.create_task(self.outbox.run())
        stopping = asyncio.create_task(stop.wait())
        while not stop.is_set():
            try:
                fetching = asyncio.create_task(self.inbox.fetch())
                await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetching.done():
                    # Stopping mid long-poll loses nothing: no batch was stored or confirmed.
                    fetching.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await fetching
                    break
                fetching.result()
                await self.inbox.process()
                self.outbox.wake()
                backoff = 1.0
                continue
            except RetryAfter as exc:
                delay = (
                    exc.retry_after.total_seconds()
                    if isinstance(exc.retry_after, timedelta)
                    else float(exc.retry_after)
                )
            except Conflict as exc:
                log.error("another instance is polling this bot: %s", exc)
                delay = 5.0
            except NetworkError as exc:
                log.warning(
                    "Telegram unreachable: %s",
                    redact(str(exc), self.config.secrets),
                )
                delay, backoff = backoff, min(backoff * 2, 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.outbox is not None:
            await self.outbox.stop()
        if self._sending is not None:
            await self._sending
        if self.application is not None:
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()
        if self.engine is not None:
            await self.engine.dispose()

    async def __aenter__(self) -> NewsBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
