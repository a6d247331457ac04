"""Several newsbot processes on one PostgreSQL database: what only one of them may do at a
time (publish, post summaries, apply retention, sweep the outbox) goes to the holder of
a lease. On SQLite there is one process (``bot.runtime.single_process``), which always
holds it.

The holder is whoever holds a PostgreSQL advisory lock on a connection of its own: the
server releases it the moment that connection ends, however the process ends (``kill
-9``) or the connection is cut, so a standby, which tries every few seconds, takes over
within seconds, and no one's clock is trusted for it. The lease row beside it names the
holder; the new holder takes it over, and every publishing write checks it in its own
transaction (``fence``), so a former holder that has not noticed yet cannot post. The
row's expiry still limits, by the holder's own clock, how long it trusts itself between
checks (``still_held``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from db.queries import leases as queries

log = logging.getLogger(__name__)
SCHEDULING = "scheduling"
# The advisory lock behind the scheduling lease (any number no other application uses).
ADVISORY_KEY = 0x6E657773626F7401
# How long a check of the lock's connection may take before the lock counts as lost.
CHECK_SECONDS = 5.0


def process_name() -> str:
    """Who holds a lease, readable by an operator: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        name: str = SCHEDULING,
        ttl: timedelta,
        engine: AsyncEngine | None = None,
    ) -> None:
        """``engine``: a PostgreSQL database, where the advisory lock decides who holds the
        lease; without it, the lease row's expiry alone does."""
        self.sessions, self.clock, self.name, self.ttl = sessions, clock, name, ttl
        self.engine = engine if engine is not None and engine.dialect.name == "postgresql" else None
        self.holder = process_name()
        self.valid_until: datetime | None = None
        self._locked: AsyncConnection | None = None

    async def hold(self) -> bool:
        """Renew or take the lease; whether this process may do the work now."""
        now = self.clock.now()
        until = now + self.ttl
        if self.engine is not None:
            if not await self._hold_lock():
                self.valid_until = None
                return False
            async with self.sessions.begin() as session:
                await queries.take_over(session, self.name, self.holder, until)
            self.valid_until = until
            return True
        async with self.sessions.begin() as session:
            held = await queries.take_or_renew(session, self.name, self.holder, now, until)
        self.valid_until = until if held else None
        return held

    async def _hold_lock(self) -> bool:
        """Whether this process holds the advisory lock: its connection still answers, or
        the lock was free to take now."""
        assert self.engine is not None
        if self._locked is not None:
            try:
                if await asyncio.wait_for(queries.answers(self._locked), CHECK_SECONDS):
                    return True
            except Exception:  # noqa: BLE001 - cut, closed, or silent: the lock is gone
                log.warning("the publishing lock's connection is gone; another process may publish")
            await self._drop_lock()
            return False
        connection = await self.engine.connect()
        try:
            await queries.keep_alive_quickly(connection)
            if await queries.try_advisory_lock(connection, ADVISORY_KEY):
                await connection.commit()  # the lock is the session's, not a transaction's
                self._locked = connection
                return True
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        return False

    async def _drop_lock(self) -> None:
        connection, self._locked = self._locked, None
        if connection is not None:
            with contextlib.suppress(Exception):  # gone already, or not answering
                await asyncio.wait_for(connection.invalidate(), CHECK_SECONDS)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), CHECK_SECONDS)

    def still_held(self) -> bool:
        """Without asking the database: whether the last renewal still covers the next
        send, with half the lease to spare."""
        return self.valid_until is not None and self.clock.now() + self.ttl / 2 < self.valid_until

    async def fence(self, session: AsyncSession) -> bool:
        """In a publishing write's transaction: whether this process still holds the lease
        (the row locked until the write commits, so a takeover waits for it)."""
        return await queries.still_holds(session, self.name, self.holder)

    async def release(self) -> None:
        """On a clean stop: another process may take over at once."""
        try:
            async with self.sessions.begin() as session:
                await queries.give_up(session, self.name, self.holder)
        finally:
            self.valid_until = None
            await self._drop_lock()
