"""Writing the comment log: rows stream from the database to a temporary file.

Every row carries what joins it to Telegram: the group's and the comment's own
message ids, the id of the comment it answers, and a ``t.me`` link; times are in
UTC and in the channel's zone. CSV opens correctly in spreadsheet programs (UTF-8
with BOM, a header row) and never lets a cell run as a formula. JSON nests replies
under the comments they answer, one post's discussion at a time, and adds edit
histories and poll results. ``telegram-json`` is Telegram Desktop's own layout
(see ``bot.export.telegram_desktop``).
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NewsbotError
from bot.export.sink import FileSink
from bot.i18n import N_
from bot.telegram_links import post_link
from db.queries import export as queries

ExportFormat = Literal["csv", "json", "jsonl", "telegram-json"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "jsonl", "telegram-json")
FIELDS = [
    "comment_id",
    "group_id",
    "message_id",
    "reply_to_message_id",
    "link",
    "time_utc",
    "time_local",
    "channel",
    "article_id",
    "article",
    "post",
    "lesson",
    "author_id",
    "author_name",
    "text",
    "media",
    "edited",
    "edit_count",
    "hidden",
    "erased",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(NewsbotError):
    pass


class LogRow(NamedTuple):
    """One comment as ``db.queries.export.LOG_COLUMNS`` reads it, then its edit count."""

    comment_id: int
    group_id: int
    message_id: int
    reply_to_message_id: int | None
    created_at: datetime
    channel: str | None
    timezone: str | None
    group_username: str | None
    article_id: int
    article: str
    segment_id: int
    segment_position: int
    lesson_position: int | None
    user_id: int | None
    first_name: str | None
    last_name: str | None
    username: str | None
    sender_chat_id: int | None
    sender_chat_title: str | None
    text: str
    media_kind: str | None
    edited_at: datetime | None
    hidden: bool
    erased_at: datetime | None
    edits: int | None

    @property
    def display_name(self) -> str | None:
        """A chat's title, else the person's name (as Telegram shows the sender)."""
        return self.sender_chat_title or (
            " ".join(part for part in (self.first_name, self.last_name) if part) or None
        )

    @property
    def author_name(self) -> str | None:
        """The display name with the @username beside it, where known."""
        if not self.username:
            return self.display_name
        return f"{self.display_name or ''} (@{self.username})".strip()


def neutralise(cell: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (shown as text)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def local_time(moment: datetime, zone_name: str | None) -> datetime:
    return moment.astimezone(zone(zone_name))


def _record(row: LogRow) -> dict[str, Any]:
    return dict(zip(FIELDS, _cells(row), strict=True))


@dataclass(frozen=True)
class ExportScope:
    channel_id: int | None = None
    article_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    include_hidden: bool = False


@dataclass(frozen=True)
class ExportFile:
    path: Path
    rows: int
    compressed: bool

    @property
    def name(self) -> str:
        return self.path.name


def file_name(kind: ExportFormat, stem: str = "comments") -> str:
    """``result.json`` is the name Telegram Desktop gives its exports, and their readers
    look for it."""
    return "result.json" if kind == "telegram-json" else f"{stem}.{kind}"


async def write_log(
    session: AsyncSession,
    scope: ExportScope,
    kind: ExportFormat,
    directory: Path,
    *,
    upload_limit: int,
    now: datetime,
) -> ExportFile:
    path = directory / file_name(kind)
    out = await FileSink.open(path, "utf-8-sig" if kind == "csv" else "utf-8")
    try:
        if kind == "json":
            rows = await _write_json(session, scope, out, now)
        elif kind == "telegram-json":
            from bot.export.telegram_desktop import write_desktop_export

            rows = await write_desktop_export(session, scope, out)
        else:
            rows = await _write_rows(session, scope, out, kind)
    finally:
        await out.close()
    size = (await asyncio.to_thread(path.stat)).st_size
    if size <= upload_limit:
        return ExportFile(path, rows, False)
    packed = await asyncio.to_thread(_compress, path)
    if (await asyncio.to_thread(packed.stat)).st_size > upload_limit:
        raise ExportError(N_("The log is too large to send even compressed; narrow it by dates."))
    return ExportFile(packed, rows, True)


def _compress(path: Path) -> Path:
    packed = path.with_name(path.name + ".gz")
    with path.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    path.unlink()
    return packed


def log_filter(scope: ExportScope, group_id: int | None = None) -> queries.LogFilter:
    return queries.LogFilter(
        channel_id=scope.channel_id,
        article_id=scope.article_id,
        since=scope.since,
        until=scope.until,
        include_hidden=scope.include_hidden,
        group_id=group_id,
    )


async def _write_rows(
    session: AsyncSession, scope: ExportScope, out: FileSink, kind: ExportFormat
) -> int:
    """CSV or JSON lines, a chunk of rows at a time (the next chunk is read meanwhile)."""
    count = 0
    # A chunk is formatted into memory, then handed to the sink whole: csv writes a
    # StringIO without a Python call per row.
    buffer = io.StringIO()
    writer = csv.writer(buffer) if kind == "csv" else None
    if writer is not None:
        writer.writerow(FIELDS)
    async for chunk in queries.stream_log_chunks(session, log_filter(scope)):
        cells = [_cells(raw) for raw in chunk]
        if writer is not None:
            for row in cells:
                for index in _TEXT_CELLS:  # only text a person typed can start a formula
                    row[index] = neutralise(row[index])
            writer.writerows(cells)
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
        else:
            out.write(
                "".join(
                    json.dumps(dict(zip(FIELDS, row, strict=True)), ensure_ascii=False) + "\n"
                    for row in cells
                )
            )
        count += len(cells)
        await out.drain()
    return count


def _cells(raw: Sequence[Any]) -> list[Any]:
    """One log row's cells in ``FIELDS`` order (what ``_record`` gives, without the dict)."""
    row = LogRow._make(raw)
    return [
        row.comment_id,
        row.group_id,
        row.message_id,
        row.reply_to_message_id,
        post_link(row.group_id, row.group_username, row.message_id),
        iso_utc(row.created_at),
        local_time(row.created_at, row.timezone).isoformat(),
        row.channel,
        row.article_id,
        row.article,
        row.segment_position + 1,
        row.lesson_position + 1 if row.lesson_position is not None else None,
        row.user_id,
        row.author_name,
        row.text,
        row.media_kind,
        row.edited_at is not None,
        int(row.edits or 0),
        bool(row.hidden),
        row.erased_at is not None,
    ]


def _json_line(cells: list[Any]) -> str:
    return json.dumps(dict(zip(FIELDS, cells, strict=True)), ensure_ascii=False) + "\n"


_TEXT_CELLS = tuple(FIELDS.index(name) for name in ("channel", "article", "author_name", "text"))


async def _write_json(
    session: AsyncSession, scope: ExportScope, out: FileSink, now: datetime
) -> int:
    """One post's thread at a time: memory holds one discussion, not the whole log."""
    out.write('{"exported_at": ' + json.dumps(iso_utc(now)) + ', "fields": ')
    out.write(json.dumps(FIELDS) + ', "threads": [')
    count = 0
    first_thread = True
    group: list[dict[str, Any]] = []
    current: int | None = None

    async def flush() -> None:
        nonlocal first_thread
        if not group:
            return
        history = await queries.edits_of(session, [record["comment_id"] for record in group])
        by_message: dict[tuple[int, int], dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        for record in group:
            record["edits"] = [
                {"previous_text": text, "edited_utc": iso_utc(at)}
                for text, at in history.get(record["comment_id"], [])
            ]
            record["replies"] = []
            by_message[(record["group_id"], record["message_id"])] = record
            answered = record["reply_to_message_id"]
            parent = by_message.get((record["group_id"], answered)) if answered else None
            (parent["replies"] if parent is not None else roots).append(record)
        head = group[0]
        thread = {
            "channel": head["channel"],
            "article_id": head["article_id"],
            "article": head["article"],
            "post": head["post"],
            "comments": roots,
        }
        out.write(("" if first_thread else ", ") + json.dumps(thread, ensure_ascii=False))
        first_thread = False
        group.clear()
        await out.drain()

    async for raw in queries.stream_log(session, log_filter(scope)):
        row = LogRow._make(raw)
        if row.segment_id != current:
            await flush()
            current = row.segment_id
        group.append(_record(row))
        count += 1
    await flush()
    out.write('], "polls": [')
    polls = await queries.poll_results(session, scope.channel_id, scope.article_id)
    out.write(
        ", ".join(
            json.dumps(
                {
                    "article_id": article_id,
                    "article": title,
                    "lesson": position + 1,
                    "question": question,
                    "results": dict(zip(options, counts or [0] * len(options), strict=False)),
                    "closed": closed,
                },
                ensure_ascii=False,
            )
            for article_id, title, position, question, options, counts, closed in polls
        )
    )
    out.write("]}\n")
    return count


def temporary_directory() -> Path:
    return Path(tempfile.mkdtemp(prefix="newsbot-export-"))
