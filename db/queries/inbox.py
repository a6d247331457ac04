from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxUpdate


async def store_updates(
    session: AsyncSession, payloads: list[dict[str, Any]], received_at: datetime
) -> int:
    """Insert the updates not stored yet; an update delivered twice is stored once."""
    ids = [payload["update_id"] for payload in payloads]
    known = set(
        await session.scalars(select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids)))
    )
    fresh = [p for p in payloads if p["update_id"] not in known]
    session.add_all(
        InboxUpdate(update_id=p["update_id"], payload=p, received_at=received_at) for p in fresh
    )
    await session.flush()
    return len(fresh)


async def unprocessed(session: AsyncSession, limit: int) -> Sequence[InboxUpdate]:
    return (
        await session.scalars(
            select(InboxUpdate)
            .where(InboxUpdate.processed_at.is_(None))
            .order_by(InboxUpdate.update_id)
            .limit(limit)
        )
    ).all()


async def highest_update_id(session: AsyncSession) -> int | None:
    return await session.scalar(select(func.max(InboxUpdate.update_id)))


async def by_ids(session: AsyncSession, ids: list[int]) -> Sequence[InboxUpdate]:
    return (await session.scalars(select(InboxUpdate).where(InboxUpdate.id.in_(ids)))).all()
