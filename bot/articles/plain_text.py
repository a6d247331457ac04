"""Plain text with implicit structure, as editors paste it (see examples/).

A headline first; one paragraph a line (or blank-line separated paragraphs);
short unpunctuated lines as headings; lists introduced by a line ending in
':' with items starting '-'; 'Quote:' labels; 'Table:' captions over pipe tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.articles.document import (
    Block,
    Boilerplate,
    Document,
    Heading,
    ListBlock,
    Paragraph,
    Quote,
    Table,
)
from bot.articles.inline import Inline, normalize_spaces, text_inline

# Numbered items up to nine digits: lesson 1000 is a lesson too.
LIST_ITEM = re.compile(r"^\s*(?:[-*•–—]|\d{1,9}[.)])\s+(?P<text>\S.*)$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
QUOTE_LABEL = re.compile(r"^(quote|цитата|цитата дня|ציטוט)\s*:\s*(?P<text>.*)$", re.IGNORECASE)
TABLE_LABEL = re.compile(r"^(table|таблица|таблиця|טבלה)\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!:;,…]$")
_CLOSING_QUOTES = "\"'”»’)"
HEADING_MAX_CHARS = 140
QUESTION_HEADING_MAX_CHARS = 100


def _logical_lines(text: str) -> list[str]:
    """One entry per paragraph or structural line, whichever way the text was wrapped."""
    raw_lines = [line.rstrip() for line in text.split("\n")]
    if not any(not line.strip() for line in _inner(raw_lines)):
        return [line.strip() for line in raw_lines if line.strip()]
    result: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            result.append(" ".join(pending))
            pending.clear()

    for line in raw_lines:
        stripped = line.strip()
        if not stripped:
            flush()
        elif _is_structural(stripped):
            flush()
            result.append(stripped)
        else:
            pending.append(stripped)
    flush()
    return result


def _inner(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip()), 0)
    end = len(lines) - next((i for i, line in enumerate(reversed(lines)) if line.strip()), 0)
    return lines[start:end]


def _is_structural(line: str) -> bool:
    return bool(
        LIST_ITEM.match(line)
        or TABLE_ROW.match(line)
        or QUOTE_LABEL.match(line)
        or TABLE_LABEL.match(line)
        or line.endswith(":")
    )


def _looks_like_heading(line: str) -> bool:
    bare = line.rstrip(_CLOSING_QUOTES)
    if len(line) > HEADING_MAX_CHARS or line[0] in "\"“«'‘„":
        return False
    if bare.endswith("?"):
        return len(line) <= QUESTION_HEADING_MAX_CHARS
    return not _TERMINAL.search(bare)


def _table_cells(line: str) -> list[str]:
    cells = line.strip().strip("|").split("|")
    return [cell.strip() for cell in cells]


def parse_plain_text(
    text: str,
    *,
    is_boilerplate: Callable[[str], bool],
    meta: dict[str, str] | None = None,
) -> Document:
    lines = _logical_lines(text)
    meta = meta or {}
    title_line = meta.get("title") or (lines.pop(0) if lines else "")
    blocks: list[Block] = []
    index = 0

    def inline(line: str) -> Inline:
        return normalize_spaces(text_inline(line))

    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else None
        if is_boilerplate(line):
            blocks.append(Boilerplate(inline(line)))
            index += 1
        elif quote := QUOTE_LABEL.match(line):
            body = quote.group("text").strip()
            if not body and following is not None:
                body = following
                index += 1
            if body:
                blocks.append(Quote((inline(body),)))
            index += 1
        elif (caption := TABLE_LABEL.match(line)) or TABLE_ROW.match(line):
            if caption:
                index += 1
            rows: list[list[str]] = []
            while index < len(lines) and TABLE_ROW.match(lines[index]):
                if not TABLE_RULE.match(lines[index]):
                    rows.append(_table_cells(lines[index]))
                index += 1
            caption_text = caption.group("text").strip() if caption else ""
            if rows:
                blocks.append(
                    Table(
                        caption=inline(caption_text) if caption_text else None,
                        header=tuple(rows[0]),
                        rows=tuple(tuple(inline(cell) for cell in row) for row in rows[1:]),
                    )
                )
            elif caption_text:
                blocks.append(Paragraph(inline(line)))
        elif LIST_ITEM.match(line) or (
            line.endswith(":") and following is not None and LIST_ITEM.match(following)
        ):
            intro = None
            if not LIST_ITEM.match(line):
                intro = inline(line)
                index += 1
            items: list[Inline] = []
            while index < len(lines) and (item := LIST_ITEM.match(lines[index])):
                items.append(inline(item.group("text")))
                index += 1
            ordered = bool(re.match(r"^\s*\d", lines[index - 1]))
            blocks.append(ListBlock(intro=intro, items=tuple(items), ordered=ordered))
        elif following is not None and _looks_like_heading(line):
            blocks.append(Heading(inline(line)))
            index += 1
        else:
            blocks.append(Paragraph(inline(line)))
            index += 1
    return Document(
        title=inline(title_line),
        blocks=blocks,
        source_format="text",
        source_url=meta.get("source") or meta.get("url"),
        language=meta.get("language"),
        meta=dict(meta),
    )
