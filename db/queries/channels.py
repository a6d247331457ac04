from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel


async def add_channel(session: AsyncSession, key: str, created_at: datetime) -> Channel:
    channel = Channel(key=key, created_at=created_at)
    session.add(channel)
    return channel


async def channel_by_key(session: AsyncSession, key: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.key == key))
