"""Memory and time of a CSV and a JSON export of a million comments.

Run: .venv/bin/python bench/export_bench.py [--comments 1000000]
Prints the peak Python memory while exporting; it should stay flat as comments grow.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from bot.export.log import ExportScope, write_log
from db.engine import create_engine, create_session_factory

sys.path.insert(0, str(Path(__file__).resolve().parent))
from million import build_database


async def measure(path: Path, directory: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = create_session_factory(engine)
    for kind in ("csv", "jsonl", "json"):
        async with sessions() as session:
            tracemalloc.start()
            began = time.perf_counter()
            exported = await write_log(
                session,
                ExportScope(channel_id=1),
                kind,
                directory,  # type: ignore[arg-type]
                upload_limit=2**62,
                now=datetime.now(UTC),
            )
            elapsed = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        size = exported.path.stat().st_size
        print(
            f"{kind:5}: {exported.rows:,} comments, {size / 1e6:.0f} MB file, "
            f"{elapsed:.1f} s, peak Python memory {peak / 1e6:.1f} MB"
        )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.db"
        await build_database(path, args.comments)
        await measure(path, Path(directory))


if __name__ == "__main__":
    asyncio.run(main())
