"""The Mini App's lesson page for a lesson with 100,000 comments, beside its bare query.

newsbot's figure is the whole first screen as a request gets it: the view model
(``lesson_page``: the lesson, the named votes, the newest 50 top-level comments and the
answers to them) and its HTML, in-process on a warm database. The baseline is the page's
main query (the newest 50 top-level comments: the same two ordered reads merged, the same
filters and order) typed into the ``sqlite3`` shell, timed by the shell's ``.timer``.
Target: newsbot under 300 ms.

Run: .venv/bin/python bench/lesson_page_bench.py [--comments 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.access import Scope
from bot.config import config_from_mapping
from bot.i18n import translator
from bot.web.lesson import lesson_page
from bot.web.server import HERE
from db import migrate
from db.engine import create_engine, create_session_factory
from db.models import Article, Channel, Comment, Lesson, Poll, PollAnswer, Segment, User

GROUP = -200
START = datetime(2026, 11, 1, tzinfo=UTC)
BARE_QUERY = """
SELECT c.id, c.text, c.created_at, u.first_name FROM comments c
LEFT JOIN users u ON u.id = c.user_id
WHERE c.id IN (
  SELECT id FROM (
    SELECT * FROM (SELECT id, created_at FROM comments c
      WHERE c.lesson_id = 1 AND c.hidden = 0 AND c.erased_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM comments a
                        WHERE a.chat_id = c.chat_id AND a.message_id = c.reply_to_message_id)
      ORDER BY created_at DESC, id DESC LIMIT 51)
    UNION ALL
    SELECT * FROM (SELECT id, created_at FROM comments c
      WHERE c.segment_id = 1 AND c.lesson_id IS NULL AND c.hidden = 0 AND c.erased_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM comments a
                        WHERE a.chat_id = c.chat_id AND a.message_id = c.reply_to_message_id)
      ORDER BY created_at DESC, id DESC LIMIT 51)
  ) ORDER BY created_at DESC, id DESC LIMIT 51)
ORDER BY c.created_at DESC, c.id DESC;
"""


def populate(path: Path, comments: int) -> None:
    engine = create_sync_engine(f"sqlite:///{path}")
    rng = random.Random(3)
    with engine.begin() as connection:
        connection.execute(
            insert(Channel),
            [
                {
                    "id": 1,
                    "key": "news",
                    "chat_id": -100,
                    "discussion_chat_id": GROUP,
                    "title": "News",
                    "created_at": START,
                }
            ],
        )
        connection.execute(insert(User), [
            {"id": n, "first_name": f"Reader{n}", "first_seen": START, "last_seen": START}
            for n in range(1, 5001)
        ])  # fmt: skip
        connection.execute(insert(Article), [{
            "id": 1, "channel_id": 1, "content_hash": "x", "title": "Article",
            "source_format": "text", "language": "en", "raw_text": "", "imported_at": START,
        }])  # fmt: skip
        connection.execute(insert(Segment), [{
            "id": 1, "article_id": 1, "channel_id": 1, "position": 0, "kind": "lessons",
            "html": "", "text": "Lessons", "state": "posted", "attempts": 0,
        }])  # fmt: skip
        connection.execute(insert(Lesson), [
            {"id": 1, "segment_id": 1, "position": 0, "text": "A lesson", "question": "Agree?"}
        ])  # fmt: skip
        connection.execute(insert(Poll), [{
            "id": 1, "lesson_id": 1, "chat_id": GROUP, "options": ["Agree", "Partly", "No"],
            "counts": [0, 0, 0], "total_voters": 0, "state": "posted", "companion": True,
            "anonymous": False, "attempts": 0,
        }])  # fmt: skip
        connection.execute(insert(PollAnswer), [
            {"poll_id": 1, "user_id": n, "option_ids": [rng.randrange(3)], "answered_at": START,
             "retracted": False}
            for n in range(1, 2001)
        ])  # fmt: skip
        batch = []
        for n in range(1, comments + 1):
            answers = 1000 + rng.randrange(1, n) if n > 10 and rng.random() < 0.3 else None
            batch.append({
                "chat_id": GROUP, "message_id": 1000 + n, "thread_id": 999, "segment_id": 1,
                "lesson_id": 1, "reply_to_message_id": answers,
                "user_id": rng.randrange(1, 5001), "text": f"Comment number {n} on the lesson.",
                "created_at": START + timedelta(seconds=n * 7), "hidden": False,
            })  # fmt: skip
            if len(batch) == 10_000:
                connection.execute(insert(Comment), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Comment), batch)
    engine.dispose()


async def newsbot_round(path: Path) -> float:
    config = config_from_mapping(
        {"token": "123456:BenchTokenNotUsedHere_000000000000", "channels": [{"chat": -100,
         "name": "news"}], "database_url": f"sqlite+aiosqlite:///{path}"}, env={},
    )  # fmt: skip
    engine = create_engine(config.database_url)
    sessions = create_session_factory(engine)
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
    )
    scope = Scope(1, True, frozenset({"news"}), frozenset({"news"}))
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        async with sessions() as session:
            page = await lesson_page(session, 1, scope, config, translator("en"), {})
        assert page is not None
        html = templates.get_template("lesson.html").render(page=page)
        timings.append(time.perf_counter() - began)
        assert html.count('class="text"') >= 50
    await engine.dispose()
    return min(timings)


def shell_round(shell: str, path: Path) -> float:
    script = ".timer on\n" + BARE_QUERY
    result = subprocess.run(
        [shell, str(path)], input=script, capture_output=True, text=True, timeout=120, check=True
    )
    real = re.findall(r"Run Time: real ([0-9.]+)", result.stdout)
    return float(real[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    shell = shutil.which("sqlite3")
    if shell is None:
        sys.exit("the baseline needs the sqlite3 shell (Debian: apt install sqlite3)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lesson.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        asyncio.run(migrate.upgrade(engine))
        asyncio.run(engine.dispose())
        began = time.perf_counter()
        populate(path, args.comments)
        print(f"database: {args.comments:,} comments under one lesson, "
              f"built in {time.perf_counter() - began:.1f} s")  # fmt: skip
        ours, bare = [], []
        for _ in range(args.rounds):
            ours.append(asyncio.run(newsbot_round(path)))
            bare.append(shell_round(shell, path))
    newsbot_ms, shell_ms = statistics.median(ours) * 1000, statistics.median(bare) * 1000
    print(f"lesson page, first screen (view and HTML): {newsbot_ms:.1f} ms (target < 300 ms)")
    print(f"sqlite3 shell, the page's main query:      {shell_ms:.1f} ms")
    print(f"ratio to the sqlite3 shell: {newsbot_ms / max(shell_ms, 0.01):.1f}")


if __name__ == "__main__":
    main()
