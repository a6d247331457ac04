"""Whether the database answers at all (webhook mode's /healthz)."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession


async def database_answers(session: AsyncSession) -> bool:
    return await session.scalar(select(literal(1))) == 1
