"""`newsbot demo` on a fresh machine: no token, no config, the whole flow, quickly."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from db.engine import create_engine, create_session_factory
from db.models import Comment, Poll, ReactionCount, Segment, SegmentState


async def _stored(database: Path) -> tuple[int, int, int, int]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with create_session_factory(engine)() as session:
            posted = await session.scalar(
                select(func.count())
                .select_from(Segment)
                .where(Segment.state == SegmentState.POSTED)
            )
            comments = await session.scalar(select(func.count()).select_from(Comment))
            votes = await session.scalar(select(func.sum(Poll.total_voters)))
            reactions = await session.scalar(select(func.count()).select_from(ReactionCount))
            return posted or 0, comments or 0, votes or 0, reactions or 0
    finally:
        await engine.dispose()


def test_demo_runs_to_the_end_and_keeps_its_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--keep"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "no token needed" in out
    assert "< Imported article 1: «Everything Russia's allies need to know" in out
    assert "9 posts and 6 polls" in out
    assert "3/9 posts, 0/6 polls" in out  # the admin's /status while publishing
    assert out.count("📊 ") == 6
    assert out.count("— closed") == 6
    assert "↪ Everything Russia's allies" in out
    assert "      ↳ " in out
    assert "Weekly summary · newsbot demo · 23–29 November" in out
    assert "Most agreed: «" in out
    assert "Readers who chose «" in out  # companion polls tell who voted what
    assert "What readers said about each lesson" in out
    assert "Recurring themes: " in out
    chart = Path(re.findall(r"chart image: (\S+)]", out)[-1])
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    database = Path(re.findall(r"stored in (\S+)", out)[-1])
    assert database.exists()
    posted, comments, votes, reactions = asyncio.run(_stored(database))
    assert posted == 9
    assert comments > 9
    assert votes > 20
    assert reactions > 0
    # Seeded readers: the same story every time.
    again = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )

    def strip(text: str) -> str:
        return re.sub(r"(127\.0\.0\.1:\d+|/tmp/\S+)", "", text)

    body = again.stdout.split("\nThe demo's database")[0]
    assert strip(body) == strip(out.split("\nEverything above is stored")[0])
    # Without --keep the temporary folder is gone afterwards.
    assert "now removed (--keep keeps it)" in again.stdout
    folder = Path(re.findall(r"Database: (\S+)", again.stdout)[0]).parent
    assert not folder.exists()
