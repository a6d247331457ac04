"""How long a weekly summary takes over a database of a million comments.

Run: .venv/bin/python bench/summary_bench.py [--comments 1000000]
Prints the time to build one week's figures, then the whole summary with its charts
(the target is under a second).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bot.config import ChannelConfig
from bot.summaries.content import gather_figures
from bot.summaries.period import period_for_week
from bot.summaries.service import build_summary
from db.engine import create_engine, create_session_factory
from db.models import Channel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from million import build_database


async def measure(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    channel_config = ChannelConfig(chat=-100, name="news", timezone="Europe/Berlin")
    period = period_for_week(channel_config, 2026, 48)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        channel = await session.get(Channel, 1)
        assert channel is not None
        for attempt in ("cold", "warm"):
            began = time.perf_counter()
            figures = await gather_figures(session, channel, period)
            elapsed = time.perf_counter() - began
            print(
                f"{attempt}: one week's figures in {elapsed:.3f} s "
                f"({figures.comments} comments, {figures.commenters} commenters, "
                f"{len(figures.lessons)} lessons, {len(figures.quotes)} quotes)"
            )
        for attempt in ("cold", "warm"):
            began = time.perf_counter()
            summary = await build_summary(session, channel_config, period)
            elapsed = time.perf_counter() - began
            print(
                f"{attempt}: the whole summary (figures, digest, text, {len(summary.charts)} "
                f"charts) in {elapsed:.3f} s"
            )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.db"
        await build_database(path, args.comments)
        await measure(path)


if __name__ == "__main__":
    asyncio.run(main())
