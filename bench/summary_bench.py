"""A weekly summary over a million comments, beside the same figures in the sqlite3 shell.

Each round starts a fresh process that makes the week's summary twice, as ``/summary``
would in a running bot: first cold (the first summary after start, which also loads the
chart library), then warm (every later one). The baseline, interleaved,
is ``sqlite3`` running ``summary_figures.sql`` (the week's figures by hand) as a whole
program. Medians; the last line gives the whole command's time and its ratio to the
shell. No target (1.3 s once a week harms no one): it guards against a regression of 2x.

Run: .venv/bin/python bench/summary_bench.py [--comments 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


async def measure(path: Path) -> dict[str, float]:
    """In this process: the summary cold, then warm, and the figures alone."""
    from bot.config import ChannelConfig, read_struct
    from bot.summaries.period import period_for_week
    from bot.summaries.service import build_summary
    from db.engine import create_engine, create_session_factory
    from db.models import Channel

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    channel_config = read_struct(
        ChannelConfig, {"chat": -100, "name": "news", "timezone": "Europe/Berlin"}
    )
    period = period_for_week(channel_config, 2026, 48)
    figures: dict[str, float] = {}
    async with create_session_factory(engine)() as session:
        for attempt in ("cold", "warm"):
            began = time.perf_counter()
            summary = await build_summary(session, channel_config, period)
            figures[attempt] = time.perf_counter() - began
            assert summary.chart is not None, "a week of a million comments has a chart"
        # Imported only now: the first summary loads what gathers and words it, as in a bot.
        from bot.summaries.content import gather_figures

        channel = await session.get(Channel, 1)
        assert channel is not None
        began = time.perf_counter()
        await gather_figures(session, channel, period)
        figures["figures"] = time.perf_counter() - began
    await engine.dispose()
    return figures


def newsbot_round(path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=HERE.parent,
    ).stdout
    figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return figures


def shell_round(shell: str, path: Path) -> float:
    with (HERE / "summary_figures.sql").open("rb") as script:
        began = time.perf_counter()
        subprocess.run(
            [shell, str(path)], stdin=script, stdout=subprocess.DEVNULL, check=True, timeout=300
        )
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure))))
        return
    shell = shutil.which("sqlite3")
    if shell is None:
        sys.exit("the baseline needs the sqlite3 shell (Debian: apt install sqlite3)")
    rounds: dict[str, list[float]] = {"cold": [], "warm": [], "figures": [], "sqlite3": []}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        asyncio.run(build_database(path, args.comments))
        for _ in range(args.rounds):
            for key, value in newsbot_round(path).items():
                rounds[key].append(value)
            rounds["sqlite3"].append(shell_round(shell, path))
    names = {
        "cold": "newsbot, first summary after start",
        "warm": "newsbot, any later summary",
        "figures": "newsbot, the figures alone",
        "sqlite3": "sqlite3 shell, the figures",
    }
    medians = {key: statistics.median(values) for key, values in rounds.items()}
    print(f"{'':36} {'seconds':>8}  rounds ({args.comments:,} comments)")
    for key, values in rounds.items():
        shown = ", ".join(f"{v:.3f}" for v in values)
        print(f"{names[key]:36} {medians[key]:8.3f}  {shown}")
    print(
        f"summary whole command: {medians['cold']:.2f} s cold, {medians['warm']:.2f} s warm "
        "(recorded 0.52 s cold at a million comments; 1.04 s or more: a regression); "
        f"ratio to the sqlite3 shell: {medians['cold'] / medians['sqlite3']:.1f}"
    )


if __name__ == "__main__":
    main()
