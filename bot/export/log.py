"""Writing the comment log: rows stream from the database to a temporary file.

CSV opens correctly in spreadsheet programs (UTF-8 with BOM, a header row) and
never lets a cell run as a formula. JSON nests replies under the comments they
answer, one post's discussion at a time, and adds edit histories and poll results.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from db.queries import export as queries

ExportFormat = Literal["csv", "json", "jsonl"]
FIELDS = [
    "comment_id",
    "time_utc",
    "channel",
    "article_id",
    "article",
    "segment_position",
    "lesson",
    "author_id",
    "author_name",
    "reply_to",
    "text",
    "edited",
    "edit_count",
    "hidden",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (shown as text)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _record(row: Sequence[Any]) -> tuple[dict[str, Any], int, int, int]:
    (
        comment_id,
        created,
        channel,
        article_id,
        article,
        position,
        lesson,
        user_id,
        first,
        last,
        username,
        chat_title,
        reply_to,
        message_id,
        chat_id,
        text,
        edited_at,
        edits,
        hidden,
        segment_id,
    ) = row
    name = chat_title or " ".join(part for part in (first, last) if part) or None
    if username:
        name = f"{name or ''} (@{username})".strip()
    record = {
        "comment_id": comment_id,
        "time_utc": _iso(created),
        "channel": channel,
        "article_id": article_id,
        "article": article,
        "segment_position": position + 1,
        "lesson": lesson + 1 if lesson is not None else None,
        "author_id": user_id,
        "author_name": name,
        "reply_to": reply_to,
        "text": text,
        "edited": edited_at is not None,
        "edit_count": int(edits or 0),
        "hidden": bool(hidden),
    }
    return record, message_id, chat_id, segment_id


@dataclass(frozen=True)
class ExportScope:
    channel_id: int | None = None
    article_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_hidden: bool = False


@dataclass(frozen=True)
class ExportFile:
    path: Path
    rows: int
    compressed: bool

    @property
    def name(self) -> str:
        return self.path.name


async def write_log(
    session: AsyncSession,
    scope: ExportScope,
    kind: ExportFormat,
    directory: Path,
    *,
    upload_limit: int,
    stem: str = "comments",
) -> ExportFile:
    path = directory / f"{stem}.{kind}"
    with path.open("w", encoding="utf-8-sig" if kind == "csv" else "utf-8", newline="") as out:
        if kind == "json":
            rows = await _write_json(session, scope, out)
        else:
            rows = await _write_rows(session, scope, out, kind)
    if path.stat().st_size <= upload_limit:
        return ExportFile(path, rows, False)
    packed = path.with_name(path.name + ".gz")
    with path.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    path.unlink()
    if packed.stat().st_size > upload_limit:
        raise ValueError("the export is too large to send even compressed; narrow it by dates")
    return ExportFile(packed, rows, True)


def _stream_arguments(scope: ExportScope) -> dict[str, Any]:
    return {
        "channel_id": scope.channel_id,
        "article_id": scope.article_id,
        "since": scope.since,
        "until": scope.until,
        "include_hidden": scope.include_hidden,
    }


async def _write_rows(
    session: AsyncSession, scope: ExportScope, out: IO[str], kind: ExportFormat
) -> int:
    count = 0
    writer = csv.DictWriter(out, fieldnames=FIELDS) if kind == "csv" else None
    if writer is not None:
        writer.writeheader()
    async for row in queries.stream_log(session, **_stream_arguments(scope)):
        record, *_ = _record(row)
        if writer is not None:
            writer.writerow({key: neutralise(value) for key, value in record.items()})
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


async def _write_json(session: AsyncSession, scope: ExportScope, out: IO[str]) -> int:
    """One post's thread at a time: memory holds one discussion, not the whole log."""
    out.write('{"exported_at": ' + json.dumps(_iso(datetime.now(UTC))) + ', "fields": ')
    out.write(json.dumps(FIELDS) + ', "threads": [')
    count = 0
    first_thread = True
    group: list[tuple[dict[str, Any], int, int]] = []
    current: int | None = None

    async def flush() -> None:
        nonlocal first_thread
        if not group:
            return
        history = await queries.edits_of(session, [record["comment_id"] for record, _, _ in group])
        by_message: dict[tuple[int, int], dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        for record, message_id, chat_id in group:
            record["edits"] = [
                {"previous_text": text, "edited_utc": _iso(at)}
                for text, at in history.get(record["comment_id"], [])
            ]
            record["replies"] = []
            by_message[(chat_id, message_id)] = record
            parent = by_message.get((chat_id, record["reply_to"])) if record["reply_to"] else None
            (parent["replies"] if parent is not None else roots).append(record)
        head = group[0][0]
        thread = {
            "channel": head["channel"],
            "article_id": head["article_id"],
            "article": head["article"],
            "segment_position": head["segment_position"],
            "comments": roots,
        }
        out.write(("" if first_thread else ", ") + json.dumps(thread, ensure_ascii=False))
        first_thread = False
        group.clear()

    async for row in queries.stream_log(session, **_stream_arguments(scope)):
        record, message_id, chat_id, segment_id = _record(row)
        if segment_id != current:
            await flush()
            current = segment_id
        group.append((record, message_id, chat_id))
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
