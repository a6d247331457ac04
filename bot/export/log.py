"""Writing the comment log: rows stream from the database to a temporary file (CSV and
JSON lines as the database itself writes them, ``db.queries.export.csv_line``).

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
import gzip
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.export.scope import ExportError, ExportScope, log_filter
from bot.export.sink import FileSink
from bot.export.telegram_desktop import write_desktop_export
from bot.export.zone_offsets import TELEGRAM_BEGAN, zone_pieces
from bot.i18n import N_
from db.queries import export as queries

ExportFormat = Literal["csv", "json", "jsonl", "telegram-json"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "jsonl", "telegram-json")
FIELDS = list(queries.LOG_FIELDS)
# A cell a spreadsheet would run as a formula gets a leading apostrophe (shown as text).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


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
            rows = await write_desktop_export(session, scope, out)
        else:
            rows = await _write_rows(session, scope, out, kind, now)
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


async def _write_rows(
    session: AsyncSession, scope: ExportScope, out: FileSink, kind: ExportFormat, now: datetime
) -> int:
    """CSV or JSON lines as the database writes them: Python only moves finished lines, a
    chunk at a time (the next chunk is read meanwhile)."""
    cells, posts = queries.log_cells(await _zones(session, scope, now), FORMULA_START)
    if kind == "csv":
        line, end = queries.csv_line(cells), "\r\n"  # as the csv module ends rows
        out.write(",".join(FIELDS) + end)
    else:
        line, end = queries.json_line(cells), "\n"
    count = 0
    async for chunk in queries.stream_log_lines(session, log_filter(scope), line, posts):
        out.write(end.join(chunk) + end)
        count += len(chunk)
        await out.drain()
    return count


async def _zones(
    session: AsyncSession, scope: ExportScope, now: datetime
) -> dict[str, list[queries.ZonePiece]]:
    """Each exported channel's zone, as offsets over the exported period."""
    start = scope.since or TELEGRAM_BEGAN
    # A year past the end: a comment stamped later than the bot's clock still finds its offset.
    end = max(scope.until or now, now) + timedelta(days=366)
    return {
        name: zone_pieces(name, start, end)
        for name in await queries.zones_of(session, scope.channel_id)
    }


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

    cells, posts = queries.log_cells(await _zones(session, scope, now), FORMULA_START)
    rows = queries.stream_log_cells(session, log_filter(scope), cells, posts)
    async for *values, segment_id in rows:
        if segment_id != current:
            await flush()
            current = segment_id
        group.append(dict(zip(FIELDS, values, strict=True)))
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
