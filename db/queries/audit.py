from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry


async def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    target: str | None,
    detail: dict[str, Any],
    *,
    at: datetime,
    channel_id: int | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target=target,
        detail=detail,
        channel_id=channel_id,
        created_at=at,
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent(
    session: AsyncSession,
    *,
    channel_ids: Iterable[int] | None,
    leave_out: Iterable[str] = (),
    limit: int = 20,
) -> Sequence[AuditEntry]:
    """The latest entries, newest first: of the given channels only (every entry when
    None), without the actions named in ``leave_out``."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if channel_ids is not None:
        query = query.where(AuditEntry.channel_id.in_(list(channel_ids)))
    leave_out = list(leave_out)
    if leave_out:
        query = query.where(AuditEntry.action.not_in(leave_out))
    return (await session.scalars(query)).all()
