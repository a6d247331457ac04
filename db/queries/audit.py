from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry, utcnow


async def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    target: str | None,
    detail: dict[str, Any],
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id, action=action, target=target, detail=detail, created_at=utcnow()
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent(session: AsyncSession, limit: int = 20) -> Sequence[AuditEntry]:
    return (
        await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    ).all()
