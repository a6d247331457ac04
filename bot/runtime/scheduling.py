"""What runs by the clock: due posts, weekly summaries, retention, the outbox sweep and
the re-check of the bot's rights.

The database says what is due; ``tick`` runs it and asks the publisher when the next
post is due. ``run`` is one loop in the bot's task group: it ticks, then waits for the
next post, a wake-up (a schedule changed), the safety interval (30 s), or a channel's
weekly summary slot, which APScheduler's cron triggers keep in the channel's time zone
across daylight-saving changes. APScheduler's jobs only wake the loop; the work itself
runs in the loop, so stopping lets a tick under way finish and never cancels it
mid-query. A restart derives all of it again from the database.
"""

from __future__ import annotations

import asyncio
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
from bot.runtime.storage import storage_fault
from bot.summaries.service import SummaryJobs

log = logging.getLogger(__name__)
SAFETY_TICK = timedelta(seconds=30)
# How often a standby process asks whether the publisher is gone (one cheap query).
STANDBY_TICK = timedelta(seconds=2)


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
        wakeup: asyncio.Event,
        lease: Lease | None = None,
    ) -> None:
        """``wakeup`` is shared with whoever may change what is due (handlers, the
        publisher); ``lease``: several processes on PostgreSQL, only its holder runs
        what is due."""
        self.config, self.clock, self.sessions = config, clock, sessions
        self.publisher, self.summaries, self.outbox = publisher, summaries, outbox
        self._check_rights = check_rights
        self.rights_checked_at = datetime.min.replace(tzinfo=UTC)
        self._wakeup = wakeup
        self.lease = lease
        self.leading = False
        # The database stopped answering during a tick: what fell due meanwhile is
        # re-spaced before publishing goes on, as after a restart.
        self._interrupted = False

    def wake(self) -> None:
        """Look at the database again now (a schedule changed); asked for while a tick
        runs, it is one more tick right after it, never dropped."""
        self._wakeup.set()

    @property
    def safety_interval(self) -> timedelta:
        if self.lease is not None and not self.leading:  # a standby: ready to take over
            return STANDBY_TICK
        if self.lease is not None:  # renewed well before it runs out
            return min(SAFETY_TICK, self.lease.ttl / 3)
        return SAFETY_TICK

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop``; a tick under way finishes, each channel's send under way
        too, and the lease is handed back."""
        slots = self._summary_slots()
        slots.start()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wakeup.clear()  # a wake-up from here on means one more tick
                upcoming = await self.tick()
                waking = asyncio.ensure_future(self._wakeup.wait())
                await asyncio.wait(
                    {waking, stopping},
                    timeout=self._seconds_until(upcoming),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                waking.cancel()
        finally:
            stopping.cancel()
            slots.shutdown(wait=False)  # its jobs only wake this loop: nothing is cut off
            await self.publisher.stop()
            await self.release()

    def _summary_slots(self) -> AsyncIOScheduler:
        """One cron job a channel at its local summary time; a tick posts what is due."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        for channel in self.config.channels:
            scheduler.add_job(
                self._wake_job,
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
        return scheduler

    async def _wake_job(self) -> None:
        # A coroutine, so APScheduler runs it on the loop (a plain function would run in
        # a thread, where setting an asyncio.Event is not safe).
        self.wake()

    def _seconds_until(self, upcoming: datetime | None) -> float:
        """Real seconds to wait: the clock's delay to the next post, at most the safety
        interval."""
        wait = self.safety_interval
        if upcoming is not None:
            wait = min(wait, upcoming - self.clock.now())
        return max(wait.total_seconds(), 0.0)

    async def release(self) -> None:
        """On a clean stop, another process may take over at once (else it expires)."""
        if self.lease is not None:
            try:
                await self.lease.release()
            except Exception as exc:  # noqa: BLE001 - it runs out by itself anyway
                log_failure(log, "could not hand the publishing lease back", exc)
            self.leading = False

    async def check_rights(self) -> None:
        """What the bot may do in each channel, acted on (see ``bot.rights``)."""
        await self._check_rights()
        self.rights_checked_at = self.clock.now()

    async def lead(self) -> bool:
        """Whether this process does the scheduled work now: always with one process; with
        several, while it holds the lease. Taking it over, it first re-spaces what the
        previous holder left overdue, as a restart would."""
        if self.lease is None:
            return True
        held = await self.lease.hold()
        if held and not self.leading:
            await self._respace("this process now publishes")
        self.leading = held
        return held

    async def tick(self) -> datetime | None:
        """Run what is due; the next wake-up is derived from the database again. Nothing
        raised here ends the loop: a failure is logged (once a minute) and tried again."""
        try:
            if not await self.lead():
                return None  # another process publishes; the safety tick looks again
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "could not renew the publishing lease", exc)
            # Held or not, it is taken again (and what fell due re-spaced) once the
            # database answers.
            self.leading = False
            return None
        await self.run_summaries()  # also makes up a summary missed while the bot was down
        await self.apply_retention()
        await self.sweep_outbox()
        if self.clock.now() - self.rights_checked_at >= REFRESH_EVERY:
            try:
                await self.check_rights()  # stamps rights_checked_at when it succeeds
            except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
                log_failure(log, "checking the bot's rights failed", exc)
        try:
            if self._interrupted:
                await self._respace("the database answers again")
            upcoming = await self.publisher.tick()
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "publishing tick failed", exc)
            self._interrupted = self._interrupted or storage_fault(exc) is not None
            return None
        return upcoming

    async def _respace(self, why: str) -> None:
        async with self.sessions.begin() as session:
            moved = await catch_up(session, self.clock.now(), self.config.publishing.missed_slots)
        self._interrupted = False
        log.info("%s: publishing goes on (re-spaced %d overdue post(s))", why, moved)

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
            # Admins' confirmed [Post it] first: asked for by hand, it is answered as such.
            requested = await self.summaries.run_requested()
            scheduled = await self.summaries.run_due()
            if scheduled or requested:
                self.outbox.wake()  # the admins' copies and reports wait in the outbox
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "weekly summaries failed", exc)
