"""On SQLite one bot process at a time: a second one refuses to start, saying why, instead
of fighting the first for getUpdates (Telegram's ``Conflict``) and the database's lock.

The lock is the operating system's (``flock`` on a file beside the database), so it goes
with the process however it ends, ``kill -9`` included.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.config import Config, DatabaseUnavailable


def sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


class ProcessLock:
    def __init__(self, handle: TextIO) -> None:
        self._handle = handle

    def release(self) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def hold_database(config: Config) -> ProcessLock | None:
    """Take the SQLite database for this process; None where several may share it."""
    database = sqlite_file(config.database_url)
    if database is None:
        return None
    path = database.with_name(database.name + ".lock")
    try:
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:  # a read-only file system or folder, a missing folder, a full disk
        raise DatabaseUnavailable(
            f"cannot write in {path.parent.resolve()} ({exc.strerror or exc}): newsbot keeps "
            "its database and a lock file there; give it a folder it may write in"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise DatabaseUnavailable(
            f"{database} is in use by another newsbot process (pid {holder}); on SQLite one "
            "process serves the bot: stop the other one, or move to PostgreSQL to run several "
            "(README: Deployment)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return ProcessLock(handle)
