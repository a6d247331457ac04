"""A database of a million comments for the benchmarks (12 weeks, one busy channel).

Each week's fourth post carries three lessons; comments under it belong to one of them
and say something about it in a few words (a phrase of the week's debate among common
words), so the summary extracts themes from real text as it would in a channel. The
other comments are one fixed line.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert

from db import migrate
from db.engine import create_engine
from db.models import Article, Channel, Comment, Lesson, Poll, Segment, User

WEEKS = 12
SEGMENTS_PER_WEEK = 10
USERS = 20_000
LESSONS_POSITION = 3
LESSONS_PER_WEEK = 3  # all on the post at LESSONS_POSITION, numbered on from week to week
THEMES = [
    "security guarantees", "energy prices", "army", "border treaty", "teachers",
    "hospital budget", "sanctions", "wheat exports", "pension reform", "local elections",
    "gas pipeline", "courts",
]  # fmt: skip
FILLER = [
    "I", "think", "this", "is", "really", "not", "what", "we", "were", "told", "and", "the",
    "people", "should", "know", "that", "it", "is", "true", "but", "they", "never", "said",
    "so", "why", "would", "anyone", "believe", "it", "again",
]  # fmt: skip


def lesson_comment(rng: random.Random, lesson: int) -> str:
    """A few common words around one of the lesson's themes (each lesson debates three)."""
    theme = THEMES[(lesson * 3 + rng.randrange(3)) % len(THEMES)]
    words = [rng.choice(FILLER) for _ in range(rng.randint(3, 9))]
    words.insert(rng.randrange(len(words) + 1), theme)
    return " ".join(words).capitalize() + "."


def populate(path: Path, comments: int) -> None:
    engine = create_sync_engine(f"sqlite:///{path}")
    rng = random.Random(1)
    end = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    start = end - timedelta(weeks=WEEKS)
    with engine.begin() as connection:
        connection.execute(
            insert(Channel),
            [{"id": 1, "key": "news", "chat_id": -100, "title": "News", "created_at": start}],
        )
        connection.execute(
            insert(User),
            [
                {"id": n, "first_name": f"User {n}", "first_seen": start, "last_seen": start}
                for n in range(1, USERS + 1)
            ],
        )
        segments, lessons, polls = [], [], []
        for week in range(WEEKS):
            connection.execute(
                insert(Article),
                [
                    {
                        "id": week + 1,
                        "channel_id": 1,
                        "content_hash": f"{week:064d}",
                        "title": f"Article {week}",
                        "source_format": "text",
                        "raw_text": "",
                        "imported_at": start,
                    }
                ],
            )
            for position in range(SEGMENTS_PER_WEEK):
                segment_id = week * SEGMENTS_PER_WEEK + position + 1
                posted = start + timedelta(weeks=week, hours=position)
                segments.append(
                    {
                        "id": segment_id,
                        "article_id": week + 1,
                        "channel_id": 1,
                        "position": position,
                        "kind": "section",
                        "html": "x",
                        "text": f"Post {segment_id}",
                        "state": "posted",
                        "posted_at": posted,
                        "message_id": segment_id,
                        "scheduled_at": posted,
                        "attempts": 1,
                    }
                )
                if position == LESSONS_POSITION:
                    for number in range(LESSONS_PER_WEEK):
                        lesson_id = len(lessons) + 1
                        lessons.append(
                            {
                                "id": lesson_id,
                                "segment_id": segment_id,
                                "position": number,
                                "text": f"Lesson {lesson_id}",
                                "question": f"Lesson {lesson_id}?",
                            }
                        )
                        polls.append(
                            {
                                "id": lesson_id,
                                "lesson_id": lesson_id,
                                "chat_id": -100,
                                "options": ["Agree", "Partly", "Disagree"],
                                "counts": [rng.randint(0, 500) for _ in range(3)],
                                "total_voters": 0,
                                "state": "posted",
                                "posted_at": posted,
                                "anonymous": True,
                                "companion": False,
                                "closed": True,
                                "attempts": 1,
                            }
                        )
        connection.execute(insert(Segment), segments)
        connection.execute(insert(Lesson), lessons)
        connection.execute(insert(Poll), polls)
        span = (end - start).total_seconds()
        batch = []
        for number in range(comments):
            offset = rng.random() * span
            week = int(offset // (7 * 86400))
            position = rng.randrange(SEGMENTS_PER_WEEK)
            lesson = (
                week * LESSONS_PER_WEEK + rng.randrange(LESSONS_PER_WEEK) + 1
                if position == LESSONS_POSITION
                else None
            )
            text = lesson_comment(rng, lesson) if lesson else "a comment of moderate length"
            batch.append(
                {
                    "chat_id": -200,
                    "message_id": number + 1,
                    "segment_id": week * SEGMENTS_PER_WEEK + position + 1,
                    "lesson_id": lesson,
                    "user_id": rng.randint(1, USERS),
                    "text": text,
                    "created_at": start + timedelta(seconds=offset),
                    "hidden": False,
                    "reply_to_message_id": rng.randint(1, number + 1)
                    if rng.random() < 0.2
                    else None,
                }
            )
            if len(batch) == 50_000:
                connection.execute(insert(Comment), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Comment), batch)
    engine.dispose()


async def build_database(path: Path, comments: int) -> None:
    """Migrate an empty database at ``path`` and fill it; prints how long it took."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade(engine)
    await engine.dispose()
    began = time.perf_counter()
    await asyncio.to_thread(populate, path, comments)
    print(
        f"database: {comments:,} comments over {WEEKS} weeks, "
        f"built in {time.perf_counter() - began:.1f} s"
    )
