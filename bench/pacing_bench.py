"""Publishing against flood control: how close newsbot runs to the limit, and whether it
ever meets it.

The emulator refuses a channel's message beyond its flood limit (a burst of 20, then 20 a
minute) with 429, as Telegram does. Each channel gets its own article, long enough for
``--sections`` posts and a poll after each of its lessons, published "now, every 1s", so
the flood limit, not the schedule, sets the pace. The baseline is the limit itself: the
least time the emulator allows for that many messages. The last line gives the ratio
(target >= 0.95) and the number of 429 answers in the channels (target: zero).

Run: .venv/bin/python bench/pacing_bench.py [--channels 3] [--sections 95] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import count_rows, spawn_newsbot, stage, stop, wait_for

from bot.emulator.limits import FloodLimits

LIMITS = FloodLimits()
PARAGRAPH = (
    "Editors hand the bot a long article and readers discuss it post by post. " * 18
).strip()


def article(number: int, sections: int) -> str:
    """A distinct article: a title, ``sections`` sections and a lesson list every tenth."""
    parts = [f"Bench article {number}: pacing under flood control", PARAGRAPH]
    for section in range(1, sections + 1):
        parts += [f"Section {section} of article {number}", PARAGRAPH]
        if section % 10 == 0:
            parts += [
                "Key lessons:",
                f"Lesson A of section {section}.",
                f"Lesson B of section {section}.",
            ]
    return "\n".join(parts) + "\n"


def least_seconds(messages: int) -> float:
    """What the limit allows at best: the burst at once, then one per refill."""
    burst, per_second = LIMITS.group_per_minute, LIMITS.group_per_minute / 60
    return max(0.0, (messages - burst) / per_second)


async def measure(channels: int, sections: int) -> tuple[float, int, int]:
    """(ratio of the least time to the time taken, 429 answers, messages per channel)."""
    scene = await stage()
    extra = [
        scene.world.create_channel(f"Bench {n}", f"@bench_news_{n}", owner_id=scene.admin_id)[0]
        for n in range(1, channels)
    ]
    chats = [scene.channel_id, *extra]
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        lines = "".join(
            f'\n[[channels]]\nchat = {chat}\nname = "c{index}"\ntimezone = "UTC"\n'
            for index, chat in enumerate(chats[1:], start=1)
        )
        process = await spawn_newsbot(scene, directory, extra_channels=lines)
        database = directory / "n.db"
        try:
            names = ["demo", *(f"c{index}" for index in range(1, channels))]
            for number, name in enumerate(names, start=1):
                # An admin of several channels names the one an article is for.
                scene.world.send_document(
                    scene.admin_id,
                    f"a{number}.txt",
                    article(number, sections).encode(),
                    caption=f"/import {name}",
                )
                await wait_for(
                    lambda n=number: count_rows(database, "SELECT count(*) FROM articles") >= n
                )
            expected_per_channel = count_rows(
                database, "SELECT count(*) FROM segments WHERE article_id = 1"
            ) + count_rows(
                database,
                "SELECT count(*) FROM polls JOIN lessons ON lessons.id = polls.lesson_id "
                "JOIN segments ON segments.id = lessons.segment_id WHERE segments.article_id = 1",
            )
            began = time.monotonic()
            for number, name in enumerate(names, start=1):
                scene.world.send_private(scene.admin_id, f"/publish {number} {name} now 1s")
            await wait_for(
                lambda: all(
                    len(scene.world.messages(chat)) >= expected_per_channel for chat in chats
                ),
                within=3600,
                every=0.2,
            )
            elapsed = time.monotonic() - began
        finally:
            await stop(process)
            await scene.server.stop()
    ratio = least_seconds(expected_per_channel) / elapsed if elapsed else 0.0
    # Publishing's pace is the channels'; an admin's private chat may meet its burst of 5
    # (the outbox then waits as Telegram says), which is not what this measures.
    in_channels = sum(scene.world.flood_refusals_by_chat.get(chat, 0) for chat in chats)
    return ratio, in_channels, expected_per_channel


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--sections", type=int, default=95)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    ratios, refusals = [], []
    messages = 0
    for _ in range(args.rounds):
        ratio, refused, messages = await measure(args.channels, args.sections)
        ratios.append(ratio)
        refusals.append(refused)
    limit = least_seconds(messages)
    print(
        f"{args.channels} channels x {messages} messages; the limit allows them in "
        f"{limit:.0f} s at best (burst of {LIMITS.group_per_minute:.0f}, then "
        f"{LIMITS.group_per_minute:.0f} a minute)"
    )
    if limit == 0:  # a small run (as in .ci/run): nothing waits, so there is no pace
        print(
            f"pacing ratio: n/a, every message fits in the burst (more --sections measure "
            f"it); 429 answers: {sum(refusals)} (target 0)"
        )
        return
    shown = zip(ratios, refusals, strict=True)
    print("rounds: " + ", ".join(f"{r:.3f} of the limit, {n} x 429" for r, n in shown))
    print(
        f"pacing ratio: {statistics.median(ratios):.3f} of the flood limit (target >= 0.95); "
        f"429 answers: {sum(refusals)} (target 0)"
    )


if __name__ == "__main__":
    asyncio.run(main())
