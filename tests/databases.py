"""Where a test keeps its data: a SQLite file in its own folder, or, when
``NEWSBOT_TEST_DATABASE_URL`` names a PostgreSQL server, a fresh database there.

``.ci/run`` runs the whole suite both ways; every test that is not about SQLite itself
takes its database from here.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

SERVER_URL = os.environ.get("NEWSBOT_TEST_DATABASE_URL", "")
_created: dict[tuple[Path, str], str] = {}


def on_postgresql() -> bool:
    return SERVER_URL.startswith("postgresql")


def database_url(folder: Path, name: str = "newsbot") -> str:
    """The database for ``name`` in the test folder ``folder``: the same URL every time it
    is asked for (a test that restarts the bot finds its data again)."""
    if not on_postgresql():
        return f"sqlite+aiosqlite:///{folder / name}.db"
    key = (folder, name)
    if key not in _created:
        database = f"newsbot_test_{uuid.uuid4().hex[:16]}"
        _on_server(f'CREATE DATABASE "{database}"')
        _created[key] = (
            make_url(SERVER_URL).set(database=database).render_as_string(hide_password=False)
        )
    return _created[key]


def _on_server(statement: str) -> None:
    """One statement on the server, from a thread of its own (tests call this from inside
    and outside running event loops)."""
    failure: list[BaseException] = []

    async def run() -> None:
        engine = create_async_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    def in_thread() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]


LOCAL_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@contextlib.asynccontextmanager
async def scratch_postgresql() -> AsyncIterator[str]:
    """An empty database of its own on the local PostgreSQL server (its URL), dropped
    afterwards; skips the test where no server answers. For tests about PostgreSQL itself,
    whichever database the rest of the suite runs on."""
    name = f"newsbot_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(LOCAL_SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OSError as exc:  # pragma: no cover - only where no server runs
        await admin.dispose()
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {exc}")
    try:
        yield make_url(LOCAL_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@atexit.register
def _drop_created() -> None:
    for url in _created.values():
        database = make_url(url).database
        with contextlib.suppress(Exception):  # a leftover test database harms nothing
            _on_server(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


_template: list[Path] = []


async def seeded_with_the_schema(url: str) -> None:
    """A new SQLite database starts as a copy of one migrated once per test process: the
    full migration is a fifth of a second (more under coverage) and most tests start a
    bot on an empty database. The bot still checks the schema at start. Migrations
    themselves are tested on databases of their own (tests/test_database.py)."""
    from db import migrate
    from db.engine import create_engine

    database = make_url(url).database
    if not url.startswith("sqlite") or not database or Path(database).exists():
        return
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="newsbot-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "schema.db"
        engine = create_engine(f"sqlite+aiosqlite:///{template}")
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        _template.append(template)
    await asyncio.to_thread(shutil.copyfile, _template[0], database)
