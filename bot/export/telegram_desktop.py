"""The comment log in Telegram Desktop's "Export chat history" JSON layout.

Desktop writes one chat per ``result.json``: ``name``, ``type``, ``id`` (the chat id
without ``-100``) and ``messages``, each with ``id``, ``type``, ``date`` (local time,
no offset), ``date_unixtime`` (a string), ``from``, ``from_id`` (``user<id>`` or
``channel<id>``), ``reply_to_message_id``, ``text`` and ``text_entities``. Tools
written for those exports then read newsbot's log as they read Desktop's. The chat
is the channel's discussion group; the channel's posts and polls, as Telegram
forwards them into the group, are in it too, so every reply finds what it answers.
Dates are in the channel's time zone. Erased comments keep their place with no text
and no author. Media are written in Desktop's words (``voice_message``, ``video_file``...)
with its note for a file it did not download; polls carry ``closed``, ``total_voters``
and each answer's ``voters`` and ``chosen``; addresses in a text are ``link`` entities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.export.scope import ExportError, ExportScope, log_filter
from bot.i18n import N_
from bot.telegram.links import bare_chat_id
from db.queries import export as queries
from db.queries.export import ThreadStart

if TYPE_CHECKING:
    from bot.export.sink import FileSink


class LogRow(NamedTuple):
    """One comment as ``db.queries.export.LOG_COLUMNS`` reads it, then its edit count."""

    comment_id: int
    group_id: int
    message_id: int
    reply_to_message_id: int | None
    created_at: datetime
    channel: str | None
    timezone: str | None
    group_username: str | None
    article_id: int
    article: str
    segment_id: int
    segment_position: int
    lesson_position: int | None
    user_id: int | None
    first_name: str | None
    last_name: str | None
    username: str | None
    sender_chat_id: int | None
    sender_chat_title: str | None
    text: str
    media_kind: str | None
    edited_at: datetime | None
    hidden: bool
    erased_at: datetime | None
    edits: int | None

    @property
    def display_name(self) -> str | None:
        """A chat's title, else the person's name (as Telegram shows the sender)."""
        return self.sender_chat_title or (
            " ".join(part for part in (self.first_name, self.last_name) if part) or None
        )


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def local_time(moment: datetime, zone_name: str | None) -> datetime:
    return moment.astimezone(zone(zone_name))


def _dates(moment: datetime, zone_name: str, prefix: str = "date") -> dict[str, str]:
    return {
        prefix: local_time(moment, zone_name).replace(tzinfo=None).isoformat(timespec="seconds"),
        f"{prefix}_unixtime": str(int(moment.timestamp())),
    }


# What Desktop writes where it did not download a file (newsbot keeps no files).
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
# Desktop's words for a message's media, where they differ from the Bot API's; a photo and
# a plain file have fields of their own instead (``photo``, ``file``).
_DESKTOP_MEDIA = {
    "voice": "voice_message",
    "video_note": "video_message",
    "video": "video_file",
    "audio": "audio_file",
    "animation": "animation",
    "sticker": "sticker",
}
# Addresses Telegram's clients turn into links in a message, as Desktop's "link" entity.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]}]", re.IGNORECASE)


def _text(text: str) -> dict[str, Any]:
    """Desktop's ``text`` (a string, or a list of strings and entities where there are any)
    and ``text_entities`` (every part, plain ones too)."""
    parts: list[dict[str, str]] = []
    position = 0
    for found in _URL.finditer(text):
        if found.start() > position:
            parts.append({"type": "plain", "text": text[position : found.start()]})
        parts.append({"type": "link", "text": found.group(0)})
        position = found.end()
    if position < len(text):
        parts.append({"type": "plain", "text": text[position:]})
    if not any(part["type"] != "plain" for part in parts):
        return {"text": text, "text_entities": parts}
    mixed: list[str | dict[str, str]] = [
        part["text"] if part["type"] == "plain" else part for part in parts
    ]
    return {"text": mixed, "text_entities": parts}


def _media(kind: str) -> dict[str, Any]:
    """A comment's media as Desktop writes it when it did not download the file."""
    if kind == "photo":
        return {"photo": NOT_INCLUDED}
    if kind == "document":
        return {"file": NOT_INCLUDED}
    if kind in _DESKTOP_MEDIA:
        return {"file": NOT_INCLUDED, "media_type": _DESKTOP_MEDIA[kind]}
    return {}


def _comment(row: LogRow, zone_name: str) -> dict[str, Any]:
    message: dict[str, Any] = {"id": row.message_id, "type": "message"}
    message.update(_dates(row.created_at, zone_name))
    if row.edited_at is not None:
        message.update(_dates(row.edited_at, zone_name, "edited"))
    if row.erased_at is not None:
        message.update({"from": None, "from_id": None})
    elif row.sender_chat_id is not None:
        message["from"] = row.display_name
        message["from_id"] = f"channel{bare_chat_id(row.sender_chat_id)}"
    else:
        message["from"] = row.display_name
        message["from_id"] = f"user{row.user_id}" if row.user_id is not None else None
    if row.reply_to_message_id is not None:
        message["reply_to_message_id"] = row.reply_to_message_id
    if row.media_kind:
        message.update(_media(row.media_kind))
    message.update(_text(row.text))
    return message


def _start(
    start: ThreadStart,
    channel_title: str,
    channel_chat_id: int | None,
    zone_name: str,
) -> dict[str, Any]:
    message_id, posted_at, text, options, counts, closed = start
    message: dict[str, Any] = {"id": message_id, "type": "message"}
    if posted_at is not None:
        message.update(_dates(posted_at, zone_name))
    message["from"] = channel_title
    message["from_id"] = f"channel{bare_chat_id(channel_chat_id)}" if channel_chat_id else None
    if options is not None:
        votes = list(counts or []) + [0] * (len(options) - len(counts or []))
        # A channel's poll is anonymous: nobody's answer is "chosen" from the bot's seat.
        message["poll"] = {
            "question": text,
            "closed": closed,
            "total_voters": sum(votes),
            "answers": [
                {"text": option, "voters": voters, "chosen": False}
                for option, voters in zip(options, votes, strict=False)
            ],
        }
        message.update(_text(""))
    else:
        message.update(_text(text))
    return message


async def write_desktop_export(session: AsyncSession, scope: ExportScope, out: FileSink) -> int:
    if scope.channel_id is None:
        raise ExportError(N_("The telegram-json format is one chat: name one channel."))
    found = await queries.channel_for_export(session, scope.channel_id)
    if found is None or found[0] is None:
        raise ExportError(N_("That channel has no discussion group, so it has no comments."))
    group_id, group_title, group_username, channel_title, zone_name, channel_chat_id = found
    assert group_id is not None
    head = {
        "name": group_title or channel_title,
        "type": "public_supergroup" if group_username else "private_supergroup",
        "id": bare_chat_id(group_id),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "messages": [')
    starts: Iterator[Any] = iter(await queries.thread_starts(session, group_id, scope.article_id))
    pending = next(starts, None)
    written = 0
    count = 0

    def emit(message: dict[str, Any]) -> None:
        nonlocal written
        out.write(("" if written == 0 else ", ") + json.dumps(message, ensure_ascii=False))
        written += 1

    async for raw in queries.stream_log(session, log_filter(scope, group_id)):
        row = LogRow._make(raw)
        while pending is not None and pending[0] < row.message_id:
            emit(_start(pending, channel_title, channel_chat_id, zone_name))
            pending = next(starts, None)
        emit(_comment(row, zone_name))
        count += 1
        await out.drain()
    while pending is not None:
        emit(_start(pending, channel_title, channel_chat_id, zone_name))
        pending = next(starts, None)
    out.write("]}\n")
    return count
