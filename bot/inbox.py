"""The durable inbox: no update is lost, none is handled twice.

A batch from ``getUpdates`` is written to the database before it is confirmed
to Telegram (by asking for the next offset). Stored updates are then handled
in batches: one transaction a batch that claims its rows (several processes take
batches of their own, each ordering key kept in order), a savepoint a run of updates,
and the ``processed`` mark in the same transaction. A crash anywhere leaves either
unconfirmed updates at Telegram or unprocessed ones in the database; both are
taken up on the next start.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Message, Update
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import unit_of_work
from bot.clock import Clock
from bot.notices import tell
from bot.runtime.storage import as_storage_fault
from bot.telegram.html import escape
from bot.telegram.update_shapes import normalise_update
from db.models import InboxUpdate
from db.queries import inbox as queries
from db.queries.inbox import Claimed, StoredUpdate
from db.queries.responses import clear_batch_cache

log = logging.getLogger(__name__)
# Calling getUpdates (raw JSON, see Inbox.fetch) and the outbox's stored calls through
# do_api_request is deliberate.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "poll",
    "poll_answer",
    "message_reaction",
    "message_reaction_count",
    "my_chat_member",
]
BATCH_SIZE = 200
# A failing update is handled this many times, then quarantined.
MAX_ATTEMPTS = 3
GivenUp = Callable[[AsyncSession, Update, datetime], None]
# Called in a batch's transaction before its updates are handled: looks up at once what the
# handlers will ask of the database update by update.
Prepare = Callable[[AsyncSession, list[Update]], Awaitable[None]]


async def take_batch(
    session: AsyncSession,
    limit: int,
    held: Mapping[int, dict[str, Any]] | None = None,
    before_any_gap: Callable[[AsyncSession, list[Claimed]], Awaitable[list[Claimed]]] | None = None,
) -> list[StoredUpdate]:
    """The next waiting updates this transaction handles, in order, locked until it ends;
    other processes take batches of their own meanwhile.

    An update is left for later while an earlier one with its ordering key waits outside
    the batch (another process holds it, or it was stored after the batch was taken), so
    the same message and its edits, or one person's votes, are handled in order whoever
    handles them. The checks run in this order, each statement seeing what is committed
    by then: lock, look for gaps, look for earlier keys. An update stored after the lock
    is either a gap (seen by the second) or waiting (seen by the third)."""
    rows = await queries.lock_waiting(session, limit)
    if before_any_gap is not None:
        rows = await before_any_gap(session, rows)
    keys = {row.ordering_key for row in rows if row.ordering_key is not None}
    elsewhere = await queries.earliest_waiting_elsewhere(session, keys, [row.id for row in rows])
    rows = [
        row
        for row in rows
        if row.ordering_key is None
        or row.ordering_key not in elsewhere
        or row.update_id < elsewhere[row.ordering_key]
    ]
    return await queries.with_payloads(session, rows, held)


def is_interactive(update: Update) -> bool:
    """Updates that may make the bot reply: handled in a savepoint of their own."""
    if update.callback_query is not None:
        return True
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def ordering_key(payload: dict[str, Any]) -> str | None:
    """What an update must be handled in order with, whichever process handles it: a
    discussion message with its edits; everything one person does in a private chat or
    with buttons; one person's votes in a poll, or reactions to a message; a chat's
    membership. Different comments, even in one thread, need no order among themselves
    (their Telegram message ids order them wherever they are shown)."""
    for kind in ("message", "edited_message"):
        message = payload.get(kind)
        if isinstance(message, dict):
            chat = message.get("chat") or {}
            if chat.get("type") in ("group", "supergroup"):
                return f"message:{chat.get('id')}:{message.get('message_id')}"
            sender = (message.get("from") or {}).get("id")
            return f"person:{sender}" if sender is not None else f"chat:{chat.get('id')}"
    if isinstance(query := payload.get("callback_query"), dict):
        return f"person:{(query.get('from') or {}).get('id')}"
    if isinstance(answer := payload.get("poll_answer"), dict):
        voter = (answer.get("user") or answer.get("voter_chat") or {}).get("id")
        return f"vote:{answer.get('poll_id')}:{voter}"[:96]
    if isinstance(reaction := payload.get("message_reaction"), dict):
        actor = (reaction.get("user") or reaction.get("actor_chat") or {}).get("id")
        chat_id = (reaction.get("chat") or {}).get("id")
        return f"reaction:{chat_id}:{reaction.get('message_id')}:{actor}"
    if isinstance(counts := payload.get("message_reaction_count"), dict):
        return f"reactions:{(counts.get('chat') or {}).get('id')}:{counts.get('message_id')}"
    if isinstance(poll := payload.get("poll"), dict):
        return f"poll:{poll.get('id')}"[:96]
    if isinstance(member := payload.get("my_chat_member"), dict):
        return f"chat:{(member.get('chat') or {}).get('id')}"
    return None


class Inbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        application: Application[Any, Any, Any, Any, Any, Any],
        clock: Clock,
        *,
        poll_timeout: int = 10,
        report_to: list[int] | None = None,
        on_given_up: GivenUp | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        prepare: Prepare | None = None,
        gap_grace: float | None = None,
    ) -> None:
        """``gap_grace``: webhook mode, where Telegram sends several updates at once and a
        later one may be stored first. An update after one still missing waits up to this
        many seconds for it, so one person's edits or votes are not handled out of order."""
        self.sessions = sessions
        self.application = application
        self.clock = clock
        self.poll_timeout = poll_timeout
        # Who hears of a quarantined update; and what tells its sender it failed.
        self.report_to = report_to or []
        self.on_given_up = on_given_up
        self.max_attempts = max_attempts
        self.prepare = prepare
        self.gap_grace = gap_grace
        # Missing update ids this process waits for, since when (monotonic); and those it
        # stopped waiting for.
        self._waiting_since: dict[int, float] = {}
        self._given_up: collections.deque[int] = collections.deque(maxlen=100)
        self.offset: int | None = None
        self._held: dict[int, dict[str, Any]] = {}
        # One handling pass at a time in a process: the loop that takes updates and the
        # publisher (settling a doubt) both ask for one.
        self._handling = asyncio.Lock()

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
        return await self.store(await self.receive(wait_seconds))

    async def receive(self, wait_seconds: int | None = None) -> list[dict[str, Any]]:
        """One ``getUpdates``, confirming what the last ``store`` kept; nothing is stored."""
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
        payloads: list[dict[str, Any]] = await self.bot.do_api_request(
            "getUpdates", api_kwargs=parameters, read_timeout=wait + 15
        )
        return payloads

    async def store(self, payloads: list[dict[str, Any]]) -> int:
        """Keep a received batch; the next ``receive`` confirms it to Telegram."""
        if not payloads:
            return 0
        try:
            async with self.sessions.begin() as session:
                await queries.store_updates(session, payloads, self.clock.now(), ordering_key)
        except Exception as exc:
            if (fault := as_storage_fault(exc)) is not None:
                raise fault from exc  # not stored, so not confirmed: asked for again later
            raise
        self.offset = max(payload["update_id"] for payload in payloads) + 1
        for payload in payloads:  # handled from memory, not read back from the database
            self._held[payload["update_id"]] = payload
        return len(payloads)

    async def process(self) -> int:
        """Handle every stored, unhandled update; returns how many were taken off the queue."""
        async with self._handling:
            return await self._process()

    async def _process(self) -> int:
        handled = 0
        while True:
            async with self.sessions() as session, session.begin():
                # One transaction a batch, holding the batch's rows: other processes take
                # batches of their own meanwhile. Each run of updates is handled in a
                # savepoint, so one that fails is undone alone; a storage fault undoes the
                # whole batch, which then waits, stored, until storing works again.
                rows = await take_batch(session, BATCH_SIZE, self._held, self._before_any_gap)
                for row in rows:
                    self._held.pop(row.update_id, None)
                if not rows:
                    self._held.clear()  # handled elsewhere, or set aside: nothing to keep
                    return handled
                parsed = await self._parse(session, rows)
                taken = len(rows) - len(parsed)  # set aside unread
                for group in _split_interactive(parsed):
                    together = await self._handle_together(session, group)
                    if together is not None:
                        taken += together
                        continue
                    for row, update in group:
                        await self._handle_alone(session, row, update)
                        taken += 1
            handled += taken

    async def _before_any_gap(self, session: AsyncSession, rows: list[Claimed]) -> list[Claimed]:
        """The rows before the first update still missing while it may yet arrive (within
        ``gap_grace`` of first missing it); all of them once it is given up."""
        if self.gap_grace is None or not rows:
            return rows
        holes = await queries.missing_update_ids(session, rows[0].update_id, rows[-1].update_id)
        now = time.monotonic()
        for missing in holes:
            if missing in self._given_up:
                continue
            since = self._waiting_since.setdefault(missing, now)
            if now - since < self.gap_grace:
                return [row for row in rows if row.update_id < missing]
            log.info("update %d did not arrive; the updates after it go on", missing)
            del self._waiting_since[missing]
            self._given_up.append(missing)
        self._waiting_since = {
            missing: since for missing, since in self._waiting_since.items() if missing in holes
        }
        return rows

    async def _parse(
        self, session: AsyncSession, rows: list[StoredUpdate]
    ) -> list[tuple[StoredUpdate, Update]]:
        """Updates as python-telegram-bot objects; one that cannot be read is quarantined."""
        parsed = []
        reader = BatchReader(self.bot)
        for row in rows:
            try:
                update = reader.read(row.payload)
            except Exception as exc:  # noqa: BLE001 - whatever breaks parsing, the update waits aside
                log.error("update %d cannot be read: %s", row.update_id, exc)
                stored = await session.get(InboxUpdate, row.id)
                assert stored is not None
                stored.attempts += 1
                await self._quarantine(session, stored, None, exc)
                continue
            parsed.append((row, update))
        return parsed

    async def _handle_together(
        self, session: AsyncSession, group: list[tuple[StoredUpdate, Update]]
    ) -> int | None:
        """The fast path: the whole run in one savepoint; how many it handled, or None (all
        undone) if any failed."""
        if len(group) == 1:
            return None
        failures: list[BaseException] = []
        clear_batch_cache(session)
        savepoint = await session.begin_nested()
        try:
            if self.prepare is not None:
                await self.prepare(session, [update for _row, update in group])
            for _row, update in group:
                await self._dispatch(session, update, failures)
                if failures:
                    break
            else:  # all handled: one statement marks the whole run
                await queries.mark_processed(
                    session, [row.id for row, _update in group], self.clock.now()
                )
                await session.flush()
        except Exception as exc:  # e.g. another process stored the same reader
            await savepoint.rollback()  # first: each update is taken again alone
            if (fault := as_storage_fault(exc)) is not None:
                raise fault from exc
            log.warning("a batch of updates is taken again one by one: %s", _describe(exc))
            return None
        except BaseException:
            await savepoint.rollback()
            raise
        if failures:
            # One bad update: undo the run (its outbox rows too); each is taken again alone.
            await savepoint.rollback()
            return None
        await savepoint.commit()
        return len(group)

    async def _dispatch(
        self, session: AsyncSession, update: Update, failures: list[BaseException]
    ) -> None:
        """Run the handlers on ``session``; a failure is reported into ``failures``."""
        unit_of_work.bind(session, failures, self.clock.now())
        try:
            await self.application.process_update(update)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, retried, then set aside
            failures.append(exc)
        finally:
            unit_of_work.unbind()

    async def _handle_alone(self, session: AsyncSession, row: StoredUpdate, update: Update) -> None:
        """One update in a savepoint of its own; a failure is counted, and past the limit the
        update is quarantined so the ones after it go on."""
        failures: list[BaseException] = []
        clear_batch_cache(session)
        savepoint = await session.begin_nested()
        try:
            await self._dispatch(session, update, failures)
            if not failures:
                await queries.mark_processed(session, [row.id], self.clock.now())
                await session.flush()
                await savepoint.commit()
                return
        except Exception as exc:  # noqa: BLE001 - storing failed (a row another process added)
            failures.append(exc)
        await savepoint.rollback()
        clear_batch_cache(session)
        error = failures[0]
        if (fault := as_storage_fault(error)) is not None:
            # Not the update's fault: it waits, uncounted, until storing works again.
            raise fault from error
        stored = await session.get(InboxUpdate, row.id)
        assert stored is not None
        stored.attempts += 1
        stored.error = _describe(error)
        if stored.attempts >= self.max_attempts:
            await self._quarantine(session, stored, update, error)
        else:
            log.warning(
                "update %d failed (attempt %d of %d); it will be tried again",
                stored.update_id,
                stored.attempts,
                self.max_attempts,
            )

    async def _quarantine(
        self,
        session: AsyncSession,
        row: InboxUpdate,
        update: Update | None,
        error: BaseException,
    ) -> None:
        """Set the update aside with its error, tell the admins once, and go on with the rest."""
        row.error = _describe(error)
        row.quarantined_at = self.clock.now()
        log.error(
            "update %d quarantined after %d attempt(s): %s", row.update_id, row.attempts, row.error
        )
        now = self.clock.now()
        kind, reason = _update_kind(row.payload), escape(row.error)
        await tell(
            session,
            self.report_to,
            lambda _: _(
                "An update could not be handled and was set aside: {kind} {id} ({error}). "
                "The updates after it go on. On the server, newsbot inbox list shows it, "
                "newsbot inbox retry {id} tries it again."
            ).format(kind=kind, id=row.update_id, error=reason),
            now,
        )
        if update is not None and self.on_given_up is not None:
            self.on_given_up(session, update, now)


def _describe(error: BaseException) -> str:
    return f"{error.__class__.__name__}: {error}"[:2000]


def _update_kind(payload: dict[str, Any]) -> str:
    return next((key for key in payload if key != "update_id"), "update")


def _split_interactive(
    parsed: list[tuple[StoredUpdate, Update]],
) -> list[list[tuple[StoredUpdate, Update]]]:
    """Runs of quiet updates share a transaction; each interactive one gets its own."""
    groups: list[list[tuple[StoredUpdate, Update]]] = []
    current: list[tuple[StoredUpdate, Update]] = []
    for row, update in parsed:
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


# ----------------------------------------------------------- the operator's tools
async def quarantined_updates(session: AsyncSession) -> list[InboxUpdate]:
    """Updates set aside after failing: what ``newsbot inbox list`` shows."""
    return list(await queries.quarantined(session))


async def quarantined_count(session: AsyncSession) -> int:
    return await queries.quarantined_count(session)


async def retry_quarantined(session: AsyncSession, update_ids: list[int]) -> int:
    """Put updates back in the queue (after a fix); the running bot takes them on its next
    batch. Returns how many were quarantined."""
    return await queries.release(session, update_ids)


async def drop_quarantined(session: AsyncSession, update_ids: list[int], at: datetime) -> int:
    """Give updates up for good; their raw content is deleted."""
    return await queries.drop(session, update_ids, at)


class BatchReader:
    """Reads one batch of stored updates as python-telegram-bot objects, each channel post
    the batch's comments answer parsed once: Telegram puts the whole post in every comment
    (``reply_to_message``), and parsing its text, formatting and senders again for each
    comment was a fifth of intake's time (py-spy, 10,000 comments). Every comment that
    carries the post unchanged gets the same frozen, whole object, equal to what
    ``Update.de_json`` gives; the stored raw updates stay as Telegram sent them."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._posts: dict[tuple[Any, Any], list[tuple[dict[str, Any], Message]]] = {}

    def read(self, payload: dict[str, Any]) -> Update:
        split = _thread_post(payload)
        if split is None:
            return Update.de_json(normalise_update(payload), self._bot)
        key, without_post, post = split
        update = Update.de_json(normalise_update(without_post), self._bot)
        message = update.message if key == "message" else update.edited_message
        assert message is not None
        # The one private hook newsbot uses: python-telegram-bot's own way to finish a
        # frozen object (its classes use it in __init__ and when copying). The contract is
        # checked by tests/test_real_updates.py, which fails if this stops giving what
        # ``Update.de_json`` gives for the whole update.
        with message._unfrozen():
            message.reply_to_message = self._post(post)
        return update

    def _post(self, post: dict[str, Any]) -> Message:
        """The parsed post; a post whose poll or origin changed within the batch is
        parsed again, so each comment carries the post as its own update had it."""
        same_message = self._posts.setdefault(
            (post.get("chat", {}).get("id"), post.get("message_id")), []
        )
        for seen, parsed in same_message:
            if seen == post:
                return parsed
        parsed = Message.de_json(normalise_update(post), self._bot)
        same_message.append((post, parsed))
        return parsed


def _thread_post(
    payload: dict[str, Any],
) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """For a message answering a channel post: which key holds the message, the update
    without the post, and the post (as Telegram sent it); else None."""
    key = "message" if "message" in payload else "edited_message"
    message = payload.get(key)
    if not isinstance(message, dict):
        return None
    replied = message.get("reply_to_message")
    if not isinstance(replied, dict) or replied.get("is_automatic_forward") is not True:
        return None
    post = replied
    without_post = {name: value for name, value in message.items() if name != "reply_to_message"}
    return key, {**payload, key: without_post}, post
