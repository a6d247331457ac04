"""Leases: one holder at a time, until an expiry it keeps renewing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Lease


async def take_or_renew(
    session: AsyncSession, name: str, holder: str, now: datetime, until: datetime
) -> bool:
    """Whether ``holder`` has the lease until ``until``: renewed if it held it, taken if it
    had expired or never existed. Concurrent takers: the row lock lets one win."""
    renewed = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    try:
        async with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=until))
    except IntegrityError:
        return False  # someone else holds it
    return True


async def take_over(session: AsyncSession, name: str, holder: str, until: datetime) -> None:
    """The lease for ``holder`` whoever held it, expired or not: its caller has proof that
    the previous holder is gone (the advisory lock its connection held was released)."""
    taken = await session.execute(
        update(Lease)
        .where(Lease.name == name)
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        session.add(Lease(name=name, holder=holder, expires_at=until))
        await session.flush()


async def still_holds(session: AsyncSession, name: str, holder: str) -> bool:
    """Whether ``holder`` holds the lease, its row share-locked until this transaction ends
    (PostgreSQL): a takeover waits for the transaction, so a write made under this check
    can never cross a change of holder."""
    current = await session.scalar(
        select(Lease.holder).where(Lease.name == name).with_for_update(read=True)
    )
    return current == holder


async def try_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """A PostgreSQL session lock on ``connection``: held until it is unlocked or the
    connection ends, however it ends (the process killed, the connection cut)."""
    return bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))


async def keep_alive_quickly(connection: AsyncConnection) -> None:
    """Have the server notice within seconds that this connection's peer is gone (a
    partitioned network sends no close), and so release the session's locks."""
    for setting, value in (
        ("tcp_keepalives_idle", 5),
        ("tcp_keepalives_interval", 2),
        ("tcp_keepalives_count", 3),
    ):
        await connection.execute(text(f"SET {setting} = {value}"))


async def answers(connection: AsyncConnection) -> bool:
    """Whether the connection still answers; no transaction is left open on it (a session
    idle in a transaction may be ended by the server's idle timeout, lock and all)."""
    answered = await connection.scalar(text("SELECT 1")) == 1
    await connection.commit()
    return bool(answered)


async def give_up(session: AsyncSession, name: str, holder: str) -> None:
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
