"""The structure recognised in an article, whatever format it came in."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.articles.inline import Inline


@dataclass(frozen=True)
class Heading:
    inline: Inline


@dataclass(frozen=True)
class Paragraph:
    inline: Inline


@dataclass(frozen=True)
class Quote:
    paragraphs: tuple[Inline, ...]


@dataclass(frozen=True)
class ListBlock:
    """A list with the line that introduces it ("Key lessons for Israel:")."""

    intro: Inline | None
    items: tuple[Inline, ...]
    ordered: bool = False
    is_lessons: bool = False


@dataclass(frozen=True)
class Table:
    caption: Inline | None
    header: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Boilerplate:
    inline: Inline


Block = Heading | Paragraph | Quote | ListBlock | Table | Boilerplate


@dataclass
class Document:
    title: Inline
    blocks: list[Block]
    source_format: str
    source_url: str | None = None
    language: str | None = None
    # None: detect lesson lists by keywords; otherwise 1-based numbers of the lists that are.
    lesson_lists: tuple[int, ...] | None = None
    meta: dict[str, str] = field(default_factory=dict)
