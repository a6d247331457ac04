"""Several newsbot processes on one PostgreSQL database: what only one of them may do at a
time (publish, post summaries, apply retention, sweep the outbox) goes to the holder of
a lease. The holder renews it at every tick; when it stops (or dies), another process
takes it over once it expires. On SQLite there is one process (``bot.runtime.single_process``),
which always holds it.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from db.queries import leases as queries

SCHEDULING = "scheduling"


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
    ) -> None:
        self.sessions, self.clock, self.name, self.ttl = sessions, clock, name, ttl
        self.holder = process_name()
        self.valid_until: datetime | None = None

    async def hold(self) -> bool:
        """Renew or take the lease; whether this process may do the work now."""
        now = self.clock.now()
        until = now + self.ttl
        async with self.sessions.begin() as session:
            held = await queries.take_or_renew(session, self.name, self.holder, now, until)
        self.valid_until = until if held else None
        return held

    def still_held(self) -> bool:
        """Without asking the database: whether the last renewal still covers the next
        send, with half the lease to spare."""
        return self.valid_until is not None and self.clock.now() + self.ttl / 2 < self.valid_until

    async def release(self) -> None:
        """On a clean stop: another process may take over at once."""
        async with self.sessions.begin() as session:
            await queries.give_up(session, self.name, self.holder)
        self.valid_until = None
