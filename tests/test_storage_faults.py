"""A disk that fills under a running bot, and a database on a read-only file system: the
bot stays up and says why, or refuses to start in one line (a real ``newsbot run``).

These need a small file system of their own: a size-limited tmpfs, mounted by the test
(root, as CI runs). Where mounting is not allowed they are skipped, saying so. SQLite
only: a PostgreSQL server's disk is not the test's to fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from tests.conftest import PROJECT_ROOT, TEST_TOKEN, wait_until
from tests.databases import on_postgresql
from tests.processes import BotProcess, comment_count, short_article

pytestmark = pytest.mark.skipif(on_postgresql(), reason="the disk under SQLite is the subject")


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``folder`` for the test's database; skipped where it cannot
    be mounted (not root, or no mount rights in this sandbox)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        timeout=20,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=20, check=False)


def fill(folder: Path) -> Path:
    """Fill the file system until it refuses another byte."""
    filler = folder / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


def _config(path: Path, server: EmulatorServer, channel_id: int, admin: int, db: Path) -> Path:
    path.write_text(
        f'token = "{TEST_TOKEN}"\napi_base_url = "{server.base_url}"\nadmins = [{admin}]\n'
        f'database_url = "sqlite+aiosqlite:///{db}"\n'
        f'[[channels]]\nchat = {channel_id}\nname = "news"\npost_spacing = "1s"\n',
        encoding="utf-8",
    )
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        check=False,
    )


@pytest.mark.timeout(120)
async def test_a_full_disk_pauses_intake_says_why_and_resumes_by_itself(tmp_path: Path) -> None:
    world = World(TEST_TOKEN)
    admin = world.add_user("Ada")["id"]
    reader = world.add_user("Rita")["id"]
    channel_id, _group = world.create_channel("News", owner_id=admin)
    world.send_private(admin, "/start")
    with small_disk(tmp_path / "disk", "3m") as disk:
        database = disk / "newsbot.db"
        async with EmulatorServer(world) as server:
            config = _config(tmp_path / "newsbot.toml", server, channel_id, admin, database)
            url = f"sqlite+aiosqlite:///{database}"
            assert _cli("--config", str(config), "import", str(short_article(tmp_path)),
                        "--channel", "news").returncode == 0  # fmt: skip
            assert _cli("--config", str(config), "publish", "1").returncode == 0
            bot = BotProcess(config, tmp_path / "bot.log")
            bot.start()
            try:

                def posted() -> list[dict[str, Any]]:
                    return [m for m in world.messages(channel_id) if "Short news" in str(m)]

                await wait_until(lambda: posted() != [], timeout=30)
                post = posted()[0]
                await asyncio.sleep(1)  # its delivery recorded before the disk fills
                filler = fill(disk)

                def told(words: str) -> bool:
                    return any(words in str(m.get("text")) for m in world.messages(admin))

                # Long comments, a few at a time, until they cannot be stored.
                sent = 0
                while not told("I cannot store anything") and sent < 400:
                    for _ in range(10):
                        text = f"{sent} " + "x" * 4000
                        world.comment(reader, channel_id, post["message_id"], text)
                        sent += 1
                    with contextlib.suppress(AssertionError):
                        await wait_until(lambda: told("I cannot store anything"), timeout=0.5)
                assert told("I cannot store anything")
                notice = next(
                    m["text"] for m in world.messages(admin) if "cannot store" in str(m.get("text"))
                )
                assert "the disk under the database is full" in notice
                assert str(database) in notice
                world.send_private(admin, "/status")
                await wait_until(
                    lambda: (
                        sum("cannot store" in str(m.get("text")) for m in world.messages(admin))
                        >= 2
                    ),
                    timeout=60,
                )
                assert bot.process is not None
                assert bot.process.poll() is None  # still running
                filler.unlink()  # space returns
                await wait_until(lambda: told("Storing works again"), timeout=30)
                # The /status that waited is handled as usual now.
                await wait_until(lambda: told("Finished in the last week"), timeout=30)
                total, distinct = await comment_count(url)
                assert total == distinct == sent  # none lost, none twice
                told_count = sum(
                    "I cannot store" in str(m.get("text")) for m in world.messages(admin)
                )
                assert told_count == 2  # the notice once, the answer to /status once
            finally:
                bot.stop()
            # newsbot status, from outside, reads the disk too.
            filler = fill(disk)
            shown = _cli("--config", str(config), "status")
            assert "Storage: the disk under the database is full" in shown.stdout
            filler.unlink()
            log = (tmp_path / "bot.log").read_text(encoding="utf-8")
            assert "Traceback" not in log
            assert len(log.splitlines()) < 60, log


def test_a_read_only_file_system_is_one_line_naming_the_path(tmp_path: Path) -> None:
    world_token = TEST_TOKEN
    with small_disk(tmp_path / "disk", "8m") as disk:
        database = disk / "newsbot.db"
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'token = "{world_token}"\napi_base_url = "http://127.0.0.1:9"\n'
            f'database_url = "sqlite+aiosqlite:///{database}"\n'
            '[[channels]]\nchat = -1001234567890\nname = "news"\n',
            encoding="utf-8",
        )
        assert _cli("--config", str(config), "db", "upgrade").returncode == 0
        remount = subprocess.run(
            ["mount", "-o", "remount,ro", str(disk)], capture_output=True, timeout=20, check=False
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.strip()!r}")
        started = _cli("--config", str(config), "run")
        assert started.returncode != 0
        lines = started.stderr.strip().splitlines()
        assert len(lines) == 1, started.stderr
        assert str(disk) in lines[0]
        assert "Traceback" not in started.stderr + started.stdout
