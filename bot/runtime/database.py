"""The database as the running process sees it: engine, migrations, sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels import ensure_channel
from bot.clock import Clock
from bot.config import Config, DatabaseUnavailable
from bot.logs import redact
from bot.runtime.storage import server_gone
from db import migrate
from db.engine import create_engine, create_session_factory


def unavailable(config: Config, error: BaseException) -> DatabaseUnavailable:
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    reason = redact(f"{cause.__class__.__name__}: {first_line}", config.secrets)
    return DatabaseUnavailable(
        f"cannot use the database {config.database_display}: {reason}",
        server_gone=server_gone(error),
    )


async def upgrade_or_explain(config: Config, engine: AsyncEngine) -> None:
    """Bring the schema up to date; an unreachable database becomes ``DatabaseUnavailable``."""
    try:
        await migrate.upgrade_if_behind(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise unavailable(config, exc) from None


@asynccontextmanager
async def database(config: Config, clock: Clock) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Upgrade the schema, register the configured channels, and hand out sessions."""
    engine = create_engine(config.database_url)
    try:
        await upgrade_or_explain(config, engine)
        sessions = create_session_factory(engine)
        async with sessions.begin() as session:
            for channel in config.channels:
                await ensure_channel(session, channel, clock.now())
        yield sessions
    finally:
        await engine.dispose()


async def schema_state(config: Config) -> tuple[bool, str, str]:
    """Whether the database answers and is at the newest revision, in words, and what to do
    if not: a server that does not answer is not a schema to upgrade."""
    engine = create_engine(config.database_url)
    try:
        current = await migrate.current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        return (
            False,
            str(unavailable(config, exc)),
            "start the database server, or check database_url and the network to it",
        )
    finally:
        await engine.dispose()
    head = migrate.head_revision()
    if current != head:
        return (
            False,
            f"{config.database_display} is at revision {current or 'base (empty)'}, "
            f"this newsbot needs {head}",
            "run newsbot db upgrade (or newsbot run, which upgrades on start)",
        )
    return True, f"{config.database_display} is at revision {head}", ""
