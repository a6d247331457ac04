"""Run Alembic migrations from code: the bot upgrades on start, the CLI by hand.

Alembic (with Mako) costs a running bot some 10 MiB it would keep for nothing, so it
is imported only when the schema is behind: a start on an up-to-date database reads
the stored revision with one query and compares it with ``HEAD``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Beside ``db`` both in a checkout and in site-packages; not imported by name,
# since a stray "migrations" folder in the working directory would shadow it.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest revision in migrations/versions (a test checks Alembic agrees).
HEAD = "0012"
# The key of the PostgreSQL advisory lock under which one of several processes started
# together migrates while the others wait (any number no other application uses).
MIGRATION_LOCK_KEY = 0x6E657773626F74  # "newsbot"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config pointing at the packaged migrations, sharing ``connection``."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate in one transaction. On PostgreSQL that transaction first takes an advisory
    lock: of several processes started together one migrates, the others wait for it and
    then find nothing left to do (DDL there is transactional, so none sees half a schema).
    SQLite needs no lock: one process at a time holds its file (``single_process``)."""
    from alembic import command

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def upgrade_if_behind(engine: AsyncEngine) -> bool:
    """Upgrade to ``HEAD`` unless the database is there already; whether it upgraded."""
    if await stored_revision(engine) == HEAD:
        return False
    await upgrade(engine)
    return True


async def stored_revision(engine: AsyncEngine) -> str | None:
    """The revision recorded in the database, read without Alembic (None: none yet)."""
    async with engine.connect() as connection:
        try:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None  # no alembic_version table: an empty database
        row = found.first()
    return str(row[0]) if row is not None else None


async def downgrade(engine: AsyncEngine, revision: str = "-1") -> None:
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    """The newest revision this code knows, as Alembic reads the scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
