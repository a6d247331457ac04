"""The session an update is handled in, opened by the inbox and reached by handlers.

The inbox processes a batch of updates in one transaction (a savepoint each),
so a flood of comments is not one commit per message; handlers never commit.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

_session: ContextVar[AsyncSession | None] = ContextVar("newsbot_session", default=None)
_failures: ContextVar[list[BaseException] | None] = ContextVar("newsbot_failures", default=None)


class NoUnitOfWork(RuntimeError):
    pass


def current_session() -> AsyncSession:
    session = _session.get()
    if session is None:
        raise NoUnitOfWork("handlers run inside the inbox's unit of work")
    return session


def bind(session: AsyncSession, failures: list[BaseException]) -> None:
    _session.set(session)
    _failures.set(failures)


def unbind() -> None:
    _session.set(None)
    _failures.set(None)


def report_failure(error: BaseException) -> None:
    """Called by the error handler: the update's savepoint is rolled back."""
    failures = _failures.get()
    if failures is not None:
        failures.append(error)
