"""Telegram's HTML parse mode as the emulator reads it: text, entities, or Telegram's error.

Written apart from the bot's own validator (``bot.telegram.html``) on purpose: a test
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
  with entity offsets moved to match; offsets and lengths are UTF-16 code units;
- nesting as the reference allows it: nothing inside code or pre (but the code that
  names a pre's language), no blockquote in a blockquote, no link in a link (refused:
  the reference forbids it and says nothing of leniency, so the stricter choice);
- a custom emoji from a bot without a Fragment username is shown as its plain emoji
  (the entity is dropped, as Telegram does for such bots);
- a ``tg://user?id=`` link becomes a ``text_mention`` of that user where the mention
  works (``mention`` finds the user), else plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def parse(
    markup: str,
    *,
    custom_emoji: bool = False,
    mention: Callable[[int], dict[str, Any] | None] = lambda _user_id: None,
) -> Parsed:
    """The text and entities Telegram makes of ``markup``, or ``HTMLModeError``.
    ``custom_emoji``: whether the bot may send them (a Fragment username); ``mention``:
    the user a ``tg://user?id=`` link names, when the mention works."""
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
                entity = _entity(opened, units, stack, custom_emoji, mention)
                if entity is not None:
                    entities.append(entity)
            else:
                _check_nesting(tag, stack, position)
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


_FORMATTING = {"bold", "italic", "underline", "strikethrough", "spoiler"}
_MENTION = re.compile(r"^tg://user\?id=(\d{1,20})$")


def _check_nesting(tag: str, stack: list[_Open], position: int) -> None:
    """The reference's nesting rules for entities, applied as tags open."""
    kind = _KINDS[tag]
    inside = [_KINDS[opened.tag] for opened in stack]
    code_in_pre = tag == "code" and bool(stack) and stack[-1].tag == "pre"
    if ("code" in inside or "pre" in inside) and not code_in_pre:
        raise HTMLModeError(
            f"can't parse entities: pre and code entities can't contain other entities "
            f'(tag "{tag}" at byte offset {position})'
        )
    if kind == "blockquote" and "blockquote" in inside:
        raise HTMLModeError(
            f"can't parse entities: blockquote entities can't be nested (byte offset {position})"
        )
    if kind == "text_link" and "text_link" in inside:
        raise HTMLModeError(
            f"can't parse entities: links can't contain links (byte offset {position})"
        )
    if kind not in _FORMATTING and kind != "code" and "custom_emoji" in inside:
        raise HTMLModeError(
            f'can\'t parse entities: tag "{tag}" inside a custom emoji at byte offset {position}'
        )


def _entity(
    opened: _Open,
    end: int,
    stack: list[_Open],
    custom_emoji: bool,
    mention: Callable[[int], dict[str, Any] | None],
) -> dict[str, Any] | None:
    if end <= opened.start:
        return None
    kind = _KINDS[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.start, "length": end - opened.start}
    if opened.tag == "tg-emoji" and not custom_emoji:
        return None  # shown as the plain emoji inside the tag
    if opened.tag == "a" and (found := _MENTION.match(opened.attributes["href"])):
        user = mention(int(found.group(1)))
        if user is None:
            return None  # the mention would not work: the words stay, unlinked
        return {"type": "text_mention", "offset": entity["offset"], "length": entity["length"],
                "user": user}  # fmt: skip
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
