"""Leases: one holder at a time, until an expiry it keeps renewing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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


async def give_up(session: AsyncSession, name: str, holder: str) -> None:
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
