"""The running bot, wired once: database, Telegram client, services, handlers, inbox,
outbox and schedule. Each part lives in its own module; this one puts them together,
in order, and takes them apart again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

import handlers
from bot.access import Access
from bot.articles.feeds import FeedJobs
from bot.articles.links import LinkJobs
from bot.clock import Clock, ServerClock, SystemClock
from bot.config import Config, DatabaseUnavailable
from bot.i18n import translator
from bot.inbox import ALLOWED_UPDATES, Inbox
from bot.logs import log_failure, redact
from bot.outbox import OutboxSender
from bot.publishing.publisher import Publisher
from bot.publishing.service import catch_up
from bot.responses.comments import look_up_batch
from bot.rights import check_channels, people_checks
from bot.runtime.database import unavailable, upgrade_or_explain
from bot.runtime.leases import Lease
from bot.runtime.polling import poll_until
from bot.runtime.scheduling import Schedule
from bot.runtime.services import SERVICES_KEY, Services
from bot.runtime.single_process import hold_database, sqlite_file
from bot.runtime.sources import Sources
from bot.runtime.storage import (
    OutageAnswers,
    StorageUnavailable,
    StorageWatch,
    storage_fault,
    storage_notice,
)
from bot.runtime.webhook import WebhookServer
from bot.summaries.service import SummaryJobs
from bot.telegram.client import build_application
from db.engine import create_engine, create_reader_factory, create_session_factory
from db.models import User
from db.queries.health import database_answers
from db.queries.outbox import release_claims

log = logging.getLogger(__name__)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# How often webhook mode looks for stored updates nobody handled (their process died).
STRANDED_UPDATES_SECONDS = 5.0
# How long, behind a webhook, updates gather before they are handled together.
WEBHOOK_BATCH_WINDOW = 0.05
# How long, behind a webhook, an update waits for an earlier one still on its way (Telegram
# sends several at once): longer than a request takes, shorter than anyone notices.
GAP_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Parts:
    """The running bot's parts, each built complete, once, in order (``NewsBot.start``)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    application: AnyApplication
    access: Access
    inbox: Inbox
    outbox: OutboxSender
    summaries: SummaryJobs
    publisher: Publisher
    schedule: Schedule
    sources: Sources


class NewsBot:
    """Start builds the parts; ``run`` runs every background job (intake, the outbox's
    sender, the schedule) in one task group until asked to stop, each ending in order;
    stop takes the parts down in the reverse of how they were built."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        use_scheduler: bool = True,
        poll_timeout: int = 10,
        request_timeout: float = 10.0,
    ) -> None:
        """``use_scheduler=False`` (the demo, tests on a manual clock): nothing runs by
        itself; ``tick`` and ``handle_pending`` do one step each when called."""
        self.config = config
        self.clock = clock or (ServerClock() if config.follow_api_clock else SystemClock())
        self.use_scheduler = use_scheduler
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        database = sqlite_file(config.database_url)
        self.storage = StorageWatch(
            self.clock,
            _database_place(config),
            notify=self._tell_about_storage,
            folder=database.resolve().parent if database is not None else None,
        )
        self._parts: Parts | None = None
        self._teardown = contextlib.AsyncExitStack()

    @property
    def parts(self) -> Parts:
        if self._parts is None:
            raise RuntimeError("the bot is not started")
        return self._parts

    # ------------------------------------------------------------ start-up
    async def start(self) -> None:
        """Everything up, in order; a database that cannot store (read-only, full) stops the
        start with one line naming it, as nothing the bot does would last."""
        try:
            await self._start()
        except Exception as exc:
            await self.stop()
            if (reason := storage_fault(exc)) is not None:
                raise DatabaseUnavailable(
                    f"cannot store in {self.storage.where}: {reason}"
                ) from None
            if isinstance(exc, SQLAlchemyError | OSError):  # one line, not a traceback
                raise unavailable(self.config, exc) from None
            raise

    async def _start(self) -> None:
        config, clock, teardown = self.config, self.clock, self._teardown
        database_lock = hold_database(config)  # None: perhaps one of several processes
        if database_lock is not None:
            teardown.callback(database_lock.release)
        engine = create_engine(config.database_url)
        teardown.push_async_callback(engine.dispose)
        await upgrade_or_explain(config, engine)
        sessions = create_session_factory(engine)
        application = build_application(
            config,
            poll_timeout=self.poll_timeout,
            request_timeout=self.request_timeout,
            context_types=handlers.context_types(),
            on_server_date=clock.observe if isinstance(clock, ServerClock) else None,
        )
        bot = application.bot
        access = Access(config, bot, clock)
        lease = (
            None
            if database_lock is not None
            else Lease(sessions, clock, ttl=config.publishing.lease, engine=engine)
        )
        wakeup = asyncio.Event()
        if isinstance(clock, ServerClock):
            clock.on_jump(wakeup.set)  # what fell due by the jump goes out now
        inbox = Inbox(
            sessions,
            application,
            clock,
            poll_timeout=self.poll_timeout,
            report_to=list(config.admins),
            on_given_up=handlers.apologise,
            prepare=look_up_batch,
            gap_grace=GAP_GRACE_SECONDS if config.webhook.url is not None else None,
        )
        outbox = OutboxSender(sessions, bot, clock, create_reader_factory(engine))
        summaries = SummaryJobs(sessions, bot, config, clock, access)
        publisher = Publisher(
            sessions,
            bot,
            config,
            clock,
            access,
            background=self.use_scheduler,
            on_channel_done=wakeup.set,
            may_post=lease.still_held if lease is not None else None,
            fence=lease.fence if lease is not None else None,
            handle_stored=inbox.process,
        )
        schedule = Schedule(
            config=config,
            clock=clock,
            sessions=sessions,
            publisher=publisher,
            summaries=summaries,
            outbox=outbox,
            check_rights=lambda: check_channels(bot, access, sessions, clock, config.secrets),
            wakeup=wakeup,
            lease=lease,
        )
        sources = Sources(
            LinkJobs(sessions, config, clock), FeedJobs(sessions, config, clock, access), clock
        )
        application.bot_data[SERVICES_KEY] = Services(
            config=config,
            sessions=sessions,
            clock=clock,
            publisher=publisher,
            access=access,
            summaries=summaries,
            outbox=outbox,
            wake=wakeup.set,
            fetch=sources.wake,
            refresh_menu=handlers.refresh_menu,
        )
        handlers.register(application)
        await application.initialize()
        teardown.push_async_callback(application.shutdown)
        # Running (though updates come from the inbox, not PTB's queue) lets handlers
        # start tasks that outlive their update, awaited on stop.
        await application.start()
        teardown.push_async_callback(application.stop)
        teardown.push_async_callback(publisher.stop)  # a tick's channel tasks, if any
        teardown.push_async_callback(schedule.release)
        self._parts = Parts(
            engine=engine,
            sessions=sessions,
            application=application,
            access=access,
            inbox=inbox,
            outbox=outbox,
            summaries=summaries,
            publisher=publisher,
            schedule=schedule,
            sources=sources,
        )
        await sources.feeds.follow_configured()
        await schedule.check_rights()
        for check in await people_checks(bot, config):
            if not check.ok:
                log.warning("%s", check.line())
        async with sessions() as session:
            staff = await access.staff(session)
        await handlers.publish_menus(bot, staff)
        if lease is None:  # the only process: nothing is being sent
            async with sessions.begin() as session:
                await release_claims(session)
            async with sessions.begin() as session:
                moved = await catch_up(session, clock.now(), config.publishing.missed_slots)
            if moved:
                log.info("re-spaced %d post(s) whose time passed while the bot was down", moved)
        else:  # perhaps one of several processes: the lease's holder publishes
            await schedule.lead()  # re-spaces what is overdue if it takes the lease
        await self._start_inbox(inbox, lease)

    async def _start_inbox(self, inbox: Inbox, lease: Lease | None) -> None:
        await inbox.start()
        await inbox.process()  # stored before a crash, not yet handled
        if self.config.webhook.url is not None:
            return  # Telegram pushes what it holds once the webhook is set (run_webhook)
        if lease is not None and not lease.still_held():
            # Another process holds the lease and polls: any getUpdates from here, even
            # one that does not wait, ends its long poll with a Conflict.
            return
        # Drain what Telegram holds before publishing: an automatic forward there may
        # settle a send that was in doubt when the bot stopped. A webhook left from
        # webhook mode would make Telegram refuse getUpdates: polling removes it first.
        try:
            await inbox.bot.delete_webhook()
            while await inbox.fetch(0):
                await inbox.process()
        except TelegramError as exc:
            log.warning("could not drain pending updates: %s", exc)

    async def check_rights(self) -> None:
        """What the bot may do in each channel, acted on (see ``bot.rights``)."""
        await self.parts.schedule.check_rights()

    # -------------------------------------------------------------- running
    async def tick(self) -> datetime | None:
        """Run what is due now (see ``bot.runtime.scheduling``); when the next post is due."""
        return await self.parts.schedule.tick()

    async def fetch_due(self) -> int:
        """Import the links admins sent and check the feeds that are due, now: what the
        sources' loop does in ``run``, for the demo and tests on a manual clock."""
        done = await self.parts.sources.run_due()
        await self.parts.outbox.send_due()
        return done

    async def handle_pending(self) -> int:
        """Fetch and handle what Telegram holds now, and send the replies: one step of ``run``
        without waiting, for the demo and tests on a manual clock."""
        inbox, outbox = self.parts.inbox, self.parts.outbox
        total = 0
        while await inbox.fetch(0):
            total += await inbox.process()
        total += await inbox.process()
        await outbox.send_due()
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Every background job in one task group until ``stop`` is set: intake (long
        polling, or webhook mode when the config names a webhook URL), the outbox's sender
        and, unless ``use_scheduler`` is off, the schedule. Each ends by itself on ``stop``,
        letting the work under way finish; a job that fails stops the others."""
        parts = self.parts
        async with asyncio.TaskGroup() as jobs:
            jobs.create_task(parts.outbox.run(stop), name="newsbot: outbox")
            if self.config.webhook.url is not None:
                jobs.create_task(self.run_webhook(stop), name="newsbot: webhook intake")
            else:
                jobs.create_task(self._poll(stop), name="newsbot: polling intake")
            if self.config.web.url is not None:
                jobs.create_task(self.run_mini_app(stop), name="newsbot: mini app")
            if self.use_scheduler:
                jobs.create_task(parts.schedule.run(stop), name="newsbot: schedule")
                jobs.create_task(
                    parts.sources.run(stop, on_done=parts.outbox.wake), name="newsbot: sources"
                )

    async def _poll(self, stop: asyncio.Event) -> None:
        parts = self.parts
        lease = parts.schedule.lease
        await poll_until(
            stop,
            parts.inbox,
            parts.outbox,
            self.config.secrets,
            may_poll=lease.still_held if lease is not None else None,
            storage=self.storage,
            while_unstored=OutageAnswers(
                parts.inbox.bot, self.storage, parts.access.everyone_in_charge
            ),
        )

    async def run_mini_app(self, stop: asyncio.Event) -> None:
        """The Mini App's pages (``bot.web``) until ``stop``, and its menu button for each
        admin and moderator."""
        from bot.web.server import MiniApp, serve  # Jinja2 loads only where it is served

        parts, web = self.parts, self.config.web
        assert web.url is not None
        bot = parts.application.bot
        app = MiniApp(self.config, parts.sessions, parts.access, self.clock, bot)
        async with parts.sessions() as session:
            staff = await parts.access.staff(session)
            languages = {}
            for person in staff:
                known = await session.get(User, person)
                languages[person] = known.language_code if known else None
        await handlers.publish_mini_app_button(bot, web.url, languages)
        await serve(app, web.url, web.listen, stop)

    async def run_webhook(
        self, stop: asyncio.Event, *, on_listening: Callable[[int], None] | None = None
    ) -> None:
        """Serve Telegram's pushes until ``stop``; each is stored before it is answered, then
        handled here in order. The webhook stays set on stop: Telegram keeps what arrives
        meanwhile for the next start."""
        parts, webhook = self.parts, self.config.webhook
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
            if not await self._set_webhook(stop):
                return
            stopping = asyncio.ensure_future(stop.wait())
            while not stop.is_set():
                arrived = asyncio.ensure_future(server.arrived.wait())
                # Also now and then without an arrival: another process may have stored
                # updates and died before handling them.
                await asyncio.wait(
                    {arrived, stopping},
                    timeout=STRANDED_UPDATES_SECONDS,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if arrived.done() and not stop.is_set():
                    # Let the requests arriving meanwhile join the batch: one pass over
                    # many updates costs far less a comment than many passes over a few.
                    await asyncio.wait({stopping}, timeout=WEBHOOK_BATCH_WINDOW)
                arrived.cancel()
                server.arrived.clear()
                try:
                    await parts.inbox.process()
                    await self.storage.worked()
                except StorageUnavailable as fault:  # they wait, stored; told once
                    await self.storage.failed(fault.reason)
                except Exception as exc:  # noqa: BLE001 - they wait; the next arrival tries again
                    log_failure(log, "handling stored updates failed", exc)
                parts.outbox.wake()
            stopping.cancel()
        finally:
            await server.stop()

    async def _set_webhook(self, stop: asyncio.Event) -> bool:
        """Tell Telegram where to push, trying again with back-off while it cannot be
        reached (the server is listening meanwhile); False if stopped first."""
        webhook, delay = self.config.webhook, 1.0
        while not stop.is_set():
            try:
                await self.parts.application.bot.set_webhook(
                    webhook.url,
                    secret_token=self.config.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=webhook.max_connections,
                )
                return True
            except RetryAfter as exc:
                wait = exc.retry_after
                delay = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            except NetworkError as exc:  # TimedOut too: Telegram may have set it, or not
                log.warning(
                    "could not set the webhook (%s); trying again in %.0f s",
                    redact(str(exc), self.config.secrets),
                    delay,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, 30.0)
        return False

    async def _store_pushed(self, payloads: list[dict[str, Any]]) -> int:
        """A pushed update, stored before Telegram hears 200; a storage fault is a 503 (and
        told once), so Telegram keeps it and sends it again."""
        try:
            stored = await self.parts.inbox.store(payloads)
        except StorageUnavailable as fault:
            await self.storage.failed(fault.reason)
            raise
        await self.storage.worked()
        return stored

    async def _health(self) -> str | None:
        """Why the bot cannot do its work now (``/healthz``), or None when it can."""
        if self.storage.problem is not None:
            return self.storage.problem
        try:
            async with self.parts.sessions() as session:
                answers = await database_answers(session)
        except Exception:  # noqa: BLE001 - whatever the fault, the answer is the same
            answers = False
        return None if answers else "the database does not answer"

    async def _tell_about_storage(self, reason: str | None, where: str) -> None:
        """Straight to Telegram, not through the outbox (it is in the database): every
        operator and channel admin, each in their language when the database still reads."""
        parts = self._parts
        if parts is None:
            return
        bot = parts.application.bot
        for person in sorted(await parts.access.everyone_in_charge()):
            language = None
            with contextlib.suppress(Exception):
                async with parts.sessions() as session:
                    user = await session.get(User, person)
                    language = user.language_code if user is not None else None
            with contextlib.suppress(TelegramError):
                await bot.send_message(person, storage_notice(translator(language), reason, where))

    async def stop(self) -> None:
        """Take the parts down in the reverse of how they were built (after ``run`` has
        ended its jobs): the lease handed back, the application stopped, the database
        closed, the lock released."""
        self._parts = None
        await self._teardown.aclose()

    async def __aenter__(self) -> NewsBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _database_place(config: Config) -> str:
    """Where the data lives, as people are told: the SQLite file, or the masked URL."""
    database = sqlite_file(config.database_url)
    return str(database.resolve()) if database is not None else config.database_display
