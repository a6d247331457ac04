"""Inline text as runs of marked-up text, so it can be cut anywhere and stay valid HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.telegram.html import escape, escape_attribute, utf16_length

# Order in which marks nest when rendered; fixed so output is deterministic.
MARK_ORDER = ("b", "i", "u", "s", "code")


@dataclass(frozen=True)
class Run:
    text: str
    marks: frozenset[str] = frozenset()
    href: str | None = None


Inline = tuple[Run, ...]


def text_inline(text: str) -> Inline:
    return (Run(text),) if text else ()


def plain(inline: Inline) -> str:
    return "".join(run.text for run in inline)


def to_html(inline: Inline) -> str:
    parts: list[str] = []
    for run in _merge(inline):
        body = escape(run.text)
        for mark in reversed(MARK_ORDER):
            if mark in run.marks:
                body = f"<{mark}>{body}</{mark}>"
        if run.href:
            body = f'<a href="{escape_attribute(run.href)}">{body}</a>'
        parts.append(body)
    return "".join(parts)


def _merge(inline: Inline) -> list[Run]:
    merged: list[Run] = []
    for run in inline:
        if not run.text:
            continue
        if merged and merged[-1].marks == run.marks and merged[-1].href == run.href:
            merged[-1] = Run(merged[-1].text + run.text, run.marks, run.href)
        else:
            merged.append(run)
    return merged


def with_marks(inline: Inline, *marks: str) -> Inline:
    return tuple(Run(run.text, run.marks | frozenset(marks), run.href) for run in inline)


def slice_inline(inline: Inline, start: int, end: int) -> Inline:
    """The runs covering plain-text offsets ``[start, end)``."""
    result: list[Run] = []
    offset = 0
    for run in inline:
        run_start, run_end = offset, offset + len(run.text)
        offset = run_end
        lo, hi = max(start, run_start), min(end, run_end)
        if lo < hi:
            result.append(Run(run.text[lo - run_start : hi - run_start], run.marks, run.href))
    return tuple(result)


def strip(inline: Inline) -> Inline:
    text = plain(inline)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return slice_inline(inline, start, end)


def normalize_spaces(inline: Inline) -> Inline:
    """Collapse runs of whitespace inside a paragraph, as a reader would expect."""
    runs = [Run(re.sub(r"\s+", " ", run.text), run.marks, run.href) for run in inline]
    return strip(tuple(runs))


def length(inline: Inline) -> int:
    return utf16_length(plain(inline))


_SENTENCE_END = re.compile(r"(?<=[.!?…;])[\"'”»’)\]]*\s+")
_SPACE = re.compile(r"\s+")


def split_to_fit(inline: Inline, limit: int) -> list[Inline]:
    """Cut at sentence ends, else at spaces, else (one endless word) between characters.

    Each piece's plain text is at most ``limit`` UTF-16 units; no text is lost.
    """
    text = plain(inline)
    pieces: list[Inline] = []
    start = 0
    while start < len(text):
        while start < len(text) and text[start].isspace():
            start += 1
        if start >= len(text):
            break
        end = _best_cut(text, start, limit)
        piece = strip(slice_inline(inline, start, end))
        if piece:
            pieces.append(piece)
        start = end
    return pieces


def _best_cut(text: str, start: int, limit: int) -> int:
    if utf16_length(text[start:]) <= limit:
        return len(text)
    hard_end = _furthest_index_within(text, start, limit)
    for pattern in (_SENTENCE_END, _SPACE):
        cuts = [m.end() for m in pattern.finditer(text, start, hard_end + 1) if m.start() > start]
        # A boundary whose whitespace runs past the window still ends the piece inside it.
        cuts = [cut for cut in cuts if utf16_length(text[start:cut].rstrip()) <= limit]
        if cuts:
            return cuts[-1]
    return max(hard_end, start + 1)


def _furthest_index_within(text: str, start: int, limit: int) -> int:
    units = 0
    index = start
    while index < len(text):
        units += 2 if ord(text[index]) > 0xFFFF else 1
        if units > limit:
            break
        index += 1
    return index
