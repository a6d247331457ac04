from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel, Comment
from db.queries.upsert import insert_unless_present


async def add_channel(session: AsyncSession, key: str, created_at: datetime) -> Channel:
    """The channel's row, inserted unless another process started at the same moment
    inserted it first."""
    await insert_unless_present(session, Channel, {"key": key, "created_at": created_at}, ["key"])
    channel = await channel_by_key(session, key)
    assert channel is not None
    return channel


async def channel_by_key(session: AsyncSession, key: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.key == key))


async def channel_ids(session: AsyncSession, keys: Iterable[str]) -> set[int]:
    """The stored ids of the channels with these keys."""
    return set(await session.scalars(select(Channel.id).where(Channel.key.in_(list(keys)))))


async def time_zones(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Each channel's time zone name (None where unset is left out), by channel id."""
    rows = await session.execute(
        select(Channel.id, Channel.timezone).where(Channel.id.in_(list(ids)))
    )
    return {channel_id: zone for channel_id, zone in rows.all() if zone}


async def channels_commented_in(session: AsyncSession, user_id: int) -> Sequence[Channel]:
    """The channels in whose discussion groups the person has commented."""
    groups = select(Comment.chat_id).where(Comment.user_id == user_id).distinct()
    return (
        await session.scalars(
            select(Channel).where(Channel.discussion_chat_id.in_(groups)).order_by(Channel.id)
        )
    ).all()
