"""Moving up from SQLite: every row of one database into an empty other one (PostgreSQL),
ids kept, sequences set past them; and each table's rows counted and checksummed on both
sides to check the move.

Rows stream in chunks (a million comments never sit in memory), tables in foreign-key
order, in one transaction on the target: a failed copy leaves it as empty as it was.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, Row, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import migrate
from db.models import Base

CHUNK = 5000


class CopyError(Exception):
    pass


def _tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if table.name != "alembic_version"]


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows in each of newsbot's tables."""
    counts: dict[str, int] = {}
    async with engine.connect() as connection:
        for table in _tables():
            counts[table.name] = int(
                await connection.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts


async def table_checksums(engine: AsyncEngine) -> dict[str, tuple[int, str]]:
    """Each of newsbot's tables: its rows, and a SHA-256 over their contents in primary-key
    order, as Python reads them through the models' column types (so SQLite and
    PostgreSQL holding the same data give the same sum)."""
    sums: dict[str, tuple[int, str]] = {}
    async with engine.connect() as connection:
        for table in _tables():
            order = list(table.primary_key.columns) or list(table.columns)
            digest, rows = hashlib.sha256(), 0
            result = await connection.stream(select(table).order_by(*order))
            while chunk := await result.fetchmany(CHUNK):
                for row in chunk:
                    digest.update(_canonical(row))
                    rows += 1
            sums[table.name] = (rows, digest.hexdigest())
    return sums


def _canonical(row: Row[Any]) -> bytes:
    def value(cell: object) -> object:
        if isinstance(cell, datetime):
            return cell.astimezone(UTC).isoformat() if cell.tzinfo else cell.isoformat()
        if isinstance(cell, bytes):
            return cell.hex()
        if isinstance(cell, enum.Enum):
            return cell.name
        return cell

    cells = [value(cell) for cell in row]
    return json.dumps(cells, sort_keys=True, default=str, ensure_ascii=False).encode() + b"\n"


async def copy_database(
    source: AsyncEngine, target: AsyncEngine, progress: Callable[[str, int], None]
) -> dict[str, int]:
    """Copy every row of ``source`` into ``target`` (migrated here; it must hold no rows).
    Returns the rows copied per table; ``progress`` hears of each table when done."""
    if await migrate.current_revision(source) != migrate.HEAD:
        raise CopyError("the source database is behind: run newsbot db upgrade first")
    await migrate.upgrade(target)
    if any((await row_counts(target)).values()):
        raise CopyError("the target database already holds rows: copy into an empty database")
    copied: dict[str, int] = {}
    async with source.connect() as reading, target.begin() as writing:
        for table in _tables():
            copied[table.name] = await _copy_table(reading, writing, table)
            progress(table.name, copied[table.name])
        if target.dialect.name == "postgresql":
            await _advance_sequences(writing)
    return copied


async def _copy_table(reading: AsyncConnection, writing: AsyncConnection, table: Table) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    result = await reading.stream(select(table).order_by(*order))
    rows = 0
    while chunk := await result.fetchmany(CHUNK):
        await writing.execute(insert(table), [dict(row._mapping) for row in chunk])
        rows += len(chunk)
    return rows


async def _advance_sequences(writing: AsyncConnection) -> None:
    """Ids were copied as they were: each table's id sequence goes on after the highest."""
    for table in _tables():
        columns = [c for c in table.primary_key.columns if isinstance(c.type, Integer)]
        if len(columns) != 1 or columns[0].autoincrement is False:
            continue
        column = columns[0].name
        sequence = await writing.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column},
        )
        if sequence is None:
            continue
        highest = f'max("{column}")'
        await writing.execute(
            text(
                f"SELECT setval(:sequence, coalesce({highest}, 1), {highest} IS NOT NULL) "
                f'FROM "{table.name}"'
            ),
            {"sequence": sequence},
        )
