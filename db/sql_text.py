"""Text the database builds itself, compiled per dialect (SQLite and PostgreSQL).

A million-row export spends most of its time turning values into text one cell at a
time; done in SQL, Python only moves finished lines. Each construct renders the same
text on both dialects (``tests/test_postgresql.py`` compares the files byte for byte).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import SQLColumnExpression, String, literal, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class format_text(FunctionElement[str]):
    """``printf`` on SQLite, ``format`` on PostgreSQL: a template whose only placeholder
    is ``%s`` (NULL gives an empty string on both)."""

    type = String()
    inherit_cache = True
    name = "format_text"

    def __init__(self, template: str, *values: Any) -> None:
        if template.replace("%s", "").count("%"):
            raise ValueError("format_text templates know %s only")
        super().__init__(literal(template), *values)


def _renders(element: type[FunctionElement[str]], **per_dialect: str) -> None:
    """``element`` as one SQL function call per dialect, its arguments where ``{}`` is."""
    for dialect, template in per_dialect.items():

        def render(
            function: FunctionElement[str],
            compiler: SQLCompiler,
            template: str = template,
            **kw: Any,
        ) -> str:
            return template.format(compiler.process(function.clauses, **kw))

        compiles(element, dialect)(render)


_renders(format_text, sqlite="printf({})", postgresql="format({})")


class iso_time(FunctionElement[str]):
    """A stored UTC time as ISO 8601 text moved by ``offset`` seconds and followed by
    ``suffix`` (``Z``, ``+01:00``); the fraction of a second only when there is one, as
    Python's ``isoformat`` writes it."""

    type = String()
    inherit_cache = True
    name = "iso_time"

    def __init__(self, moment: SQLColumnExpression[Any], offset: int, suffix: str) -> None:
        # The offset is SQL text, not a parameter: it is part of the statement's cache key.
        super().__init__(moment, literal_column(f"{int(offset):+d}"), literal(suffix))


@compiles(iso_time, "sqlite")
def _iso_time_sqlite(element: iso_time, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
    moment, offset, suffix = (compiler.process(clause, **kw) for clause in element.clauses)
    if int(offset) == 0:
        whole = (
            f"CASE WHEN substr({moment}, 21) = '000000' THEN substr({moment}, 1, 19) "
            f"ELSE {moment} END"
        )
        return f"(replace({whole}, ' ', 'T') || {suffix})"
    fraction = (
        f"CASE WHEN substr({moment}, 21) IN ('', '000000') THEN '' ELSE substr({moment}, 20) END"
    )
    # The whole seconds only: SQLite keeps milliseconds, and would round .9995 up.
    shifted = f"datetime(substr({moment}, 1, 19), '{offset} seconds')"
    return f"(replace({shifted}, ' ', 'T') || {fraction} || {suffix})"


@compiles(iso_time, "postgresql")
def _iso_time_postgresql(element: iso_time, compiler: SQLCompiler, **kw: Any) -> str:
    moment, offset, suffix = (compiler.process(clause, **kw) for clause in element.clauses)
    utc = f"({moment} AT TIME ZONE 'UTC')"
    shifted = f"({utc} + interval '{offset} seconds')" if int(offset) else utc
    fraction = f"CASE WHEN to_char({utc}, 'US') = '000000' THEN '' ELSE to_char({utc}, '.US') END"
    return f"""(to_char({shifted}, 'YYYY-MM-DD"T"HH24:MI:SS') || {fraction} || {suffix})"""


class json_value(FunctionElement[str]):
    """A number or text as JSON text; NULL as ``null``."""

    type = String()
    inherit_cache = True
    name = "json_value"


_renders(json_value, sqlite="json_quote({})", postgresql="coalesce(to_json({})::text, 'null')")


class json_number(FunctionElement[str]):
    """An integer as JSON text, NULL as ``null``: the number's own digits, without the
    JSON quoting function's pass (that pass, over numbers and times, was a fifth of the
    JSON log's SQL work on SQLite)."""

    type = String()
    inherit_cache = True
    name = "json_number"


_renders(json_number, sqlite="ifnull({}, 'null')", postgresql="coalesce(({})::text, 'null')")
