"""On SQLite a second bot process refuses to start instead of fighting the first."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import NewsBot
from bot.config import DatabaseUnavailable
from tests.conftest import PROJECT_ROOT
from tests.databases import on_postgresql
from tests.harness import running_harness

pytestmark = pytest.mark.skipif(on_postgresql(), reason="about SQLite's single process")


async def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        second = NewsBot(h.config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        with pytest.raises(DatabaseUnavailable) as refused:
            await second.start()
        assert f"in use by another newsbot process (pid {os.getpid()})" in str(refused.value)
        assert "move to PostgreSQL" in str(refused.value)
        config = tmp_path / "second.toml"
        config.write_text(
            f'token = "{h.config.token.get_secret_value()}"\n'
            f'api_base_url = "{h.config.api_base_url}"\n'
            f'database_url = "{h.config.database_url}"\n'
            f"[[channels]]\nchat = {h.channel_id}\n",
            encoding="utf-8",
        )
        second_process = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=PROJECT_ROOT,
        )
        assert second_process.returncode != 0
        error = second_process.stderr
        assert "in use by another newsbot process" in error
        assert h.config.token.get_secret_value() not in error
        # The first goes on undisturbed.
        assert "/mydata" in (await h.command("/start", h.world.add_user("Ola")["id"]))[0]
    # A clean stop leaves no lock file beside the database.
    assert not list(tmp_path.glob("*.lock"))
    # Once the first has stopped, a new one starts.
    async with running_harness(tmp_path / "again") as h2:
        assert list((tmp_path / "again").glob("*.lock"))
        await h2.newsbot.stop()
        assert not list((tmp_path / "again").glob("*.lock"))
        h2.newsbot = NewsBot(h2.config, clock=h2.clock, use_scheduler=False, request_timeout=2.0)
        await h2.newsbot.start()
