"""The running bot, wired once: database, Telegram client, services, handlers, inbox,
outbox and schedule. Each part lives in its own module; this one puts them together,
in order, and takes them apart again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import TelegramError
from telegram.ext import Application

import handlers
from bot.access import Access
from bot.clock import Clock, SystemClock
from bot.config import Config, DatabaseUnavailable
from bot.i18n import translator
from bot.inbox import ALLOWED_UPDATES, Inbox
from bot.outbox import OutboxSender
from bot.publishing.publisher import Publisher
from bot.publishing.service import catch_up
from bot.responses.comments import look_up_batch
from bot.rights import check_channels, people_checks
from bot.runtime.database import upgrade_or_explain
from bot.runtime.leases import Lease
from bot.runtime.polling import poll_until
from bot.runtime.scheduling import Schedule
from bot.runtime.services import SERVICES_KEY, Services
from bot.runtime.single_process import ProcessLock, hold_database, sqlite_file
from bot.runtime.storage import (
    OutageAnswers,
    StorageUnavailable,
    StorageWatch,
    storage_fault,
    storage_notice,
)
from bot.summaries.service import SummaryJobs
from bot.telegram.client import build_application
from db.engine import create_engine, create_reader_factory, create_session_factory
from db.models import User, use_clock
from db.queries.health import database_answers
from db.queries.outbox import release_claims

log = logging.getLogger(__name__)
# How often webhook mode looks for stored updates nobody handled (their process died).
STRANDED_UPDATES_SECONDS = 5.0


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
        self.schedule: Schedule | None = None
        self.summaries: SummaryJobs | None = None
        self.outbox: OutboxSender | None = None
        self.access: Access | None = None
        database = sqlite_file(config.database_url)
        self.storage = StorageWatch(
            self.clock,
            _database_place(config),
            notify=self._tell_about_storage,
            folder=database.resolve().parent if database is not None else None,
        )
        self._sending: asyncio.Task[None] | None = None
        self._database_lock: ProcessLock | None = None

    # ------------------------------------------------------------ start-up
    async def start(self) -> None:
        """Everything up, in order; a database that cannot store (read-only, full) stops the
        start with one line naming it, as nothing the bot does would last."""
        try:
            await self._start()
        except Exception as exc:
            if (reason := storage_fault(exc)) is None:
                raise
            await self.stop()
            raise DatabaseUnavailable(f"cannot store in {self.storage.where}: {reason}") from None

    async def _start(self) -> None:
        use_clock(self.clock.now)  # rows stamped "now" by default take this clock's time
        self._database_lock = hold_database(self.config)
        self.engine = create_engine(self.config.database_url)
        await upgrade_or_explain(self.config, self.engine)
        self.sessions = sessions = create_session_factory(self.engine)
        self.application = application = build_application(
            self.config,
            poll_timeout=self.poll_timeout,
            request_timeout=self.request_timeout,
            context_types=handlers.context_types(),
        )
        bot = application.bot
        self.access = access = Access(self.config, bot, self.clock)
        self.publisher = Publisher(sessions, bot, self.config, self.clock, access)
        self.summaries = SummaryJobs(sessions, bot, self.config, self.clock, access)
        self.outbox = OutboxSender(sessions, bot, self.clock, create_reader_factory(self.engine))
        self.schedule = Schedule(
            config=self.config,
            clock=self.clock,
            sessions=sessions,
            publisher=self.publisher,
            summaries=self.summaries,
            outbox=self.outbox,
            check_rights=self.check_rights,
        )
        application.bot_data[SERVICES_KEY] = Services(
            config=self.config,
            sessions=sessions,
            clock=self.clock,
            publisher=self.publisher,
            access=access,
            summaries=self.summaries,
            outbox=self.outbox,
            wake=self.schedule.wake,
            refresh_menu=handlers.refresh_menu,
        )
        handlers.register(application)
        await application.initialize()
        # Running (though updates come from the inbox, not PTB's queue) lets handlers
        # start tasks that outlive their update, awaited on stop.
        await application.start()
        await self.check_rights()
        for check in await people_checks(bot, self.config):
            if not check.ok:
                log.warning("%s", check.line())
        async with sessions() as session:
            staff = await access.staff(session)
        await handlers.publish_menus(bot, staff)
        if self._database_lock is not None:  # the only process: nothing is being sent
            async with sessions.begin() as session:
                await release_claims(session)
            async with sessions.begin() as session:
                moved = await catch_up(
                    session, self.clock.now(), self.config.publishing.missed_slots
                )
            if moved:
                log.info("re-spaced %d post(s) whose time passed while the bot was down", moved)
        else:  # perhaps one of several processes: the lease's holder publishes
            lease = Lease(sessions, self.clock, ttl=self.config.publishing.lease)
            self.schedule.lease = lease
            self.publisher.may_post = lease.still_held
            await self.schedule.lead()  # re-spaces what is overdue if it takes the lease
        await self._start_inbox(application)
        if self.use_scheduler:
            self.publisher.in_background = True
            self.publisher.on_channel_done = self.schedule.wake
            self.schedule.start()

    async def _start_inbox(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        assert self.sessions is not None
        self.inbox = Inbox(
            self.sessions,
            application,
            self.clock,
            poll_timeout=self.poll_timeout,
            report_to=list(self.config.admins),
            on_given_up=handlers.apologise,
            prepare=look_up_batch,
        )
        await self.inbox.start()
        if self.publisher is not None:
            self.publisher.handle_stored = self.inbox.process
        await self.inbox.process()  # stored before a crash, not yet handled
        if self.config.webhook.url is not None:
            return  # Telegram pushes what it holds once the webhook is set (run_webhook)
        lease = self.schedule.lease if self.schedule is not None else None
        if lease is not None and not lease.still_held():
            # Another process holds the lease and polls: any getUpdates from here, even
            # one that does not wait, ends its long poll with a Conflict.
            return
        # Drain what Telegram holds before publishing: an automatic forward there may
        # settle a send that was in doubt when the bot stopped. A webhook left from
        # webhook mode would make Telegram refuse getUpdates: polling removes it first.
        try:
            await application.bot.delete_webhook()
            while await self.inbox.fetch(0):
                await self.inbox.process()
        except TelegramError as exc:
            log.warning("could not drain pending updates: %s", exc)

    async def check_rights(self) -> dict[str, int]:
        """What the bot may do in each channel, acted on (see ``bot.rights``)."""
        assert self.application is not None
        assert self.sessions is not None
        assert self.access is not None
        resolved = await check_channels(
            self.application.bot, self.access, self.sessions, self.clock, self.config.secrets
        )
        if self.schedule is not None:
            self.schedule.rights_checked_at = self.clock.now()
        return resolved

    # -------------------------------------------------------------- running
    async def tick(self) -> datetime | None:
        """Run what is due now (see ``bot.runtime.scheduling``); when the next post is due."""
        assert self.schedule is not None
        return await self.schedule.tick()

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
        """Take, store and handle updates until ``stop`` is set (long polling, or webhook
        mode when the config names a webhook URL); replies go out beside."""
        assert self.inbox is not None
        assert self.outbox is not None
        self._sending = asyncio.create_task(self.outbox.run())
        if self.config.webhook.url is not None:
            await self.run_webhook(stop)
        else:
            lease = self.schedule.lease if self.schedule is not None else None
            assert self.access is not None
            await poll_until(
                stop,
                self.inbox,
                self.outbox,
                self.config.secrets,
                may_poll=lease.still_held if lease is not None else None,
                storage=self.storage,
                while_unstored=OutageAnswers(
                    self.inbox.bot, self.storage, self.access.everyone_in_charge
                ),
            )

    async def run_webhook(
        self, stop: asyncio.Event, *, on_listening: Callable[[int], None] | None = None
    ) -> None:
        """Serve Telegram's pushes until ``stop``; each is stored before it is answered, then
        handled here in order. The webhook stays set on stop: Telegram keeps what arrives
        meanwhile for the next start."""
        from bot.runtime.webhook import (  # aiohttp's server: not polling
            MAX_CONNECTIONS,
            WebhookServer,
        )

        assert self.inbox is not None
        assert self.outbox is not None
        assert self.application is not None
        inbox, outbox, webhook = self.inbox, self.outbox, self.config.webhook
        assert webhook.url is not None
        server = WebhookServer(
            url=webhook.url,
            listen=webhook.listen,
            secret=self.config.webhook_secret,
            store=self._store_pushed,
            healthy=self._health,
        )
        await server.start()
        try:
            if on_listening is not None:
                on_listening(server.port)
            await self.application.bot.set_webhook(
                webhook.url,
                secret_token=self.config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_CONNECTIONS,
            )
            stopping = asyncio.create_task(stop.wait())
            while not stop.is_set():
                arrived = asyncio.create_task(server.arrived.wait())
                # Also now and then without an arrival: another process may have stored
                # updates and died before handling them.
                await asyncio.wait(
                    {arrived, stopping},
                    timeout=STRANDED_UPDATES_SECONDS,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                arrived.cancel()
                server.arrived.clear()
                try:
                    await inbox.process()
                    await self.storage.worked()
                except StorageUnavailable as fault:  # they wait, stored; told once
                    await self.storage.failed(fault.reason)
                except Exception:  # stored updates wait; the next arrival tries again
                    log.exception("handling stored updates failed")
                outbox.wake()
            stopping.cancel()
        finally:
            await server.stop()

    async def _store_pushed(self, payloads: list[dict[str, Any]]) -> int:
        """A pushed update, stored before Telegram hears 200; a storage fault is a 503 (and
        told once), so Telegram keeps it and sends it again."""
        assert self.inbox is not None
        try:
            stored = await self.inbox.store(payloads)
        except StorageUnavailable as fault:
            await self.storage.failed(fault.reason)
            raise
        await self.storage.worked()
        return stored

    async def _health(self) -> str | None:
        """Why the bot cannot do its work now (``/healthz``), or None when it can."""
        if self.storage.problem is not None:
            return self.storage.problem
        assert self.sessions is not None
        try:
            async with self.sessions() as session:
                answers = await database_answers(session)
        except Exception:  # noqa: BLE001 - whatever the fault, the answer is the same
            answers = False
        return None if answers else "the database does not answer"

    async def _tell_about_storage(self, reason: str | None, where: str) -> None:
        """Straight to Telegram, not through the outbox (it is in the database): every
        operator and channel admin, each in their language when the database still reads."""
        if self.access is None or self.application is None:
            return
        bot = self.application.bot
        for person in sorted(await self.access.everyone_in_charge()):
            language = None
            with contextlib.suppress(Exception):
                assert self.sessions is not None
                async with self.sessions() as session:
                    user = await session.get(User, person)
                    language = user.language_code if user is not None else None
            with contextlib.suppress(TelegramError):
                await bot.send_message(person, storage_notice(translator(language), reason, where))

    async def stop(self) -> None:
        if self.schedule is not None:
            self.schedule.pause()
        if self.publisher is not None:
            await self.publisher.stop()
        if self.schedule is not None:
            await self.schedule.shutdown()
        if self.schedule is not None and self.schedule.lease is not None and self.schedule.leading:
            with contextlib.suppress(Exception):  # it expires by itself anyway
                await self.schedule.lease.release()
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
        if self._database_lock is not None:
            self._database_lock.release()
            self._database_lock = None

    async def __aenter__(self) -> NewsBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _database_place(config: Config) -> str:
    """Where the data lives, as people are told: the SQLite file, or the masked URL."""
    database = sqlite_file(config.database_url)
    return str(database.resolve()) if database is not None else config.database_display
