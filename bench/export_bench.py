"""The comment log of a million comments: ``newsbot export`` beside the ``sqlite3`` shell.

Both are whole programs run the same way on the same database: ``newsbot export --format
csv|jsonl`` (a fresh process: start-up, configuration, the query, every row written) and
``sqlite3`` with ``export_log.sql`` / ``export_log_jsonl.sql`` (the same columns, joins,
order and filter). Rounds are interleaved; each figure is the median wall time and the
peak resident memory the kernel reports for the process (ru_maxrss). The last lines give
the ratios (targets: time <= 1.5x the shell's, newsbot's memory <= 60 MiB).

Run: .venv/bin/python bench/export_bench.py [--comments 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from million import build_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG = """token = "123456:BenchTokenNotUsedForExports_000000"
admins = [1]
database_url = "sqlite+aiosqlite:///{path}"
log_level = "WARNING"

[[channels]]
chat = -100
name = "news"
"""


def run(command: list[str], stdin: Path | None, stdout: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one process. The peak is the kernel's own
    high-water mark (VmHWM), read while the process runs: the rusage of a child started
    from this process would count this process's memory, inherited at fork."""
    peak_kib = 0
    with (
        stdin.open("rb") if stdin else open(os.devnull, "rb") as source,
        stdout.open("wb") as target,
    ):
        began = time.perf_counter()
        process = subprocess.Popen(command, stdin=source, stdout=target, cwd=ROOT)
        while process.poll() is None:
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - began
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({process.returncode})")
    return elapsed, peak_kib / 1024


def _high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass  # exited between the check and the read
    return 0


def newsbot(config: Path, kind: str, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "bot.cli", "export", "--config", str(config),
        "--format", kind, "--channel", "news", "--out", str(out),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shell = shutil.which("sqlite3")
    if shell is None:
        sys.exit("the baseline needs the sqlite3 shell (Debian: apt install sqlite3)")
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        database = directory / "bench.db"
        asyncio.run(build_database(database, args.comments))
        config = directory / "newsbot.toml"
        config.write_text(CONFIG.format(path=database))
        runs = {
            ("csv", "newsbot"): lambda: run(
                newsbot(config, "csv", directory / "n.csv"), None, directory / "n.out"
            ),
            ("csv", "sqlite3"): lambda: run(
                [shell, "-csv", "-header", str(database)],
                HERE / "export_log.sql",
                directory / "s.csv",
            ),
            ("jsonl", "newsbot"): lambda: run(
                newsbot(config, "jsonl", directory / "n.jsonl"), None, directory / "n.out"
            ),
            ("jsonl", "sqlite3"): lambda: run(
                [shell, "-list", str(database)],
                HERE / "export_log_jsonl.sql",
                directory / "s.jsonl",
            ),
        }
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in runs}
        for _ in range(args.rounds):
            for key, measure in runs.items():
                figures[key].append(measure())
    print(f"{'format':6} {'program':8} {'seconds':>8} {'peak MiB':>9}  rounds ({args.comments:,})")
    medians: dict[tuple[str, str], tuple[float, float]] = {}
    for (kind, program), values in figures.items():
        seconds = statistics.median(v[0] for v in values)
        memory = max(v[1] for v in values)
        medians[kind, program] = (seconds, memory)
        shown = ", ".join(f"{v[0]:.2f}" for v in values)
        print(f"{kind:6} {program:8} {seconds:8.2f} {memory:9.0f}  {shown}")
    for kind in ("csv", "jsonl"):
        ours, theirs = medians[kind, "newsbot"], medians[kind, "sqlite3"]
        print(
            f"{kind} export ratio newsbot/sqlite3: {ours[0] / theirs[0]:.2f} (target <= 1.5); "
            f"newsbot peak memory {ours[1]:.0f} MiB (target <= 60)"
        )


if __name__ == "__main__":
    main()
