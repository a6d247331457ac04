from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxUpdate


async def store_updates(
    session: AsyncSession,
    payloads: list[dict[str, Any]],
    received_at: datetime,
    ordering_key: Callable[[dict[str, Any]], str | None] = lambda _payload: None,
) -> int:
    """Insert the updates not stored yet; an update delivered twice is stored once."""
    ids = [payload["update_id"] for payload in payloads]
    known = set(
        await session.scalars(select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids)))
    )
    fresh = [p for p in payloads if p["update_id"] not in known]
    if fresh:  # one executemany: the rows' ids are not needed back
        await session.execute(
            insert(InboxUpdate),
            [
                {
                    "update_id": p["update_id"],
                    "payload": p,
                    "received_at": received_at,
                    "ordering_key": ordering_key(p),
                }
                for p in fresh
            ],
        )
    return len(fresh)


class StoredUpdate(NamedTuple):
    """An update waiting in the inbox: plain values, not an ORM object (a batch reads two
    hundred of them, and the inbox only reads them)."""

    id: int
    update_id: int
    payload: dict[str, Any]


_WAITING = (InboxUpdate.processed_at.is_(None), InboxUpdate.quarantined_at.is_(None))


class Claimed(NamedTuple):
    id: int
    update_id: int
    ordering_key: str | None


async def lock_waiting(session: AsyncSession, limit: int) -> list[Claimed]:
    """The next waiting updates, in order, locked for this transaction. Rows another
    process has locked are skipped, not waited for (``SKIP LOCKED`` on PostgreSQL; SQLite
    has one process and no row locks)."""
    rows = await session.execute(
        select(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.ordering_key)
        .where(*_WAITING)
        .order_by(InboxUpdate.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [Claimed(*row) for row in rows]


async def earliest_waiting_elsewhere(
    session: AsyncSession, keys: set[str], mine: list[int]
) -> dict[str, int]:
    """For each ordering key, the lowest update id still waiting outside the rows ``mine``."""
    if not keys:
        return {}
    rows = await session.execute(
        select(InboxUpdate.ordering_key, func.min(InboxUpdate.update_id))
        .where(*_WAITING, InboxUpdate.ordering_key.in_(keys), InboxUpdate.id.not_in(mine))
        .group_by(InboxUpdate.ordering_key)
    )
    return {str(key): int(first) for key, first in rows}


async def with_payloads(
    session: AsyncSession, rows: list[Claimed], held: Mapping[int, dict[str, Any]] | None = None
) -> list[StoredUpdate]:
    """The rows with their updates. ``held``: payloads by update id the caller still has
    from storing them, so they are not read back and decoded again."""
    held = held or {}
    missing = [row.id for row in rows if row.update_id not in held]
    stored: dict[int, dict[str, Any]] = {}
    if missing:
        found = await session.execute(
            select(InboxUpdate.id, InboxUpdate.payload).where(InboxUpdate.id.in_(missing))
        )
        stored = {row.id: row.payload for row in found}
    return [
        StoredUpdate(
            row.id, row.update_id, held[row.update_id] if row.update_id in held else stored[row.id]
        )
        for row in rows
    ]


async def missing_update_ids(session: AsyncSession, first: int, last: int) -> list[int]:
    """Where update ids skip from the last one stored before ``first`` up to ``last``
    (Telegram numbers updates one after another): the first id of each hole, in order."""
    previous = await session.scalar(
        select(func.max(InboxUpdate.update_id)).where(InboxUpdate.update_id < first)
    )
    expected = previous + 1 if previous is not None else first
    holes = []
    for update_id in await session.scalars(
        select(InboxUpdate.update_id)
        .where(InboxUpdate.update_id.between(first, last))
        .order_by(InboxUpdate.update_id)
    ):
        if update_id != expected:
            holes.append(expected)
        expected = update_id + 1
    return holes


async def highest_update_id(session: AsyncSession) -> int | None:
    return await session.scalar(select(func.max(InboxUpdate.update_id)))


async def by_ids(session: AsyncSession, ids: list[int]) -> Sequence[InboxUpdate]:
    return (await session.scalars(select(InboxUpdate).where(InboxUpdate.id.in_(ids)))).all()


async def quarantined(session: AsyncSession) -> Sequence[InboxUpdate]:
    return (
        await session.scalars(
            select(InboxUpdate)
            .where(InboxUpdate.quarantined_at.is_not(None))
            .order_by(InboxUpdate.update_id)
        )
    ).all()


async def quarantined_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(InboxUpdate)
            .where(InboxUpdate.quarantined_at.is_not(None))
        )
        or 0
    )


async def release(session: AsyncSession, update_ids: list[int]) -> int:
    """Quarantined updates back into the queue, with their attempts reset."""
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id.in_(update_ids), InboxUpdate.quarantined_at.is_not(None))
        .values(quarantined_at=None, attempts=0, error=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def drop(session: AsyncSession, update_ids: list[int], at: datetime) -> int:
    """Give quarantined updates up: their content is discarded, the row keeps the offset."""
    rows = (
        await session.scalars(
            select(InboxUpdate).where(
                InboxUpdate.update_id.in_(update_ids), InboxUpdate.quarantined_at.is_not(None)
            )
        )
    ).all()
    for row in rows:
        row.payload = {"update_id": row.update_id}
        row.quarantined_at = None
        row.processed_at = at
        row.error = f"dropped by the operator; {row.error or ''}"[:2000]
    return len(rows)


async def delete_settled(
    session: AsyncSession, processed_before: datetime, quarantined_before: datetime
) -> int:
    """Raw updates past their use: handled ones after a while, quarantined ones later."""
    result = await session.execute(
        delete(InboxUpdate).where(
            (
                (InboxUpdate.processed_at.is_not(None))
                & (InboxUpdate.processed_at < processed_before)
            )
            | (
                (InboxUpdate.quarantined_at.is_not(None))
                & (InboxUpdate.quarantined_at < quarantined_before)
            )
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def stream_all(session: AsyncSession) -> AsyncIterator[InboxUpdate]:
    result = await session.stream_scalars(select(InboxUpdate).execution_options(yield_per=500))
    async for row in result:
        yield row


async def mark_processed(session: AsyncSession, row_ids: list[int], at: datetime) -> None:
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id.in_(row_ids))
        .values(processed_at=at)
        .execution_options(synchronize_session=False)
    )
