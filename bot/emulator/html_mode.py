"""Telegram's HTML parse mode as the emulator reads it: text, entities, or Telegram's error.

Written apart from the bot's own validator (``bot.telegram_html``) on purpose: a test
must not pass only because the bot and the emulator share one parser. This is a
hand-written scanner over the documented rules
(core.telegram.org/bots/api#html-style):

- tags b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler", tg-spoiler,
  a href, code, pre (with an inner code class="language-..."), blockquote
  (optionally expandable), tg-emoji emoji-id; anything else is refused;
- only &lt; &gt; &amp; &quot; and numeric entities; a bare < > or & is refused
  (the reference says they "must be replaced"; Telegram's own leniency for a
  bare > is not relied on, the stricter choice);
- leading and trailing whitespace of the whole text is removed, as Telegram does,
  with entity offsets moved to match; offsets and lengths are UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ENTITY_LIMIT = 100
_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "blockquote": {"expandable"}}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")


class HTMLModeError(ValueError):
    """The description Telegram answers with (400 Bad Request: can't parse entities: ...)."""


@dataclass
class _Open:
    tag: str
    start: int
    attributes: dict[str, str]


@dataclass
class Parsed:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse(markup: str) -> Parsed:
    """The text and entities Telegram makes of ``markup``, or ``HTMLModeError``."""
    pieces: list[str] = []
    units = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    position = 0
    while position < len(markup):
        char = markup[position]
        if char == "<":
            match = _TAG.match(markup, position)
            if match is None:
                raise HTMLModeError(
                    f"can't parse entities: Unexpected character '<' at byte offset {position}"
                )
            closing, tag, raw_attributes = match.group(1), match.group(2).lower(), match.group(3)
            if tag not in _KINDS:
                raise HTMLModeError(
                    f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset '
                    f"{position}"
                )
            if closing:
                if not stack or stack[-1].tag != tag:
                    raise HTMLModeError(
                        f"can't parse entities: Unmatched end tag at byte offset {position}, "
                        f'expected "</{stack[-1].tag}>", found "</{tag}>"'
                        if stack
                        else f"can't parse entities: Unexpected end tag at byte offset {position}"
                    )
                opened = stack.pop()
                entity = _entity(opened, units, stack)
                if entity is not None:
                    entities.append(entity)
            else:
                stack.append(_Open(tag, units, _attributes(tag, raw_attributes)))
            position = match.end()
        elif char == "&":
            match = _ENTITY.match(markup, position)
            if match is None or (match.group(3) and match.group(3) not in _NAMED):
                raise HTMLModeError(
                    f"can't parse entities: Character '&' is reserved at byte offset {position}"
                )
            if match.group(3):
                decoded = _NAMED[match.group(3)]
            else:
                number = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
                if not 0 < number <= 0x10FFFF or 0xD800 <= number <= 0xDFFF:
                    raise HTMLModeError("can't parse entities: Invalid character reference")
                decoded = chr(number)
            pieces.append(decoded)
            units += _units(decoded)
            position = match.end()
        elif char == ">":
            raise HTMLModeError(
                f"can't parse entities: Character '>' is reserved at byte offset {position}"
            )
        else:
            end = position
            while end < len(markup) and markup[end] not in "<&>":
                end += 1
            chunk = markup[position:end]
            pieces.append(chunk)
            units += _units(chunk)
            position = end
    if stack:
        raise HTMLModeError(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1].tag}"'
        )
    if len(entities) > ENTITY_LIMIT:
        raise HTMLModeError("too many entities")
    return _trimmed("".join(pieces), entities)


def _attributes(tag: str, raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(raw):
        name = match.group(1).lower()
        if name not in _ATTRIBUTES.get(tag, set()) and not (
            tag == "tg-emoji" and name == "emoji-id"
        ):
            raise HTMLModeError(
                f'can\'t parse entities: Unsupported attribute "{name}" of tag "{tag}"'
            )
        value = next((g for g in match.group(2, 3, 4) if g is not None), "")
        found[name] = _unescape(value)
    if tag == "a" and not found.get("href"):
        raise HTMLModeError('can\'t parse entities: Tag "a" must have attribute "href"')
    if tag == "span" and found.get("class") != "tg-spoiler":
        raise HTMLModeError('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
    return found


def _unescape(value: str) -> str:
    return _ENTITY.sub(
        lambda m: (
            _NAMED.get(m.group(3) or "", m.group(0))
            if m.group(3)
            else chr(int(m.group(1)) if m.group(1) else int(m.group(2), 16))
        ),
        value,
    )


def _entity(opened: _Open, end: int, stack: list[_Open]) -> dict[str, Any] | None:
    if end <= opened.start:
        return None
    kind = _KINDS[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.start, "length": end - opened.start}
    if opened.tag == "a":
        entity["url"] = opened.attributes["href"]
    if opened.tag == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    if opened.tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.attributes.get("emoji-id", "")
    if opened.tag == "code" and stack and stack[-1].tag == "pre":
        # <pre><code class="language-x"> is one pre entity with that language.
        language = opened.attributes.get("class", "").removeprefix("language-")
        if language:
            stack[-1].attributes["language"] = language
        return None
    if opened.tag == "pre" and opened.attributes.get("language"):
        entity["language"] = opened.attributes["language"]
    return entity


def _trimmed(raw: str, entities: list[dict[str, Any]]) -> Parsed:
    text = raw.strip()
    lead = _units(raw[: len(raw) - len(raw.lstrip())])
    size = _units(text)
    kept = []
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return Parsed(text, kept)


def text_length(text: str) -> int:
    """Telegram's length of a text: UTF-16 code units."""
    return _units(text)
