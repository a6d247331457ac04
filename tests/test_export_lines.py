"""The comment log's CSV and JSON lines are written by the database (SQLite or
PostgreSQL, whichever the suite runs on): every hostile text, name and time must read
back, through Python's own csv and json readers, as what was stored."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.export.log import write_log
from bot.export.scope import ExportScope
from db.models import Article, Channel, Comment, Segment, SegmentKind, SegmentState, User

TEXTS = [
    "plain",
    'she said "no", then left',
    "line one\nline two\r\nline three\rend",
    "=SUM(A1:A9)",
    "+1 agreed",
    "-1 disagree",
    "@everyone look",
    "\tindented",
    "\rcarriage",
    "a % sign, %s and %d",
    "back\\slash and \\n as text",
    "control \x01\x1f chars",
    "Привет, мир — «ёлки»",
    "emoji 👍🏽 and עברית",
    "",
    "x" * 4096,
]
# (first name, last name, username, sender chat title) and what the log names them.
AUTHORS = [
    (("Ann", "Lee", "ann", None), "Ann Lee (@ann)"),
    (("=Bob", None, None, None), "=Bob"),
    (("Cid", None, "cid", None), "Cid (@cid)"),
    (("Dan", "O'Neil, Jr", None, None), "Dan O'Neil, Jr"),
    (("Eve", None, None, 'Eve\'s "Channel"'), 'Eve\'s "Channel"'),
]
# Around both of Berlin's 2026 changes, with and without a fraction of a second.
MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, 0, 250000, tzinfo=UTC),
    datetime(2026, 11, 24, 23, 30, tzinfo=UTC),
]
GUARDED = ("=", "+", "-", "@", "\t", "\r")


async def _stored(session: AsyncSession, zone: str) -> list[dict[str, Any]]:
    """A channel in ``zone`` with one post and a comment for every text, author and
    moment; returns what each comment should read as, in the log's order."""
    at = MOMENTS[0]
    channel = Channel(
        key="news", chat_id=-1001234567890, title="News", timezone=zone, created_at=at
    )
    session.add(channel)
    await session.flush()
    post = Segment(
        position=0,
        kind=SegmentKind.SECTION,
        html="",
        text="Post",
        state=SegmentState.POSTED,
        message_id=5,
        channel_id=channel.id,
    )
    session.add(
        Article(
            content_hash="e" * 64,
            title='=Title, with "quotes"',
            source_format="text",
            raw_text="",
            channel_id=channel.id,
            imported_at=at,
            segments=[post],
        )
    )
    people = []
    for number, ((first, last, username, _title), _name) in enumerate(AUTHORS, 1):
        people.append(
            User(
                id=number,
                first_name=first,
                last_name=last,
                username=username,
                first_seen=at,
                last_seen=at,
            )
        )
    session.add_all(people)
    await session.flush()
    expected = []
    count = max(len(TEXTS), len(MOMENTS))
    for index in range(count):
        (_first, _last, _username, title), name = AUTHORS[index % len(AUTHORS)]
        text, moment = TEXTS[index % len(TEXTS)], MOMENTS[index % len(MOMENTS)]
        # Stored in the reverse of Telegram's order (several processes store comments as
        # they come): the log still lists them by message id within a second.
        message_id = 200 - index
        comment = Comment(
            chat_id=-1009876543210,
            message_id=message_id,
            thread_id=99,
            segment_id=post.id,
            user_id=people[index % len(AUTHORS)].id,
            sender_chat_id=-1001 if title else None,
            sender_chat_title=title,
            text=text,
            created_at=moment,
        )
        session.add(comment)
        expected.append(
            {
                "message_id": message_id,
                "text": text,
                "author_name": name,
                "time_utc": moment.isoformat().replace("+00:00", "Z"),
                "time_local": moment.astimezone(ZoneInfo(zone)).isoformat(),
                "link": f"https://t.me/c/9876543210/{message_id}",
            }
        )
    await session.flush()
    return sorted(expected, key=lambda row: (MOMENTS.index(_moment(row)), row["message_id"]))


def _moment(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["time_utc"])


async def _export(
    sessions: async_sessionmaker[AsyncSession], kind: str, folder: Path
) -> tuple[str, int]:
    folder.mkdir()
    async with sessions() as session:
        exported = await write_log(
            session,
            ExportScope(),
            kind,  # type: ignore[arg-type]
            folder,
            upload_limit=2**40,
            now=datetime(2026, 11, 28, tzinfo=UTC),
        )
    return exported.path.read_bytes().decode("utf-8-sig"), exported.rows


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kathmandu", "UTC"])
async def test_csv_and_json_lines_read_back_as_stored(
    session_factory: async_sessionmaker[AsyncSession], tmp_path: Path, zone: str
) -> None:
    async with session_factory.begin() as session:
        expected = await _stored(session, zone)
    text, rows = await _export(session_factory, "csv", tmp_path / "csv")
    assert rows == len(expected)
    read = list(csv.DictReader(io.StringIO(text, newline="")))
    # A spreadsheet shows typed text; a cell that would run as a formula starts with '.
    guard = [
        "'" + row["text"] if row["text"].startswith(GUARDED) else row["text"] for row in expected
    ]
    assert [row["text"] for row in read] == guard
    assert [row["author_name"] for row in read] == [
        "'" + row["author_name"] if row["author_name"].startswith(GUARDED) else row["author_name"]
        for row in expected
    ]
    for field in ("time_utc", "time_local", "link"):
        assert [row[field] for row in read] == [row[field] for row in expected], field
    assert {row["article"] for row in read} == {'\'=Title, with "quotes"'}
    assert {(row["edited"], row["hidden"], row["erased"]) for row in read} == {
        ("false", "false", "false")
    }
    assert {row["lesson"] for row in read} == {""}  # NULL is an empty cell
    # Comments on the post itself answer no comment; the group's forward of the post (99)
    # is no row of the log.
    assert {row["reply_to_message_id"] for row in read} == {""}

    text, _ = await _export(session_factory, "jsonl", tmp_path / "jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    # JSON is data: no spreadsheet guard, every text exactly as stored.
    for field in ("text", "author_name", "time_utc", "time_local", "link", "message_id"):
        assert [record[field] for record in records] == [row[field] for row in expected], field
    assert {record["article"] for record in records} == {'=Title, with "quotes"'}
    assert {record["lesson"] for record in records} == {None}
    assert {(record["edited"], record["hidden"]) for record in records} == {(False, False)}
    assert records[0]["post"] == 1

    text, _ = await _export(session_factory, "json", tmp_path / "json")
    comments = [c for thread in json.loads(text)["threads"] for c in thread["comments"]]
    assert [c["text"] for c in comments] == [row["text"] for row in expected]
    assert [c["time_local"] for c in comments] == [row["time_local"] for row in expected]
    assert {c["erased"] for c in comments} == {False}
