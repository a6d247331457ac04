"""On SQLite one bot process at a time: a second one refuses to start, saying why, instead
of fighting the first for getUpdates (Telegram's ``Conflict``) and the database's lock.

The lock is the operating system's (``flock`` on a file beside the database), so it goes
with the process however it ends, ``kill -9`` included; a clean stop also removes the
file.
"""

from __future__ import annotations

import contextlib
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
    def __init__(self, handle: TextIO, path: Path) -> None:
        self._handle, self._path = handle, path

    def release(self) -> None:
        """Removes the lock file (a clean stop leaves nothing behind), then unlocks: one
        who opened the old file meanwhile finds, once it holds it, that it is not the file
        at the path any more, and tries again (``hold_database``)."""
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def hold_database(config: Config) -> ProcessLock | None:
    """Take the SQLite database for this process; None where several may share it."""
    database = sqlite_file(config.database_url)
    if database is None:
        return None
    path = database.with_name(database.name + ".lock")
    while True:
        handle = _open(path)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise DatabaseUnavailable(
                f"{database} is in use by another newsbot process (pid {holder}); on SQLite "
                "one process serves the bot: stop the other one, or move to PostgreSQL to "
                "run several (README: Deployment)"
            ) from None
        if _is_at(handle, path):
            break
        handle.close()  # the holder removed it as it stopped: take the path's new file
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return ProcessLock(handle, path)


def _open(path: Path) -> TextIO:
    try:
        return path.open("a+", encoding="utf-8")
    except OSError as exc:  # a read-only file system or folder, a missing folder, a full disk
        raise DatabaseUnavailable(
            f"cannot write in {path.parent.resolve()} ({exc.strerror or exc}): newsbot keeps "
            "its database and a lock file there; give it a folder it may write in"
        ) from None


def _is_at(handle: TextIO, path: Path) -> bool:
    """Whether the open file is still the one at ``path`` (not removed or replaced)."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False
