"""When the database cannot store: a full disk, a read-only file system, a database that
went away. The bot stays up, takes nothing it cannot keep, says why once, and goes on by
itself when storing works again.

Telegram keeps updates for 24 hours until a later ``getUpdates`` confirms them, and newsbot
confirms a batch only once it is stored: a batch it could not store is simply asked for
again, so waiting out the fault loses nothing.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram import Bot
from telegram.error import TelegramError

from bot.clock import Clock
from bot.i18n import N_, Translator, translator

log = logging.getLogger(__name__)

# SQLite's words for a write it could not make, and ours for the admin.
_FULL = N_("the disk under the database is full")
_READ_ONLY = N_("the database is read-only")
_IO = N_("the disk under the database reports I/O errors")
_SQLITE_FAULTS = (
    ("database or disk is full", _FULL),
    ("attempt to write a readonly database", _READ_ONLY),
    ("readonly database", _READ_ONLY),
    ("unable to open database file", N_("the database file cannot be opened")),
    ("disk i/o error", _IO),
)
_OS_FAULTS = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: N_("the disk quota of the database's user is used up"),
    errno.EROFS: _READ_ONLY,
    errno.EACCES: N_("newsbot may not write the database's files"),
    errno.EIO: _IO,
}


# A database server that does not answer (stopped, restarting, the network to it cut).
_GONE = N_("the database server does not answer")
# PostgreSQL's SQLSTATEs for a connection lost or refused, and for a server shutting down
# or starting up.
_GONE_STATES = ("08", "57P01", "57P02", "57P03")


def _server_gone(error: BaseException) -> bool:
    if isinstance(error, ConnectionError):  # refused, reset, aborted
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state.startswith(_GONE_STATES):
        return True
    # asyncpg's words for a connection that closed under it (no SQLSTATE of its own).
    return type(error).__name__ == "ConnectionDoesNotExistError" or (
        type(error).__module__.startswith("asyncpg") and "connection is closed" in str(error)
    )


# Room a disk needs before a full one counts as having room again.
ROOM = 1024 * 1024


def _has_room(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free >= ROOM
    except OSError:
        return False


def folder_problem(folder: Path) -> str | None:
    """What keeps the SQLite database's folder from taking writes now, seen from outside
    the bot (``newsbot status``); None when it has room and may be written."""
    if not _has_room(folder):
        return _FULL
    if not os.access(folder, os.W_OK):
        return _READ_ONLY
    return None


class StorageUnavailable(Exception):
    """Nothing could be stored: the work waits (nothing was lost) until storing works."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def storage_fault(error: BaseException) -> str | None:
    """Why storing failed, in words, when ``error`` is a storage fault; None otherwise."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageUnavailable):
            return current.reason
        if isinstance(current, sqlite3.OperationalError | sqlite3.DatabaseError):
            message = str(current).lower()
            for words, reason in _SQLITE_FAULTS:
                if words in message:
                    return reason
        if isinstance(current, OSError) and current.errno in _OS_FAULTS:
            return _OS_FAULTS[current.errno]
        if _server_gone(current):
            return _GONE
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return None


def server_gone(error: BaseException) -> bool:
    """Whether ``error`` says the database server does not answer (down, restarting,
    unreachable): a wait, not a fault in the bot or its data."""
    return storage_fault(error) == _GONE


def as_storage_fault(error: BaseException) -> StorageUnavailable | None:
    reason = storage_fault(error)
    return StorageUnavailable(reason) if reason is not None else None


class StorageWatch:
    """What the running bot knows of its storage: whether it works, since when, and why
    not. The people who run the bot are told once when it stops and once when it is back
    (``notify``, sent straight to Telegram: the outbox lives in the database)."""

    def __init__(
        self,
        clock: Clock,
        where: str,
        notify: Callable[[str | None, str], Awaitable[None]] | None = None,
        folder: Path | None = None,
    ) -> None:
        self.clock = clock
        self.where = where  # the database, as shown to people (credentials masked)
        self.notify = notify
        # The SQLite database's folder: after a full disk, storing counts as working again
        # only once that disk has room, not when one small write squeezed through (a nearly
        # full disk lets some writes pass and refuses others; admins hear of it once).
        self.folder = folder
        self.problem: str | None = None
        self.since: datetime | None = None

    @property
    def working(self) -> bool:
        return self.problem is None

    async def failed(self, reason: str) -> None:
        """Storing failed: logged and told once, until it works again."""
        if self.problem is not None:
            return
        self.problem, self.since = reason, self.clock.now()
        log.error(
            "cannot store anything in %s: %s; taking no updates until it works again",
            self.where,
            reason,
        )
        await self._tell(reason)

    async def worked(self) -> None:
        """A write went through: if it had failed before, that is over (for a full disk,
        once it has room again)."""
        if self.problem is None:
            return
        if self.problem == _FULL and self.folder is not None and not _has_room(self.folder):
            return
        log.warning("storing works again in %s after %s", self.where, self.problem)
        self.problem, self.since = None, None
        await self._tell(None)

    async def _tell(self, reason: str | None) -> None:
        if self.notify is None:
            return
        try:
            await self.notify(reason, self.where)
        except Exception:
            log.warning("could not tell the admins about the database", exc_info=True)


def storage_notice(_: Translator, reason: str | None, where: str) -> str:
    """What the people who run the bot read when storing stops (``reason``) or works again."""
    if reason is None:
        return _("Storing works again in {database}; I am taking up what waited.").format(
            database=where
        )
    if reason == _GONE:
        return _(
            "I cannot store anything in {database}: {reason}. Nothing is lost: Telegram "
            "keeps what readers send for 24 hours, and I take it up by myself once the "
            "database answers again. Fix: start the database server, or mend the network "
            "to it."
        ).format(database=where, reason=_(reason))
    return _(
        "I cannot store anything in {database}: {reason}. Nothing is lost: Telegram keeps "
        "what readers send for 24 hours, and I take it up by myself once storing works "
        "again. Fix: free space on that disk, or make it writable again."
    ).format(database=where, reason=_(reason))


class OutageAnswers:
    """``/status`` from an admin while nothing can be stored: answered at once with the
    reason, straight to Telegram, each message once. The update itself stays unconfirmed
    and is handled as usual once storing works again."""

    def __init__(
        self,
        bot: Bot,
        watch: StorageWatch,
        staff: Callable[[], Awaitable[set[int]]],
    ) -> None:
        self.bot, self.watch, self.staff = bot, watch, staff
        self._answered: set[int] = set()

    async def __call__(self, payloads: list[dict[str, Any]]) -> None:
        if self.watch.problem is None:
            return
        for payload in payloads:
            message = payload.get("message") or {}
            sender = message.get("from") or {}
            text = str(message.get("text") or "")
            if (message.get("chat") or {}).get("type") != "private" or not text.startswith(
                "/status"
            ):
                continue
            update_id = payload.get("update_id")
            if not isinstance(update_id, int) or update_id in self._answered:
                continue
            if sender.get("id") not in await self.staff():
                continue
            self._answered.add(update_id)
            _ = translator(sender.get("language_code"))
            with contextlib.suppress(TelegramError):
                await self.bot.send_message(
                    sender["id"], storage_notice(_, self.watch.problem, self.watch.where)
                )
