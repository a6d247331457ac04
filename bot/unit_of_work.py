"""The session an update is handled in, opened by the inbox and reached by handlers.

The inbox processes a batch of updates in one transaction (a savepoint each),
so a flood of comments is not one commit per message; handlers never commit.
What a handler sends goes into the outbox on the same session, so it is
undone with the update when the update fails.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class UnitOfWork:
    session: AsyncSession
    failures: list[BaseException]
    # The moment the update is handled, from the injected clock.
    now: datetime


_current: ContextVar[UnitOfWork | None] = ContextVar("newsbot_unit_of_work", default=None)


class NoUnitOfWork(RuntimeError):
    pass


def current() -> UnitOfWork:
    unit = _current.get()
    if unit is None:
        raise NoUnitOfWork("handlers run inside the inbox's unit of work")
    return unit


def current_session() -> AsyncSession:
    return current().session


def bind(session: AsyncSession, failures: list[BaseException], now: datetime) -> None:
    _current.set(UnitOfWork(session, failures, now))


def unbind() -> None:
    _current.set(None)


def report_failure(error: BaseException) -> None:
    """Called by the error handler: the update's savepoint is rolled back."""
    unit = _current.get()
    if unit is not None:
        unit.failures.append(error)
