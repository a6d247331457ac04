"""Roles granted per channel (``/grant moderator``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel, Role, RoleName


async def has_role(session: AsyncSession, user_id: int, role: RoleName, channel_id: int) -> bool:
    found = await session.scalar(
        select(Role.id).where(
            Role.user_id == user_id, Role.role == role, Role.channel_id == channel_id
        )
    )
    return found is not None


async def grant(
    session: AsyncSession,
    user_id: int,
    role: RoleName,
    channel_id: int,
    granted_by: int | None,
    at: datetime,
) -> bool:
    if await has_role(session, user_id, role, channel_id):
        return False
    session.add(
        Role(
            user_id=user_id,
            role=role,
            channel_id=channel_id,
            granted_by=granted_by,
            granted_at=at,
        )
    )
    await session.flush()
    return True


async def revoke(session: AsyncSession, user_id: int, role: RoleName, channel_id: int) -> bool:
    result = await session.execute(
        delete(Role).where(
            Role.user_id == user_id, Role.role == role, Role.channel_id == channel_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def channels_granted(session: AsyncSession, user_id: int, role: RoleName) -> set[str]:
    """The keys of the channels where ``user_id`` holds ``role``."""
    rows = await session.scalars(
        select(Channel.key)
        .join(Role, Role.channel_id == Channel.id)
        .where(Role.user_id == user_id, Role.role == role)
    )
    return set(rows)


async def holders(
    session: AsyncSession, role: RoleName, channel_keys: Iterable[str] | None = None
) -> set[int]:
    """Who holds ``role`` in any of the channels (every channel when None)."""
    query = select(Role.user_id).join(Channel, Channel.id == Role.channel_id)
    query = query.where(Role.role == role)
    if channel_keys is not None:
        query = query.where(Channel.key.in_(list(channel_keys)))
    return set(await session.scalars(query))
