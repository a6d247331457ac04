"""The transactional outbox: what the bot says because of an update goes out after the commit.

A handler queues its replies on the update's own session. When the update's
handling fails, its run is undone and replayed, and the queued replies are
undone with it, so a replay never sends a message twice; when it commits, the
sender delivers them. One worker a chat sends that chat's messages in order;
python-telegram-bot's rate limiter paces them by chat, and flood control
(429) holds only that chat. Intake never waits: the inbox only writes rows.

A send that timed out may have been delivered, and Telegram gives no way to
ask: such a message is sent again (at least once), since a lost reply is
worse than a repeated one in a private chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.clock import Clock
from bot.logs import log_failure
from db.models import OutboxMessage
from db.queries import outbox as queries

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
MAX_BACKOFF = timedelta(minutes=5)
BATCH = 500
KEEP_SETTLED = timedelta(days=1)
# A notice to a person who never started the bot waits this long for them.
KEEP_WAITING = timedelta(days=30)
# How long a process holds a message it is sending before another may try it (it died).
CLAIM = timedelta(minutes=2)
_FILE_FIELDS = {"sendDocument": "document", "sendPhoto": "photo"}


def queue(
    session: AsyncSession,
    chat_id: int,
    method: str,
    params: dict[str, Any],
    *,
    at: datetime,
    document: bytes | None = None,
    document_name: str | None = None,
    buttons: list[str] | None = None,
) -> OutboxMessage:
    """Record a Bot API call to make once the current transaction commits."""
    row = OutboxMessage(
        chat_id=chat_id,
        method=method,
        params={"chat_id": chat_id, **params},
        document=document,
        document_name=document_name,
        buttons=list(buttons or []),
        created_at=at,
        due_at=at,
        attempts=0,
    )
    session.add(row)
    return row


def queue_html(
    session: AsyncSession,
    chat_id: int,
    html: str,
    *,
    at: datetime,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
    buttons: list[str] | None = None,
    silent: bool = False,
) -> OutboxMessage:
    """A text message in Telegram's HTML, link previews off (all user text escaped by
    callers); ``silent``: delivered without a sound."""
    params: dict[str, Any] = {
        "text": html,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if silent:
        params["disable_notification"] = True
    if reply_to is not None:
        params["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return queue(session, chat_id, "sendMessage", params, at=at, buttons=buttons)


def queue_edit(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    html: str,
    *,
    at: datetime,
    markup: InlineKeyboardMarkup | None = None,
    buttons: list[str] | None = None,
) -> OutboxMessage:
    """Replace the text of a message the bot sent, and its keyboard with ``markup`` (none:
    the keyboard goes)."""
    params: dict[str, Any] = {
        "message_id": message_id,
        "text": html,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return queue(session, chat_id, "editMessageText", params, at=at, buttons=buttons)


def queue_document(
    session: AsyncSession,
    chat_id: int,
    content: bytes,
    name: str,
    *,
    caption: str,
    at: datetime,
) -> OutboxMessage:
    params = {"caption": caption, "parse_mode": "HTML"}
    return queue(
        session, chat_id, "sendDocument", params, at=at, document=content, document_name=name
    )


async def release_waiting(session: AsyncSession, user_id: int, now: datetime) -> int:
    """The person wrote to the bot: what waited for them (they had not started it, or had
    blocked it) is due now, in its order."""
    return await queries.release_waiting(session, user_id, now)


def queue_delete(session: AsyncSession, chat_id: int, message_id: int, *, at: datetime) -> None:
    queue(session, chat_id, "deleteMessage", {"message_id": message_id}, at=at)


class OutboxSender:
    """Sends what the outbox holds: one worker a chat, in order, after the commit."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        clock: Clock,
        readers: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.sessions = sessions
        self.readers = readers or sessions
        self.bot = bot
        self.clock = clock
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        # Set by ``run``'s caller to stop: no new send starts once it is set.
        self._stop = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def send_due(self) -> int:
        """Send everything due now; returns how many messages went out."""
        sent = 0
        async with self._lock:
            while True:
                async with self.readers() as session:
                    heads = await queries.due(session, self.clock.now(), BATCH)
                if not heads:
                    return sent
                by_chat: dict[int, list[int]] = defaultdict(list)
                for row_id, chat_id in heads:
                    by_chat[chat_id].append(row_id)
                counts = await asyncio.gather(*(self._send_chat(ids) for ids in by_chat.values()))
                if sum(counts) == 0 or self._stop.is_set():
                    return sent + sum(counts)
                sent += sum(counts)

    async def run(self, stop: asyncio.Event) -> None:
        """Send as messages become due, until ``stop``; wakes early when the inbox queued
        some. On ``stop`` each chat's send under way finishes; what is left waits, stored,
        for the next start."""
        self._stop = stop
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                delay = 60.0
                try:
                    await self.send_due()
                    async with self.readers() as session:
                        upcoming = await queries.next_due_at(session)
                    if upcoming is not None:
                        delay = min(max((upcoming - self.clock.now()).total_seconds(), 0.05), delay)
                except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
                    log_failure(log, "outbox: sending failed; trying again shortly", exc)
                    delay = 5.0
                waking = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait(
                    {waking, stopping}, timeout=delay, return_when=asyncio.FIRST_COMPLETED
                )
                waking.cancel()
        finally:
            stopping.cancel()
            async with self._lock:  # sends under way end before the loop does
                pass

    async def _send_chat(self, ids: list[int]) -> int:
        sent = 0
        for row_id in ids:
            if self._stop.is_set():
                break
            outcome = await self._send_one(row_id)
            if outcome is None:
                break  # held back (flood control or a network fault): keep the chat's order
            sent += outcome
        return sent

    async def _send_one(self, row_id: int) -> int | None:
        """1 sent, 0 given up (a refusal), None held back to try again later."""
        now = self.clock.now()
        async with self.sessions.begin() as session:
            # Locked while it is claimed: of several processes, one sends it.
            row = await session.get(OutboxMessage, row_id, with_for_update=True)
            if row is None or row.sent_at is not None or row.failed_at is not None:
                return 0
            if row.claimed_until is not None and row.claimed_until > now:
                return None  # another process is sending it; the chat waits its turn
            row.claimed_until = now + CLAIM
            row.attempts += 1
            attempts, method, chat_id = row.attempts, row.method, row.chat_id
            kwargs: dict[str, Any] = dict(row.params)
            if row.document is not None:
                field = _FILE_FIELDS.get(method, "document")
                kwargs[field] = InputFile(row.document, filename=row.document_name or "file")
        try:
            result = await self.bot.do_api_request(method, api_kwargs=kwargs)
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry.total_seconds() if isinstance(retry, timedelta) else float(retry)
            await self._hold(row_id, chat_id, timedelta(seconds=seconds), exc)
            return None
        except Forbidden as exc:
            if chat_id > 0:  # a person who never started the bot, or blocked it
                await self._wait_for_person(row_id, chat_id, exc)
                return None
            await self._give_up(row_id, exc)
            return 0
        except (BadRequest, ChatMigrated) as exc:
            await self._give_up(row_id, exc)
            return 0
        except TelegramError as exc:
            if attempts >= MAX_ATTEMPTS:
                await self._give_up(row_id, exc)
                return 0
            await self._hold(row_id, chat_id, min(timedelta(seconds=2**attempts), MAX_BACKOFF), exc)
            return None
        async with self.sessions.begin() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None:
                row.sent_at = self.clock.now()
                row.last_error = None
                # Delivered: the words are Telegram's to keep now, not ours.
                row.params = {"chat_id": row.chat_id}
                row.document = None
                if isinstance(result, dict) and "message_id" in result:
                    row.message_id = int(result["message_id"])
                    await queries.attach_buttons(session, list(row.buttons), row.message_id)
        return 1

    async def _hold(self, row_id: int, chat_id: int, delay: timedelta, error: Exception) -> None:
        log.info("outbox: message %d to chat %d held for %s: %s", row_id, chat_id, delay, error)
        async with self.sessions.begin() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None:
                row.last_error = f"{error.__class__.__name__}: {error}"[:2000]
                row.claimed_until = None
            await queries.postpone_chat(session, chat_id, self.clock.now() + delay)

    async def _wait_for_person(self, row_id: int, chat_id: int, error: Exception) -> None:
        log.info("outbox: message %d waits until person %d writes to the bot", row_id, chat_id)
        async with self.sessions.begin() as session:
            await queries.wait_for_person(
                session, chat_id, self.clock.now(), f"{error.__class__.__name__}: {error}"[:2000]
            )

    async def _give_up(self, row_id: int, error: Exception) -> None:
        log.warning("outbox: Telegram refused message %d: %s", row_id, error)
        async with self.sessions.begin() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None:
                row.failed_at = self.clock.now()
                row.last_error = f"{error.__class__.__name__}: {error}"[:2000]

    async def sweep(self) -> int:
        """Forget messages settled more than a day ago, and those that waited a month for a
        person who never wrote to the bot."""
        now = self.clock.now()
        async with self.sessions.begin() as session:
            settled = await queries.delete_settled_before(session, now - KEEP_SETTLED)
            return settled + await queries.delete_waiting_before(session, now - KEEP_WAITING)
