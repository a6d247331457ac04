"""From a file (or bytes) to a ``Document``: every check an editor's upload must pass."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from bot.articles.document import Document, ListBlock
from bot.articles.errors import ArticleError
from bot.articles.front_matter import parse_lesson_selection, split_front_matter
from bot.articles.html_page import parse_html_page
from bot.articles.inline import plain
from bot.articles.lessons import introduces_lessons
from bot.articles.markdown import parse_markdown
from bot.articles.plain_text import parse_plain_text
from bot.config import ArticleConfig
from bot.i18n import N_

SourceFormat = Literal["text", "markdown", "html"]
_EXTENSIONS: dict[str, SourceFormat] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def read_article_file(path: Path, settings: ArticleConfig) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ArticleError(N_("{file}: no such file"), file=str(path)) from None
    if not path.is_file():
        raise ArticleError(N_("{file}: not a file"), file=str(path))
    if size > settings.max_file_bytes:
        raise ArticleError(
            N_("{file}: {size:,} bytes is over the {limit:,}-byte limit (articles.max_file_bytes)"),
            file=path.name,
            size=size,
            limit=settings.max_file_bytes,
        )
    return path.read_bytes()


def decode_article(data: bytes, settings: ArticleConfig, name: str = "article") -> str:
    if len(data) > settings.max_file_bytes:
        raise ArticleError(
            N_("{file}: {size:,} bytes is over the {limit:,}-byte limit (articles.max_file_bytes)"),
            file=name,
            size=len(data),
            limit=settings.max_file_bytes,
        )
    if not data.strip():
        raise ArticleError(N_("{file}: the file is empty"), file=name)
    utf = _wide_unicode(data)
    if utf is not None:
        raise ArticleError(
            N_("{file}: the file is {encoding} text; save the article as UTF-8"),
            file=name,
            encoding=utf,
        )
    if b"\x00" in data[:8192]:
        raise ArticleError(N_("{file}: this is a binary file, not an article"), file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            N_(
                "{file}: not UTF-8 text (byte {byte} at offset {offset}); save the article as UTF-8"
            ),
            file=name,
            byte=f"0x{data[exc.start]:02x}",
            offset=exc.start,
        ) from None
    controls = sum(
        1 for char in text[:8192] if unicodedata.category(char) == "Cc" and char not in "\n\r\t"
    )
    if controls > 8:
        raise ArticleError(N_("{file}: this is a binary file, not an article"), file=name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _wide_unicode(data: bytes) -> str | None:
    """UTF-16 or UTF-32 (what Windows editors call "Unicode"), by its mark or its zero bytes,
    confirmed by decoding the start as that encoding into readable text."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        guesses = [("UTF-32", "utf-32")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        guesses = [("UTF-16", "utf-16")]
    else:
        head = data[:4096]
        if len(head) < 8:
            return None
        even_zero = head[0::2].count(0) / len(head[0::2])
        odd_zero = head[1::2].count(0) / len(head[1::2])
        if not (max(even_zero, odd_zero) > 0.4 and min(even_zero, odd_zero) < 0.05):
            return None
        guesses = [("UTF-16", "utf-16-le" if odd_zero > even_zero else "utf-16-be")]
    for name, codec in guesses:
        try:
            text = data.decode(codec)  # the whole file: it is under max_file_bytes
        except UnicodeDecodeError:
            continue
        if text.strip() and all(c.isprintable() or c in "\n\r\t\ufeff" for c in text[:2000]):
            return name
    return None


def detect_format(text: str, filename: str | None = None) -> SourceFormat:
    if filename and (suffix := Path(filename).suffix.lower()) in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "html"
    if re.search(r"^#{1,6} \S", text, re.MULTILINE) or re.search(r"\*\*\S", text):
        return "markdown"
    return "text"


def content_hash(text: str) -> str:
    """Same words, same article: whitespace differences do not make a new one."""
    normalized = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def boilerplate_matcher(settings: ArticleConfig) -> Callable[[str], bool]:
    patterns = [re.compile(p, re.IGNORECASE) for p in settings.boilerplate_patterns]
    return lambda line: any(p.search(line.strip()) for p in patterns)


def parse_article(
    text: str,
    settings: ArticleConfig,
    *,
    source_format: SourceFormat | None = None,
    filename: str | None = None,
    lessons: str | None = None,
) -> Document:
    """Parse ``text``; ``lessons`` (CLI) overrides the front matter, which overrides detection."""
    kind = source_format or detect_format(text, filename)
    meta: dict[str, str] = {}
    if kind != "html":
        meta, text = split_front_matter(text)
    matcher = boilerplate_matcher(settings)
    # trafilatura (lxml) loads with the first web page, inside parse_html_page.
    if kind == "html":
        document = parse_html_page(text, is_boilerplate=matcher, meta=meta)
    elif kind == "markdown":
        document = parse_markdown(text, is_boilerplate=matcher, meta=meta)
    else:
        document = parse_plain_text(text, is_boilerplate=matcher, meta=meta)
    if not plain(document.title).strip() and not document.blocks:
        raise ArticleError(N_("no article text found"))
    if not plain(document.title).strip():
        raise ArticleError(N_("the article has no title line"))
    if not document.blocks:
        raise ArticleError(N_("no article text found beyond the title"))
    selection = parse_lesson_selection(lessons if lessons is not None else meta.get("lessons"))
    document.lesson_lists = selection
    _mark_lessons(document, selection, settings.max_lessons)
    return document


def _mark_lessons(document: Document, selection: tuple[int, ...] | None, max_lessons: int) -> None:
    lists = [i for i, block in enumerate(document.blocks) if isinstance(block, ListBlock)]
    if selection:
        missing = [n for n in selection if n > len(lists)]
        if missing:
            raise ArticleError(
                N_(
                    "lessons: there is no list {number}; the article's lists are numbered "
                    "1 to {count}"
                )
                if lists
                else N_("lessons: there is no list {number}; the article has no lists"),
                number=missing[0],
                count=len(lists),
            )
    total = 0
    for number, index in enumerate(lists, start=1):
        block = document.blocks[index]
        assert isinstance(block, ListBlock)
        if selection is None:
            chosen = block.intro is not None and introduces_lessons(plain(block.intro))
        else:
            chosen = number in selection
        document.blocks[index] = ListBlock(block.intro, block.items, block.ordered, chosen)
        total += len(block.items) if chosen else 0
    if total > max_lessons:
        raise ArticleError(
            N_(
                "the article has {count} lessons, and one article carries at most {limit} "
                "(a poll each; articles.max_lessons); pick the lesson lists with lessons=..."
            ),
            count=total,
            limit=max_lessons,
        )
