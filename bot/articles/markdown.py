"""Markdown articles, parsed with markdown-it-py (CommonMark plus tables and strikethrough)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from typing_extensions import override

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
from bot.articles.errors import ArticleError
from bot.articles.inline import Inline, Run, normalize_spaces, plain
from bot.articles.lessons import introduces_lessons
from bot.articles.plain_text import QUOTE_LABEL, TABLE_LABEL
from bot.i18n import N_

_MARK_FOR = {"strong": "b", "em": "i", "s": "s"}


# How deep lists and quotes may nest (each list level counts two: the list and its item).
# CommonMark's preset stops at 20 and silently drops the rest of the document (a list 12
# deep lost its last items and every paragraph after it); newsbot reads far deeper and
# refuses, naming the line, what it still cannot read.
MAX_NESTING = 100


class _Reader(MarkdownIt):
    """markdown-it leaves a link it deems unsafe (javascript:, data:) as its raw source,
    "[text](<javascript:...>)": here every link reads as one, and ``_inline`` keeps only
    the text of any link that is not http(s) or tg."""

    @override
    def validateLink(self, url: str) -> bool:
        return True


def _parser() -> MarkdownIt:
    return _Reader("commonmark", {"html": False, "maxNesting": MAX_NESTING}).enable(
        ["table", "strikethrough"]
    )


def _too_deep(tokens: Sequence[Token]) -> int | None:
    """The line (1-based) where the parse reached its nesting limit, past which markdown-it
    drops the words without a sign; None when it never did."""
    line = 0
    for token in tokens:
        if token.map is not None:
            line = token.map[0]
        if token.type != "inline" and token.level >= MAX_NESTING - 1:
            return line + 1
    return None


def _code(token: Token) -> Inline:
    code = token.content.strip("\n")
    return (Run(code, frozenset({"code"})),) if code else ()


def _inline(token: Token) -> Inline:
    runs: list[Run] = []
    marks: list[str] = []
    href: str | None = None
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            runs.append(Run(child.content, frozenset(marks), href))
        elif kind in ("softbreak", "hardbreak"):
            runs.append(Run(" ", frozenset(marks), href))
        elif kind == "code_inline":
            runs.append(Run(child.content, frozenset([*marks, "code"]), href))
        elif kind.endswith("_open") and kind[:-5] in _MARK_FOR:
            marks.append(_MARK_FOR[kind[:-5]])
        elif kind.endswith("_close") and kind[:-6] in _MARK_FOR:
            if _MARK_FOR[kind[:-6]] in marks:
                marks.remove(_MARK_FOR[kind[:-6]])
        elif kind == "link_open":
            target = str(child.attrs.get("href", ""))
            href = target if target.startswith(("http://", "https://", "tg://")) else None
        elif kind == "link_close":
            href = None
        elif kind == "image":
            alt = child.content or ""
            if alt:
                runs.append(Run(alt, frozenset(marks), href))
    return normalize_spaces(tuple(runs))


def _matching_close(tokens: Sequence[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _list_items(tokens: Sequence[Token], start: int, end: int) -> list[Inline]:
    """Top-level items; a nested list is folded into its item where it stands ("Parent: a;
    b"), so the item's words keep their order."""
    items: list[Inline] = []
    index = start + 1
    while index < end:
        token = tokens[index]
        if token.type == "list_item_open":
            close = _matching_close(tokens, index)
            own: Inline = ()
            inner = index + 1
            while inner < close:
                kind = tokens[inner].type
                if kind in ("bullet_list_open", "ordered_list_open"):
                    inner_close = _matching_close(tokens, inner)
                    nested = _list_items(tokens, inner, inner_close)
                    if own:
                        own += (Run(" "),) if plain(own).endswith(":") else (Run(": "),)
                    for number, child in enumerate(nested):
                        own += ((Run("; "),) if number else ()) + child
                    inner = inner_close + 1
                    continue
                part = (
                    _inline(tokens[inner])
                    if kind == "inline"
                    else _code(tokens[inner])
                    if kind in ("fence", "code_block")
                    else ()
                )
                if part:
                    own += ((Run(" "),) if own else ()) + part
                inner += 1
            items.append(normalize_spaces(own))
            index = close + 1
        else:
            index += 1
    return items


def _table(tokens: Sequence[Token], start: int, end: int) -> Table:
    header: list[str] = []
    rows: list[tuple[Inline, ...]] = []
    row: list[Inline] = []
    in_head = False
    for token in tokens[start:end]:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline":
            row.append(_inline(token))
        elif token.type == "tr_close":
            if in_head:
                header = [plain(cell) for cell in row]
            else:
                rows.append(tuple(row))
    return Table(caption=None, header=tuple(header), rows=tuple(rows))


def parse_markdown(
    text: str,
    *,
    is_boilerplate: Callable[[str], bool],
    meta: dict[str, str] | None = None,
) -> Document:
    meta = meta or {}
    tokens = _parser().parse(text)
    if (line := _too_deep(tokens)) is not None:
        raise ArticleError(
            N_(
                "lists or quotes are nested too deeply at line {line}; flatten them and "
                "import again"
            ),
            line=line,
        )
    blocks: list[Block] = []
    title: Inline | None = None
    pending_quote_label = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        close = _matching_close(tokens, index) if token.nesting == 1 else index
        if token.type == "heading_open":
            heading = _inline(tokens[index + 1])
            if title is None and not blocks and (token.tag == "h1" or "title" not in meta):
                title = heading
            elif heading:
                blocks.append(Heading(heading))
        elif token.type == "paragraph_open":
            paragraph = _inline(tokens[index + 1])
            label = plain(paragraph)
            if pending_quote_label:
                blocks.append(Quote((paragraph,)))
                pending_quote_label = False
            elif (quote := QUOTE_LABEL.match(label)) and not quote["text"]:
                pending_quote_label = True
            elif is_boilerplate(label):
                blocks.append(Boilerplate(paragraph))
            elif paragraph:
                blocks.append(Paragraph(paragraph))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            items = _list_items(tokens, index, close)
            intro = None
            previous = blocks[-1] if blocks else None
            if isinstance(previous, Paragraph) and plain(previous.inline).endswith(":"):
                intro = previous.inline
                blocks.pop()
            elif isinstance(previous, Heading) and introduces_lessons(plain(previous.inline)):
                # "## Key takeaways" directly over a list introduces it.
                intro = previous.inline
                blocks.pop()
            blocks.append(
                ListBlock(intro=intro, items=tuple(items), ordered=token.type.startswith("ordered"))
            )
        elif token.type == "blockquote_open":
            paragraphs = tuple(
                _inline(inner) if inner.type == "inline" else _code(inner)
                for inner in tokens[index:close]
                if inner.type in ("inline", "fence", "code_block")
            )
            if paragraphs:
                blocks.append(Quote(paragraphs))
        elif token.type == "table_open":
            table = _table(tokens, index, close)
            previous = blocks[-1] if blocks else None
            if isinstance(previous, Paragraph) and (
                caption := TABLE_LABEL.match(plain(previous.inline))
            ):
                blocks.pop()
                table = Table(normalize_spaces((Run(caption["text"]),)), table.header, table.rows)
            blocks.append(table)
        elif token.type in ("fence", "code_block") and (code := _code(token)):
            blocks.append(Paragraph(code))
        index = close + 1
    if title is None:
        if meta.get("title"):
            title = normalize_spaces((Run(meta["title"]),))
        elif blocks and isinstance(blocks[0], Heading | Paragraph):
            first = blocks.pop(0)
            assert isinstance(first, Heading | Paragraph)
            title = first.inline
        else:
            title = ()
    return Document(
        title=title,
        blocks=blocks,
        source_format="markdown",
        source_url=meta.get("source") or meta.get("url"),
        language=meta.get("language"),
        meta=dict(meta),
    )
