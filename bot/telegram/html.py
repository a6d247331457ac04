"""Telegram's HTML parse mode, checked the way Telegram checks it.

Used by the renderer's tests, the segmenter's guarantees and the emulator's
strictness alike, so a post that passes here is a post Telegram accepts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from telegram.constants import MessageLimit
from typing_extensions import override

# Tag -> attributes Telegram accepts on it.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


class TelegramHTMLError(ValueError):
    """What Telegram answers with ``400 Bad Request: can't parse entities``."""


_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


@dataclass(frozen=True)
class Entity:
    """A ``MessageEntity`` as Telegram reports it: offsets in UTF-16 units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url:
            data["url"] = self.url
        if self.language:
            data["language"] = self.language
        return data


@dataclass(frozen=True)
class ParsedMessage:
    text: str
    entity_count: int
    entities: tuple[Entity, ...] = ()

    @property
    def length(self) -> int:
        return utf16_length(self.text)


def utf16_length(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units: emoji and some scripts count double."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape user or article text for HTML parse mode."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    """Plain text as a bold HTML run (escaped)."""
    return f"<b>{escape(text)}</b>"


def escape_attribute(text: str) -> str:
    return html.escape(text, quote=True)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text: list[str] = []
        self.open_tags: list[str] = []
        self.entities = 0
        self.units = 0
        self.open_entities: list[tuple[str, int, dict[str, str | None]]] = []
        self.found: list[Entity] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return column if line == 1 else -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset '
                f"{self._offset()}"
            )
        for name, _value in attrs:
            if name not in ALLOWED_TAGS[tag]:
                raise TelegramHTMLError(
                    f'can\'t parse entities: Unsupported attribute "{name}" of tag "{tag}"'
                )
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise TelegramHTMLError(
                'can\'t parse entities: Tag "span" must have class "tg-spoiler"'
            )
        if tag == "a" and not dict(attrs).get("href"):
            raise TelegramHTMLError('can\'t parse entities: Tag "a" must have attribute "href"')
        self.open_tags.append(tag)
        self.open_entities.append((tag, self.units, dict(attrs)))
        self.entities += 1

    @override
    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f'can\'t parse entities: Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise TelegramHTMLError(
                f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
                if self.open_tags
                else f'can\'t parse entities: Unmatched end tag "{tag}"'
            )
        self.open_tags.pop()
        _tag, start, attrs = self.open_entities.pop()
        if self.units > start:
            kind = _ENTITY_TYPES[tag]
            if tag == "blockquote" and "expandable" in attrs:
                kind = "expandable_blockquote"
            language = None
            if tag == "code" and self.open_tags and self.open_tags[-1] == "pre":
                language = (attrs.get("class") or "").removeprefix("language-") or None
            self.found.append(Entity(kind, start, self.units - start, attrs.get("href"), language))

    def _append(self, text: str) -> None:
        self.text.append(text)
        self.units += utf16_length(text)

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise TelegramHTMLError("can't parse entities: Unexpected end of name token")
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            raise TelegramHTMLError(f'can\'t parse entities: Unsupported entity "&{name};"')
        self._append(_NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        self._append(html.unescape(f"&#{name};"))

    @override
    def handle_comment(self, data: str) -> None:
        raise TelegramHTMLError('can\'t parse entities: Unsupported start tag "!--"')

    @override
    def handle_decl(self, decl: str) -> None:
        raise TelegramHTMLError('can\'t parse entities: Unsupported start tag "!"')

    @override
    def unknown_decl(self, data: str) -> None:
        raise TelegramHTMLError('can\'t parse entities: Unsupported start tag "!"')


def parse_html(markup: str) -> ParsedMessage:
    """Parse like Telegram: the visible text and entity count, or ``TelegramHTMLError``."""
    # A bare '&' not starting an entity is an error in Telegram as well.
    for match in re.finditer(r"&", markup):
        if not _ENTITY.match(markup, match.start()):
            raise TelegramHTMLError(
                f"can't parse entities: Character '&' is reserved at byte offset {match.start()}"
            )
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    if parser.rawdata:
        raise TelegramHTMLError("can't parse entities: Unclosed start tag")
    if parser.open_tags:
        raise TelegramHTMLError(
            f"can't parse entities: Can't find end tag corresponding to start tag "
            f'"{parser.open_tags[-1]}"'
        )
    raw = "".join(parser.text)
    text = raw.strip()
    shift = utf16_length(raw[: len(raw) - len(raw.lstrip())])
    size = utf16_length(text)
    entities: list[Entity] = []
    for entity in sorted(parser.found, key=lambda e: (e.offset, -e.length)):
        start = max(entity.offset - shift, 0)
        end = min(entity.offset + entity.length - shift, size)
        if end > start:
            entities.append(Entity(entity.type, start, end - start, entity.url, entity.language))
    return ParsedMessage(text=text, entity_count=parser.entities, entities=tuple(entities))


def validate_message(markup: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> ParsedMessage:
    """Everything Telegram checks before accepting an HTML message; raises on the first problem."""
    parsed = parse_html(markup)
    if not parsed.text:
        raise TelegramHTMLError("message text is empty")
    if parsed.length > limit:
        raise TelegramHTMLError("message is too long")
    if parsed.entity_count > MessageLimit.MESSAGE_ENTITIES:
        raise TelegramHTMLError("too many entities")
    return parsed
