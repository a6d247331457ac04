"""A PostgreSQL server of a test's own, on a free port in the test's folder: one it may
stop and start (the shared server on 5432 is never stopped)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import free_ports


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Cluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *arguments: str) -> None:
        pg_ctl = _binary("pg_ctl")
        assert pg_ctl is not None
        command = [pg_ctl, "-D", str(self.folder / "data"), "-w", "-t", "30", *arguments]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.folder / "server.log"), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A fresh server in a folder of its own (the server's user must reach it, which a
    test's folder under root's may not allow), started; stopped and removed afterwards.
    Skips the test where PostgreSQL's programs are not installed."""
    initdb = _binary("initdb")
    if initdb is None:
        pytest.skip("PostgreSQL's initdb is not installed")
    folder = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
    command = [initdb, "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync"]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    cluster = Cluster(folder, free_ports(1)[0])
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
