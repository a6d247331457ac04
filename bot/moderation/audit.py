"""What admins and moderators did, as /audit shows it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry
from db.queries.audit import recent


async def recent_actions(session: AsyncSession, limit: int = 20) -> Sequence[AuditEntry]:
    """The latest actions, newest first."""
    return await recent(session, limit)
