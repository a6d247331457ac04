from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, RoleName


async def has_role(session: AsyncSession, user_id: int, role: RoleName) -> bool:
    found = await session.scalar(select(Role.id).where(Role.user_id == user_id, Role.role == role))
    return found is not None


async def grant(
    session: AsyncSession, user_id: int, role: RoleName, granted_by: int | None
) -> bool:
    if await has_role(session, user_id, role):
        return False
    session.add(Role(user_id=user_id, role=role, granted_by=granted_by))
    await session.flush()
    return True


async def revoke(session: AsyncSession, user_id: int, role: RoleName) -> bool:
    result = await session.execute(delete(Role).where(Role.user_id == user_id, Role.role == role))
    return bool(getattr(result, "rowcount", 0))


async def holders(session: AsyncSession, role: RoleName) -> list[int]:
    return list((await session.scalars(select(Role.user_id).where(Role.role == role))).all())
