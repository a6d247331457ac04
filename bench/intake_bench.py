"""Comment intake through the whole bot, beside a bare python-telegram-bot application.

Each round gives a fresh emulator a channel post with a discussion thread, starts one
bot process (``newsbot run``; the bare application inserting each message with
aiosqlite; the bare application only counting), then has readers write N comments
under the post and times how long the bot takes until it has them all (newsbot: rows
in its database; the bare app: it says so). Rounds are interleaved; medians; the last
line gives the ratios (targets: >= 1.0 of the bare inserting app, >= 0.5 of the bare
counting one).

Run: .venv/bin/python bench/intake_bench.py [--comments 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import (
    SAMPLE,
    Stage,
    count_rows,
    spawn_bare,
    spawn_newsbot,
    stage,
    stop,
    wait_for,
)

READERS = 500
# Every comment update carries its thread's post (as reply_to_message), so the post's size
# and formatting are part of what each bot parses: the bare apps' readers comment under
# the post newsbot published in the round before (its HTML, read from its database).
_thread_post: dict[str, str] = {"html": "A post"}


def _comment_all(scene: Stage, post_id: int, comments: int) -> None:
    readers = [scene.world.add_user(f"Reader {n}")["id"] for n in range(READERS)]
    for number in range(comments):
        scene.world.comment(
            readers[number % READERS], scene.channel_id, post_id, f"bench comment {number}"
        )


def _first_post_html(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT html FROM segments WHERE message_id IS NOT NULL ORDER BY position LIMIT 1"
        ).fetchone()
    return str(row[0])


async def _first_post(scene: Stage) -> int:
    """newsbot publishes the sample; the bare apps get a post sent with the same token."""
    posts = [m for m in scene.world.messages(scene.channel_id) if "poll" not in m]
    return int(posts[0]["message_id"])


async def measure(kind: str, comments: int) -> float:
    scene = await stage()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        if kind == "newsbot":
            process = await spawn_newsbot(scene, directory)
            scene.world.send_private(scene.admin_id, "/start")
            scene.world.send_document(
                scene.admin_id, "a.txt", SAMPLE.read_bytes(), caption="/import"
            )
            await wait_for(
                lambda: count_rows(directory / "n.db", "SELECT count(*) FROM articles") == 1
            )
            scene.world.send_private(scene.admin_id, "/publish 1 now 1h")
            await wait_for(
                lambda: (
                    count_rows(
                        directory / "n.db",
                        "SELECT count(*) FROM segments WHERE discussion_thread_id IS NOT NULL",
                    )
                    >= 1
                )
            )
            _thread_post["html"] = _first_post_html(directory / "n.db")
        else:
            process = await spawn_bare(scene, directory, kind, comments)
            scene.world.api_sendMessage(
                {"chat_id": scene.channel_id, "text": _thread_post["html"], "parse_mode": "HTML"}
            )
        post_id = await _first_post(scene)
        try:
            began = time.perf_counter()
            _comment_all(scene, post_id, comments)
            if kind == "newsbot":
                query = "SELECT count(*) FROM comments WHERE text LIKE 'bench comment%'"
                await wait_for(lambda: count_rows(directory / "n.db", query) >= comments)
            else:
                assert process.stdout is not None
                line = await asyncio.wait_for(process.stdout.readline(), 300)
                assert line.decode().strip() == "done", line
            return comments / (time.perf_counter() - began)
        finally:
            await stop(process)
            await scene.server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"newsbot": [], "insert": [], "count": []}
    for _ in range(args.rounds):
        for kind in figures:
            figures[kind].append(await measure(kind, args.comments))
    print(f"{'process':10} {'comments/s':>10}  rounds ({args.comments:,} comments each)")
    names = {"newsbot": "newsbot", "insert": "bare+db", "count": "bare"}
    for kind, values in figures.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"{names[kind]:10} {statistics.median(values):10.0f}  {shown}")
    newsbot = statistics.median(figures["newsbot"])
    print(
        f"intake ratio newsbot/bare+db: {newsbot / statistics.median(figures['insert']):.2f} "
        f"(target >= 1.0); newsbot/bare: {newsbot / statistics.median(figures['count']):.2f} "
        "(target >= 0.5)"
    )


if __name__ == "__main__":
    asyncio.run(main())
