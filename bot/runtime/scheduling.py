"""What runs by the clock: due posts, weekly summaries, retention, the outbox sweep and
the re-check of the bot's rights.

The database says what is due; ``tick`` runs it and asks the publisher when the next
post is due, and one APScheduler job is set for that moment (plus a safety tick every
30 s and one weekly job per channel at its local summary time, which APScheduler keeps
across daylight-saving changes). A restart derives all of it again from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Config
from bot.logs import log_failure
from bot.outbox import OutboxSender
from bot.privacy import apply_retention, sweep_raw_updates
from bot.publishing.publisher import Publisher
from bot.publishing.service import catch_up
from bot.rights import REFRESH_EVERY
from bot.runtime.leases import Lease
from bot.summaries.service import SummaryJobs

log = logging.getLogger(__name__)
SAFETY_TICK = timedelta(seconds=30)
# Jobs asking for a tick while one runs only leave word and return (see run_ticks).
_ASKS_AT_ONCE = 100


class Schedule:
    def __init__(
        self,
        *,
        config: Config,
        clock: Clock,
        sessions: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        summaries: SummaryJobs,
        outbox: OutboxSender,
        check_rights: Callable[[], Awaitable[object]],
    ) -> None:
        self.config, self.clock, self.sessions = config, clock, sessions
        self.publisher, self.summaries, self.outbox = publisher, summaries, outbox
        self.check_rights = check_rights
        self.rights_checked_at = datetime.min.replace(tzinfo=UTC)
        self.scheduler: AsyncIOScheduler | None = None
        self._ticking = False
        self._tick_again = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        # Several processes on PostgreSQL: only the lease's holder runs what follows.
        self.lease: Lease | None = None
        self.leading = False

    def start(self) -> None:
        """Run by real time (production); tests call ``tick`` on a manual clock instead."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        every = SAFETY_TICK
        if self.lease is not None:  # renewed well before it runs out
            every = min(every, self.lease.ttl / 3)
        self.scheduler.add_job(
            self.run_ticks,
            "interval",
            seconds=every.total_seconds(),
            id="safety-tick",
            coalesce=True,
            max_instances=_ASKS_AT_ONCE,
        )
        for channel in self.config.channels:
            self.scheduler.add_job(
                self.run_ticks,  # a tick posts what is due, summaries included
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

    def pause(self) -> None:
        """No tick starts from now on (stopping); one under way goes on."""
        self._closing = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()

    async def shutdown(self, within: float = 30.0) -> None:
        """Let a tick under way finish, then stop the scheduler: its shutdown cancels the
        jobs still running, which would cut a tick off mid-query."""
        self.pause()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def wake(self) -> None:
        """Look at the database again now (a schedule changed)."""
        self._at(datetime.now(UTC))

    def _at(self, moment: datetime) -> None:
        # APScheduler runs on real time; the clock's delay is turned into a real moment.
        if self.scheduler is not None:
            self.scheduler.add_job(
                self.run_ticks,
                "date",
                run_date=moment,
                id="next-due",
                replace_existing=True,
                misfire_grace_time=None,
                max_instances=_ASKS_AT_ONCE,
            )

    async def run_ticks(self) -> None:
        """What the jobs call. A tick asked for while one runs is run right after it: never
        dropped (APScheduler skips a job whose earlier run has not finished, which lost the
        wake-up a tick sets for the post due next, or an admin's /publish, for up to the
        safety tick's 30 s)."""
        self._tick_again = True
        if self._ticking or self._closing:
            return
        self._ticking = True
        self._idle.clear()
        try:
            while self._tick_again:
                self._tick_again = False
                await self.tick()
        finally:
            self._ticking = False
            self._idle.set()

    async def lead(self) -> bool:
        """Whether this process does the scheduled work now: always with one process; with
        several, while it holds the lease. Taking it over, it first re-spaces what the
        previous holder left overdue, as a restart would."""
        if self.lease is None:
            return True
        held = await self.lease.hold()
        if held and not self.leading:
            async with self.sessions.begin() as session:
                moved = await catch_up(
                    session, self.clock.now(), self.config.publishing.missed_slots
                )
            log.info("this process now publishes (re-spaced %d overdue post(s))", moved)
        self.leading = held
        return held

    async def tick(self) -> datetime | None:
        """Run what is due; the next wake-up is derived from the database again."""
        if not await self.lead():
            return None  # another process publishes; the safety tick looks again
        await self.run_summaries()  # also makes up a summary missed while the bot was down
        await self.apply_retention()
        await self.sweep_outbox()
        if self.clock.now() - self.rights_checked_at >= REFRESH_EVERY:
            try:
                await self.check_rights()  # stamps rights_checked_at when it succeeds
            except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
                log_failure(log, "checking the bot's rights failed", exc)
        try:
            upcoming = await self.publisher.tick()
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "publishing tick failed", exc)
            return None
        if upcoming is not None:
            real_delay = max((upcoming - self.clock.now()).total_seconds(), 0.0)
            self._at(datetime.now(UTC) + timedelta(seconds=real_delay))
        return upcoming

    async def apply_retention(self) -> None:
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
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "retention failed", exc)

    async def sweep_outbox(self) -> None:
        try:
            await self.outbox.sweep()
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "outbox sweep failed", exc)

    async def run_summaries(self) -> None:
        try:
            if await self.summaries.run_due():
                self.outbox.wake()  # the admins' copies wait in the outbox
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "weekly summaries failed", exc)
