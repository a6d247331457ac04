"""The Mini App's moderation page: the comments hidden in the caller's channels, newest
first, with who hid them (a moderator, or an automatic rule), when and why, and [Undo]."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from bot.channels import ensure_channel
from bot.config import Config
from bot.i18n import Translator
from bot.moderation.actions import display_name
from db.models import User
from db.queries import discussion as queries

SHOWN = 100


@dataclass(frozen=True)
class HiddenLine:
    id: int
    channel: str
    author: str
    text: str
    hidden_at: str
    by: str
    reason: str


@dataclass(frozen=True)
class HiddenPage:
    labels: dict[str, str]
    lines: list[HiddenLine]


async def hidden_page(
    session: AsyncSession, scope: Scope, config: Config, _: Translator, now: datetime
) -> HiddenPage:
    channels = {}
    for channel in config.channels:
        if scope.moderates(channel.key):
            row = await ensure_channel(session, channel, now)
            channels[row.id] = (channel.key, channel.zone)
    entries = await queries.recent_hides(session, list(channels), SHOWN)
    places = [place for entry in entries if (place := _place(entry.target)) is not None]
    comments = await queries.comments_at(session, places)
    lines, seen = [], set()
    for entry in entries:
        place = _place(entry.target)
        if place is None or place in seen or place not in comments:
            continue
        seen.add(place)
        comment, author = comments[place]
        if not comment.hidden or entry.channel_id not in channels:
            continue  # shown again since
        key, zone = channels[entry.channel_id]
        actor = await session.get(User, entry.actor_id) if entry.actor_id else None
        lines.append(
            HiddenLine(
                comment.id,
                key,
                display_name(author) if author else (comment.sender_chat_title or "—"),
                comment.text,
                _time(entry.created_at, zone),
                display_name(actor) if actor else _("an automatic rule"),
                str(entry.detail.get("reason") or comment.hidden_reason or "—"),
            )
        )
    labels = {
        "heading": _("Hidden comments"),
        "none": _("Nothing is hidden."),
        "by": _("hidden by"),
        "reason": _("why"),
        "undo": _("Show again"),
    }
    return HiddenPage(labels, lines)


def _place(target: str | None) -> tuple[int, int] | None:
    kind, _, rest = (target or "").partition(":")
    chat, _, message = rest.partition(":")
    if kind != "message" or not chat.lstrip("-").isdigit() or not message.isdigit():
        return None
    return int(chat), int(message)


def _time(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
