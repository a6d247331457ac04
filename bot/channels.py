"""Each configured channel's row, kept in step with its entry in the configuration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from bot.config import ChannelConfig
from db.models import Channel
from db.queries import channels as queries
from db.queries.channels import add_channel, channel_by_key


async def ensure_channel(session: AsyncSession, config: ChannelConfig, now: datetime) -> Channel:
    """The channel's row, created or refreshed from its config entry; what Telegram says
    (the numeric id behind an @username, the title) is learned by the rights check."""
    channel = await channel_by_key(session, config.key)
    if channel is None:
        channel = await add_channel(session, config.key, now)
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


async def stored_channel(session: AsyncSession, key: str) -> Channel | None:
    """What newsbot has learned of a configured channel (None before its first start)."""
    return await channel_by_key(session, key)


async def steered_channel_ids(session: AsyncSession, scope: Scope) -> set[int] | None:
    """The stored ids of the channels ``scope`` steers; None for an operator (every one)."""
    return None if scope.operator else await queries.channel_ids(session, scope.admin_of)


async def channels_commented_in(session: AsyncSession, user_id: int) -> Sequence[Channel]:
    """The channels in whose discussion groups the person has commented."""
    return await queries.channels_commented_in(session, user_id)
