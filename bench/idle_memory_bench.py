"""Resident memory of an idle ``newsbot run`` beside the bare baseline application.

Each process is started against the emulator, left idle for a few seconds once it says
it is polling, and measured (VmRSS); three rounds, interleaved; medians, then the ratio.
No target: 70–80 MiB idle is fine for a bot. It stays as a guard: a ratio of 3.8 or
more (twice the 1.9 recorded in bench/README.md) is a regression to look into.

Run: .venv/bin/python bench/idle_memory_bench.py [--rounds 3] [--idle 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import rss_mib, spawn_bare, spawn_newsbot, stage, stop


async def measure(kind: str, idle: float) -> float:
    scene = await stage()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        process = (
            await spawn_newsbot(scene, directory)
            if kind == "newsbot"
            else await spawn_bare(scene, directory, "insert", 0)
        )
        try:
            await asyncio.sleep(idle)
            return rss_mib(process.pid)
        finally:
            await stop(process)
            await scene.server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"newsbot": [], "bare": []}
    for _ in range(args.rounds):
        for kind in figures:
            figures[kind].append(await measure(kind, args.idle))
    print(f"{'process':10} {'median MiB':>10}  rounds")
    for kind, values in figures.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"{kind:10} {statistics.median(values):10.1f}  {shown}")
    ratio = statistics.median(figures["newsbot"]) / statistics.median(figures["bare"])
    print(f"idle memory ratio newsbot/bare: {ratio:.2f} (recorded 1.9; 3.8 or more: a regression)")


if __name__ == "__main__":
    asyncio.run(main())
