from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import main
from db import migrate
from tests.conftest import PROJECT_ROOT, TEST_TOKEN


def _write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'database_url = "sqlite+aiosqlite:///{tmp_path / "cli.db"}"\n{extra}'
        '[[channels]]\nchat = -100111\nname = "news"\n',
        encoding="utf-8",
    )
    return path


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    assert "check-config" in capsys.readouterr().out


def test_unknown_command_is_usage_error() -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["fly"])
    assert stopped.value.code == 2


def test_check_config_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write_config(tmp_path)
    assert main(["--config", str(good), "check-config"]) == 0
    assert "Configuration OK: 1 channel: news" in capsys.readouterr().out
    bad = _write_config(tmp_path, 'log_level = "LOUD"\n')
    assert main(["--config", str(bad), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "log_level" in err
    assert TEST_TOKEN not in err


def test_db_upgrade_current_downgrade(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(_write_config(tmp_path))
    assert main(["--config", config, "db", "current"]) == 0
    assert "base (empty)" in capsys.readouterr().out
    assert main(["--config", config, "db", "upgrade"]) == 0
    assert f"revision {migrate.HEAD}" in capsys.readouterr().out
    assert main(["--config", config, "db", "downgrade"]) == 0
    assert f"revision {int(migrate.HEAD) - 1:04d}" in capsys.readouterr().out
    assert main(["--config", config, "db", "downgrade", "base"]) == 0
    assert "base (empty)" in capsys.readouterr().out


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(PROJECT_ROOT / "config.example.toml"),
            "check-config",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Configuration OK: 1 channel: news" in result.stdout


def test_config_is_accepted_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_write_config(tmp_path))
    assert main(["db", "current", "--config", config]) == 0
    assert "base (empty)" in capsys.readouterr().out
    assert main(["check-config", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: file not found" in capsys.readouterr().err


def test_doctor_tells_a_silent_database_server_from_an_old_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = 'api_base_url = "http://127.0.0.1:9"\n'  # Telegram's check fails fast; not ours
    old = _write_config(tmp_path, nowhere)
    assert main(["--config", str(old), "db", "upgrade", "0003"]) == 0
    capsys.readouterr()
    assert main(["--config", str(old), "doctor"]) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if "database:" in line]
    assert "is at revision 0003" in line
    assert "Fix: run newsbot db upgrade" in line

    silent = tmp_path / "silent.toml"
    silent.write_text(
        old.read_text("utf-8").replace(
            f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
            "postgresql+asyncpg://newsbot@127.0.0.1:9/newsbot",
        ),
        encoding="utf-8",
    )
    assert main(["--config", str(silent), "doctor"]) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if "database:" in line]
    assert "cannot use the database" in line
    assert "Fix: start the database server" in line
    assert "db upgrade" not in line


def test_status_during_a_database_outage_says_what_the_bot_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PostgreSQL server that does not answer: `newsbot status` says so and what a running
    bot does meanwhile, in a few lines and with the password masked, and fails."""
    from tests.processes import free_ports

    [port] = free_ports(1)  # nothing listens there
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'database_url = "postgresql+asyncpg://newsbot:s3cret@127.0.0.1:{port}/newsbot"\n'
        '[[channels]]\nchat = -1001\nname = "news"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "status"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Database: cannot use the database postgresql+asyncpg://newsbot:***@")
    assert "its server does not answer." in out
    assert "A running bot waits for it" in out
    assert "resumes by itself; nothing is lost" in out
    assert "s3cret" not in out
    assert len(out.splitlines()) == 2
