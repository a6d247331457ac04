from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ChannelConfig
from db.models import Channel


async def ensure_channel(
    session: AsyncSession, config: ChannelConfig, now: datetime | None = None
) -> Channel:
    """The channel's row, created or refreshed from its config entry."""
    channel = await session.scalar(select(Channel).where(Channel.key == config.key))
    if channel is None:
        channel = Channel(key=config.key, created_at=now or datetime.now(UTC))
        session.add(channel)
    if isinstance(config.chat, int):
        channel.chat_id = config.chat
    else:
        channel.username = config.chat
    if isinstance(config.discussion_group, int):
        channel.discussion_chat_id = config.discussion_group
    channel.language = config.language
    channel.timezone = config.timezone
    await session.flush()
    return channel


async def channel_by_key(session: AsyncSession, key: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.key == key))
