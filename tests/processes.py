"""Running newsbot as a real process against an in-test emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.emulator.server import EmulatorServer
from tests.conftest import PROJECT_ROOT, TEST_TOKEN
from tests.databases import database_url


def write_config(
    path: Path,
    server: EmulatorServer,
    channel_id: int,
    admin_id: int,
    extra: str = "",
    log_level: str = "INFO",
) -> Path:
    path.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'api_base_url = "{server.base_url}"\n'
        f"admins = [{admin_id}]\n"
        f'database_url = "{database_url(path.parent)}"\n'
        f'log_level = "{log_level}"\n'
        f"{extra}\n"
        f'[[channels]]\nchat = {channel_id}\nname = "news"\npost_spacing = "1s"\n'
        '\n[publishing]\ndoubt_window = "2s"\nlease = "3s"\n',
        encoding="utf-8",
    )
    return path


class BotProcess:
    """``newsbot run`` in a subprocess, its output kept in a file for the test to read."""

    def __init__(self, config: Path, log: Path, *options: str) -> None:
        self.config, self.log = config, log
        self.options = list(options)  # after "run", as --webhook URL or --polling
        self.process: subprocess.Popen[Any] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("NEWSBOT_TOKEN", None)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "--config",
                    str(self.config),
                    "run",
                    *self.options,
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
                env=env,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no clean-up at all
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
