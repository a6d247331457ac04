"""The durable inbox: no update is lost, none is handled twice.

A batch from ``getUpdates`` is written to the database before it is confirmed
to Telegram (by asking for the next offset). Stored updates are then handled
in order, in batches: one transaction a batch, a savepoint an update, and the
``processed`` mark in the same transaction. A crash anywhere leaves either
unconfirmed updates at Telegram or unprocessed ones in the database; both are
taken up on the next start.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Update
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import unit_of_work
from bot.clock import Clock
from db.models import InboxUpdate
from db.queries import inbox as queries
from db.queries.responses import clear_batch_cache

log = logging.getLogger(__name__)
# Calling getUpdates through do_api_request is deliberate (raw JSON, see Inbox.fetch).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "poll",
    "poll_answer",
    "message_reaction_count",
    "my_chat_member",
]
BATCH_SIZE = 200


def is_interactive(update: Update) -> bool:
    """Updates that may make the bot reply: handled in a transaction of their own."""
    if update.callback_query is not None:
        return True
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


class Inbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        application: Application[Any, Any, Any, Any, Any, Any],
        clock: Clock,
        *,
        poll_timeout: int = 10,
    ) -> None:
        self.sessions = sessions
        self.application = application
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.offset: int | None = None

    @property
    def bot(self) -> Bot:
        bot: Bot = self.application.bot
        return bot

    async def start(self) -> None:
        async with self.sessions() as session:
            highest = await queries.highest_update_id(session)
        if highest is not None:
            self.offset = highest + 1

    async def fetch(self, wait_seconds: int | None = None) -> int:
        """One ``getUpdates``: store what came, then (next call) confirm it."""
        wait = self.poll_timeout if wait_seconds is None else wait_seconds
        parameters: dict[str, Any] = {
            "timeout": wait,
            "limit": 100,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if self.offset is not None:
            parameters["offset"] = self.offset
        # The raw JSON, stored as Telegram sent it: Update.to_dict() drops empty
        # lists (a retracted vote's option_ids) and would not parse back.
        payloads = await self.bot.do_api_request(
            "getUpdates", api_kwargs=parameters, read_timeout=wait + 15
        )
        if not payloads:
            return 0
        async with self.sessions.begin() as session:
            await queries.store_updates(session, payloads, self.clock.now())
        self.offset = max(payload["update_id"] for payload in payloads) + 1
        return len(payloads)

    async def process(self) -> int:
        """Handle every stored, unhandled update; returns how many."""
        handled = 0
        while True:
            async with self.sessions() as session:
                async with session.begin():
                    rows = list(await queries.unprocessed(session, BATCH_SIZE))
                if not rows:
                    return handled
                for group in _split_interactive(rows, self.bot):
                    ids = [row.id for row, _update in group]
                    if not await self._handle_together(session, group):
                        clear_batch_cache(session)
                        async with session.begin():
                            fresh = {r.id: r for r in await queries.by_ids(session, ids)}
                            for row_id, (_stale, update) in zip(ids, group, strict=True):
                                await self._handle(session, fresh[row_id], update)
                    handled += len(group)

    async def _handle_together(
        self, session: AsyncSession, group: list[tuple[InboxUpdate, Update]]
    ) -> bool:
        """The fast path: the whole run in one transaction; False (all undone) if any failed."""
        if len(group) == 1:
            return False
        failures: list[BaseException] = []
        clear_batch_cache(session)
        transaction = await session.begin()
        try:
            for row, update in group:
                await self._dispatch(session, update, failures)
                if failures:
                    break
                row.processed_at = self.clock.now()
        except BaseException:
            await transaction.rollback()
            raise
        if failures:
            # One bad update: undo the run; the caller takes it again, a savepoint each.
            await transaction.rollback()
            return False
        await transaction.commit()
        return True

    async def _dispatch(
        self, session: AsyncSession, update: Update, failures: list[BaseException]
    ) -> None:
        """Run the handlers on ``session``; a failure is reported into ``failures``."""
        unit_of_work.bind(session, failures)
        try:
            await self.application.process_update(update)
        finally:
            unit_of_work.unbind()

    async def _handle(self, session: AsyncSession, row: InboxUpdate, update: Update) -> None:
        failures: list[BaseException] = []
        savepoint = await session.begin_nested()
        await self._dispatch(session, update, failures)
        if failures:
            await savepoint.rollback()
            row.error = f"{failures[0].__class__.__name__}: {failures[0]}"[:2000]
        else:
            await savepoint.commit()
        row.processed_at = self.clock.now()


def _split_interactive(rows: list[InboxUpdate], bot: Bot) -> list[list[tuple[InboxUpdate, Update]]]:
    """Runs of quiet updates share a transaction; each interactive one gets its own."""
    groups: list[list[tuple[InboxUpdate, Update]]] = []
    current: list[tuple[InboxUpdate, Update]] = []
    for row in rows:
        update = Update.de_json(row.payload, bot)
        if is_interactive(update):
            if current:
                groups.append(current)
                current = []
            groups.append([(row, update)])
        else:
            current.append((row, update))
    if current:
        groups.append(current)
    return groups
