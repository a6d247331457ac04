"""Cut a ``Document`` into Telegram posts: pure data in, data out.

About one post per section; a short neighbour is merged in, a long section is
split at paragraph, then sentence, then word boundaries. A lesson list is a
post of its own, and its lessons carry the poll questions published after it.
Every post is checked with Telegram's own rules before it is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
from bot.articles.inline import (
    Inline,
    Run,
    length,
    normalize_spaces,
    plain,
    slice_inline,
    split_to_fit,
    text_inline,
    to_html,
    with_marks,
)
from bot.articles.lessons import poll_question
from bot.config import WEB_ADDRESS, ArticleConfig
from bot.i18n import N_, translator
from bot.telegram.html import TelegramHTMLError, escape_attribute, utf16_length, validate_message
from db.models import SegmentKind

SEPARATOR = "\n\n"
LINE = "\n"
_LABEL = re.compile(r"^([^:.!?]{2,60}):\s")
# Room kept in every post for "(12/34)" and, on the last post, the source link.
_PROGRESS_RESERVE = len(SEPARATOR) + len("(999/999)")


@dataclass(frozen=True)
class LessonDraft:
    text: str
    question: str


@dataclass(frozen=True)
class Post:
    position: int
    kind: SegmentKind
    html: str
    text: str
    lessons: tuple[LessonDraft, ...] = ()


@dataclass(frozen=True)
class _Unit:
    """The smallest piece kept whole: a paragraph, a list chunk, a table chunk..."""

    html: str
    text: str
    role: str  # "heading", "paragraph", "quote", "table", "list", "title"
    lessons: tuple[LessonDraft, ...] = ()

    @property
    def length(self) -> int:
        return utf16_length(self.text)


@dataclass
class _Section:
    kind: SegmentKind
    units: list[_Unit] = field(default_factory=list)


def _joined_length(units: list[_Unit], separator: str = SEPARATOR) -> int:
    if not units:
        return 0
    return sum(unit.length for unit in units) + utf16_length(separator) * (len(units) - 1)


def _split_inline_units(
    inline: Inline, budget: int, role: str, marks: tuple[str, ...] = ()
) -> list[_Unit]:
    units = []
    for piece in split_to_fit(inline, budget):
        styled = with_marks(piece, *marks) if marks else piece
        html = to_html(styled)
        if role == "quote":
            html = f"<blockquote>{html}</blockquote>"
        units.append(_Unit(html, plain(piece), role))
    return units


def _packed_lines(
    head: tuple[str, str] | None,
    lines: list[tuple[str, str, tuple[LessonDraft, ...]]],
    budget: int,
    role: str,
) -> list[_Unit]:
    """Pack (html, text) lines under an optional head line into units of at most ``budget``."""
    units: list[_Unit] = []
    html_parts: list[str] = [head[0]] if head else []
    text_parts: list[str] = [head[1]] if head else []
    lessons: list[LessonDraft] = []
    for line_html, line_text, line_lessons in lines:
        candidate = LINE.join([*text_parts, line_text])
        # Over budget: close the unit, even when it holds only the head (an intro that would
        # not fit beside a long first item stays a line of its own).
        if text_parts and utf16_length(candidate) > budget:
            units.append(_Unit(LINE.join(html_parts), LINE.join(text_parts), role, tuple(lessons)))
            html_parts, text_parts, lessons = [], [], []
        html_parts.append(line_html)
        text_parts.append(line_text)
        lessons.extend(line_lessons)
    if text_parts:
        units.append(_Unit(LINE.join(html_parts), LINE.join(text_parts), role, tuple(lessons)))
    return units


def _line_pieces(prefix: str, inline: Inline, budget: int) -> list[tuple[str, str]]:
    """One list line, cut into several when a single item is longer than a post. Only the
    first piece carries the item's number: a continuation in the next post reads on from
    "…", not as another item 1."""
    room = budget - utf16_length(prefix)
    pieces = split_to_fit(inline, room)
    return [
        (mark + to_html(piece), mark + plain(piece))
        for index, piece in enumerate(pieces)
        for mark in [prefix if index == 0 else CONTINUED]
    ]


CONTINUED = "… "  # opens the rest of a list item cut across posts


def _labelled(inline: Inline) -> Inline:
    """Bold the "Label:" that opens an item like "Russia's unreliability: After ..."."""
    text = plain(inline)
    match = _LABEL.match(text)
    if not match:
        return inline
    cut = match.end(1) + 1
    return with_marks(slice_inline(inline, 0, cut), "b") + slice_inline(inline, cut, len(text))


def _list_units(block: ListBlock, budget: int) -> list[_Unit]:
    head = None
    if block.intro:
        intro = with_marks(block.intro, "b") if block.is_lessons else block.intro
        if length(intro) <= budget // 2:
            head = (to_html(intro), plain(intro))
    lines: list[tuple[str, str, tuple[LessonDraft, ...]]] = []
    for number, item in enumerate(block.items, start=1):
        prefix = f"{number}. " if block.ordered or block.is_lessons else "• "
        shown = _labelled(item) if block.is_lessons else item
        lesson: tuple[LessonDraft, ...] = ()
        if block.is_lessons:
            text = plain(item)
            lesson = (LessonDraft(text=text, question=poll_question(text)),)
        for index, (line_html, line_text) in enumerate(_line_pieces(prefix, shown, budget)):
            lines.append((line_html, line_text, lesson if index == 0 else ()))
    units = []
    if block.intro and head is None:
        units.extend(_split_inline_units(block.intro, budget, "paragraph"))
    role = "lessons" if block.is_lessons else "list"
    return units + _packed_lines(head, lines, budget, role)


def _table_units(block: Table, budget: int) -> list[_Unit]:
    """A table as lines a phone shows: the header once, in italics, then each row as
    "**label** — cell; cell". Every word of the table stays, in reading order."""
    lines: list[tuple[str, str, tuple[LessonDraft, ...]]] = []
    names = [name for name in block.header if name.strip()]
    if names:
        header = with_marks(normalize_spaces((Run(" — ".join(names)),)), "i")
        for line_html, line_text in _line_pieces("", header, budget):
            lines.append((line_html, line_text, ()))
    for row in block.rows:
        cells = list(row)
        if not cells:
            continue
        body: Inline = with_marks(cells[0], "b")
        rest = [cell for cell in cells[1:] if plain(cell)]
        for index, part in enumerate(rest):
            body = (*body, Run(" — " if index == 0 else "; "), *part)
        for line_html, line_text in _line_pieces("", body, budget):
            lines.append((line_html, line_text, ()))
    head = None
    if block.caption:
        caption = with_marks(block.caption, "b")
        head = (to_html(caption), plain(caption))
    return _packed_lines(head, lines, budget, "table")


def _block_units(block: Block, budget: int) -> list[_Unit]:
    if isinstance(block, Heading):
        return _split_inline_units(block.inline, budget, "heading", ("b",))
    if isinstance(block, Paragraph | Boilerplate):
        return _split_inline_units(block.inline, budget, "paragraph")
    if isinstance(block, Quote):
        units: list[_Unit] = []
        for paragraph in block.paragraphs:
            units.extend(_split_inline_units(paragraph, budget - 1, "quote"))
        return units
    if isinstance(block, ListBlock):
        return _list_units(block, budget)
    return _table_units(block, budget)


def _sections(document: Document, budget: int, keep_boilerplate: bool) -> list[_Section]:
    title = _Section(
        SegmentKind.TITLE, _split_inline_units(document.title, budget, "title", ("b",))
    )
    byline = " · ".join(
        value for key in ("author", "date") if (value := document.meta.get(key, "").strip())
    )
    if byline:
        title.units.extend(_block_units(Paragraph(with_marks(text_inline(byline), "i")), budget))
    blocks = list(document.blocks)
    if blocks and isinstance(blocks[0], Paragraph):
        title.units.extend(_block_units(blocks.pop(0), budget))
    sections = [title]
    current = _Section(SegmentKind.SECTION)
    closing = _Section(SegmentKind.CLOSING)
    for block in blocks:
        if isinstance(block, Boilerplate):
            if keep_boilerplate:
                closing.units.extend(_block_units(block, budget))
            continue
        if isinstance(block, Heading) and current.units:
            sections.append(current)
            current = _Section(SegmentKind.SECTION)
        if isinstance(block, ListBlock) and block.is_lessons:
            # A heading right above the lesson list belongs to it, not to the post before.
            carried = (
                [current.units.pop()]
                if current.units[-1:] and current.units[-1].role == "heading"
                else []
            )
            if current.units:
                sections.append(current)
            lessons = _Section(SegmentKind.LESSONS, carried + _block_units(block, budget))
            sections.append(lessons)
            current = _Section(SegmentKind.SECTION)
            continue
        current.units.extend(_block_units(block, budget))
    if current.units:
        sections.append(current)
    if closing.units:
        sections.append(closing)
    return sections


def _pack(section: _Section, target: int, budget: int) -> list[list[_Unit]]:
    """Split a section at unit boundaries; a heading never ends a post."""
    limit = budget if section.kind is SegmentKind.LESSONS else target
    if _joined_length(section.units) <= limit:
        return [section.units]
    posts: list[list[_Unit]] = [[]]
    for unit in section.units:
        current = posts[-1]
        fits = _joined_length([*current, unit]) <= limit
        if current and not fits:
            trailing_heading = current[-1].role == "heading" and len(current) > 1
            carried = [current.pop()] if trailing_heading else []
            posts.append(carried)
            current = posts[-1]
            if carried and _joined_length([*carried, unit]) > budget:
                posts.append([])
                current = posts[-1]
        current.append(unit)
    return [post for post in posts if post]


def _kind(section_kind: SegmentKind, units: list[_Unit]) -> SegmentKind:
    if section_kind is not SegmentKind.SECTION:
        return section_kind
    roles = {unit.role for unit in units} - {"heading"}
    if roles == {"quote"}:
        return SegmentKind.QUOTE
    if roles == {"table"}:
        return SegmentKind.TABLE
    return SegmentKind.SECTION


_MERGEABLE = (SegmentKind.SECTION, SegmentKind.QUOTE, SegmentKind.TABLE)


def _merge_short(drafts: list[tuple[SegmentKind, list[_Unit]]], target: int) -> None:
    """Merge a short post into its previous neighbour when both together stay within target."""
    short = target * 2 // 5
    index = 1
    while index < len(drafts):
        (kind_a, units_a), (kind_b, units_b) = drafts[index - 1], drafts[index]
        both_mergeable = kind_a in _MERGEABLE and kind_b in _MERGEABLE
        either_short = min(_joined_length(units_a), _joined_length(units_b)) < short
        if both_mergeable and either_short and _joined_length(units_a + units_b) <= target:
            merged = units_a + units_b
            drafts[index - 1] = (_kind(SegmentKind.SECTION, merged), merged)
            del drafts[index]
        else:
            index += 1


def segment(document: Document, settings: ArticleConfig, language: str | None = None) -> list[Post]:
    """The posts of ``document`` in publishing order, each valid as Telegram counts it."""
    _ = translator(language or document.language)
    source_label = _("Source")
    link_reserve = 0
    # Only a web address is linked (front matter may say anything, ``javascript:`` too).
    source_url = document.source_url if WEB_ADDRESS.match(document.source_url or "") else None
    if settings.source_link and source_url:
        link_reserve = len(SEPARATOR) + utf16_length(source_label)
    reserve = (_PROGRESS_RESERVE if settings.progress_marks else 0) + link_reserve
    budget = settings.max_length - reserve
    target = min(settings.target_length, budget)

    drafts: list[tuple[SegmentKind, list[_Unit]]] = []
    for section in _sections(document, budget, settings.keep_boilerplate):
        for units in _pack(section, target, budget):
            drafts.append((_kind(section.kind, units), units))
    _merge_short(drafts, target)

    posts: list[Post] = []
    total = len(drafts)
    for position, (kind, units) in enumerate(drafts):
        html = SEPARATOR.join(unit.html for unit in units)
        text = SEPARATOR.join(unit.text for unit in units)
        if settings.progress_marks and total > 1:
            mark = f"({position + 1}/{total})"
            html, text = html + SEPARATOR + mark, text + SEPARATOR + mark
        if link_reserve and position == 0 and source_url:
            # In the first post, beside the title and lead: where readers decide to read on.
            href = escape_attribute(source_url)
            html += f'{SEPARATOR}<a href="{href}">{to_html((Run(source_label),))}</a>'
            text += SEPARATOR + source_label
        try:
            parsed = validate_message(html, limit=settings.max_length)
        except TelegramHTMLError as exc:
            raise ArticleError(
                N_(
                    "post {post} of {total} would not be accepted by Telegram ({reason}); "
                    "shorten that part of the article"
                ),
                post=position + 1,
                total=total,
                reason=str(exc),
            ) from None
        lessons = tuple(lesson for unit in units for lesson in unit.lessons)
        posts.append(Post(position, kind, html, parsed.text, lessons))
    return posts
