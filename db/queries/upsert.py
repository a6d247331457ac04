"""Inserts that several processes may make at once: the loser finds the winner's row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Base


async def insert_unless_present(
    session: AsyncSession,
    model: type[Base],
    values: dict[str, Any] | list[dict[str, Any]],
    unique: Sequence[str],
) -> None:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING`` on both dialects: no error and no
    aborted transaction when another process inserted the same row first. Several rows go
    in one statement; give them in one order everywhere (by key), so two processes
    inserting the same rows wait for each other instead of deadlocking."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(
        module.insert(model).values(values).on_conflict_do_nothing(index_elements=unique)
    )
