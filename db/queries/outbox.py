"""The outbox's rows: what is due, and what a sent message tells its buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Button, OutboxMessage


async def due(session: AsyncSession, now: datetime, limit: int) -> Sequence[tuple[int, int]]:
    """(id, chat id) of unsent messages whose time has come, oldest first."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.waiting_since.is_(None),
            OutboxMessage.due_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return [(row_id, chat_id) for row_id, chat_id in rows]


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.waiting_since.is_(None),
        )
    )


async def postpone_chat(session: AsyncSession, chat_id: int, until: datetime) -> None:
    """Hold every unsent message to a chat until ``until``, so the chat keeps its order."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.due_at < until,
        )
        .values(due_at=until)
    )


async def attach_buttons(session: AsyncSession, tokens: list[str], message_id: int) -> None:
    if tokens:
        await session.execute(
            update(Button).where(Button.token.in_(tokens)).values(message_id=message_id)
        )


async def delete_settled_before(session: AsyncSession, before: datetime) -> int:
    """Sent or failed messages older than ``before``: their job is done."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.created_at < before,
            (OutboxMessage.sent_at.is_not(None)) | (OutboxMessage.failed_at.is_not(None)),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_unsent_to(session: AsyncSession, chat_id: int) -> int:
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.sent_at.is_(None)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def release_claims(session: AsyncSession) -> int:
    """Free messages a stopped process had claimed, so they go out now (one process only)."""
    freed = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_until.is_not(None))
        .values(claimed_until=None)
    )
    return int(freed.rowcount)  # type: ignore[attr-defined]


def _unsent_to(chat_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxMessage.chat_id == chat_id,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    )


async def wait_for_person(session: AsyncSession, chat_id: int, now: datetime, error: str) -> None:
    """Every unsent message to the person waits (their order kept) until they write."""
    await session.execute(
        update(OutboxMessage)
        .where(*_unsent_to(chat_id), OutboxMessage.waiting_since.is_(None))
        .values(waiting_since=now, claimed_until=None, last_error=error)
    )


async def release_waiting(session: AsyncSession, chat_id: int, now: datetime) -> int:
    result = await session.execute(
        update(OutboxMessage)
        .where(*_unsent_to(chat_id), OutboxMessage.waiting_since.is_not(None))
        .values(waiting_since=None, due_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_waiting_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.waiting_since.is_not(None), OutboxMessage.waiting_since < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
