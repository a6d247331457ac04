"""What a moderator asks to export, read from their words, and the caption that says it.

``/export`` and ``newsbot export`` both end here: the words (or options) become an
``ExportRequest``; ``scope_of`` turns it into database ids, refusing a channel it does
not know instead of quietly exporting everything; ``caption`` states the scope, the
period, the format and whether hidden comments are in, so a file forwarded later
still says what it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.export.log import FORMATS, ExportFile, ExportFormat, write_log
from bot.export.scope import ExportError, ExportScope
from bot.i18n import N_, Translator, counted
from bot.numbers import fits_row_id, typed_number
from db.models import Article, Channel
from db.queries.articles import article_title
from db.queries.channels import channel_by_key

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
USAGE = N_(
    "Usage: /export [channel] [article number] [from YYYY-MM-DD] [to YYYY-MM-DD] "
    "[csv|json|jsonl|telegram-json] [hidden]. Example: /export {channel} 2026-11-01 "
    "2026-11-07 csv"
)


def usage(_: Translator, channels: list[str]) -> str:
    """The usage line, its example naming a channel the person moderates."""
    return _(USAGE).format(channel=channels[0] if channels else "news")


@dataclass(frozen=True)
class ExportRequest:
    channel: str | None = None
    article_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    kind: ExportFormat = "csv"
    include_hidden: bool = False


def read_day(word: str) -> date:
    try:
        if not _DATE.match(word):
            raise ValueError(word)
        return date.fromisoformat(word)
    except ValueError:
        raise ExportError(
            N_("{word} is not a date: use YYYY-MM-DD, for example 2026-11-01."), word=word
        ) from None


def parse_words(words: list[str], channels: list[str]) -> ExportRequest:
    """``/export`` words in any order; the first date is the start, the second the end."""
    channel: str | None = None
    article: int | None = None
    days: list[date] = []
    kind: ExportFormat = "csv"
    hidden = False
    for word in words:
        lowered = word.lower()
        if word in channels:
            channel = word
        elif (number := typed_number(word)) is not None:
            if not fits_row_id(number):
                raise ExportError(N_("There is no article {id}."), id=word)
            article = number
        elif _DATE.match(word):
            days.append(read_day(word))
        elif lowered in FORMATS:
            kind = lowered
        elif lowered == "hidden":
            hidden = True
        else:
            raise ExportError(
                N_("I do not understand {word}. Channels here: {channels}."),
                word=word,
                channels=", ".join(channels),
            )
    if len(days) > 2:
        raise ExportError(N_("Give at most two dates: the first day and the last."))
    since = days[0] if days else None
    until = days[1] if len(days) == 2 else None
    if since and until and until < since:
        raise ExportError(N_("The last day comes before the first."))
    return ExportRequest(channel, article, since, until, kind, hidden)


async def scope_of(
    session: AsyncSession, request: ExportRequest, channels: list[str], *, every_channel: bool
) -> ExportScope:
    """Database ids for the request, within ``channels`` (the moderator's; every channel
    there is when ``every_channel``); Telegram Desktop's layout is one chat, so it needs
    one channel. An article of another channel is answered as one that does not exist."""
    key = request.channel
    if key is None and request.kind == "telegram-json":
        raise ExportError(
            N_("The telegram-json format is one chat: name one channel ({channels})."),
            channels=", ".join(channels),
        )
    if key is None and not every_channel and request.article_id is None:
        raise ExportError(
            N_("Name the channel to export: {channels}."), channels=", ".join(channels)
        )
    channel_id, zone = None, "UTC"
    if key is not None:
        row = await channel_by_key(session, key)
        if row is None:
            raise ExportError(N_("Nothing from channel {channel} is stored yet."), channel=key)
        channel_id, zone = row.id, row.timezone or "UTC"
    if request.article_id is not None:
        article = await session.get(Article, request.article_id)
        channel = (
            await session.get(Channel, article.channel_id)
            if article and article.channel_id
            else None
        )
        if article is None or (
            not every_channel and (channel is None or channel.key not in channels)
        ):
            raise ExportError(N_("There is no article {id}."), id=request.article_id)
        zone = channel.timezone or "UTC" if channel is not None else zone
    return ExportScope(
        channel_id,
        request.article_id,
        _midnight(request.since, zone),
        _midnight(request.until + timedelta(days=1), zone) if request.until else None,
        request.include_hidden,
        zone,
    )


def _midnight(day: date | None, zone: str) -> datetime | None:
    """The day's start in ``zone`` (one channel's dates are that channel's days; several
    channels' are UTC days)."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone)).astimezone(UTC) if day else None


@dataclass(frozen=True)
class Exported:
    file: ExportFile
    request: ExportRequest
    article_title: str | None

    zone: str = "UTC"  # whose days the dates are

    def caption(self, _: Translator) -> str:
        return caption(self.request, self.file.rows, self.article_title, _, self.zone)


async def export_comments(
    session: AsyncSession,
    request: ExportRequest,
    channels: list[str],
    directory: Path,
    *,
    every_channel: bool,
    upload_limit: int,
    now: datetime,
) -> Exported:
    """The comment log of ``channels`` (see ``scope_of``), written to ``directory``."""
    one = len(channels) == 1 and request.channel is None
    if one and (request.kind == "telegram-json" or (not every_channel and not request.article_id)):
        request = replace(request, channel=channels[0])
    scope = await scope_of(session, request, channels, every_channel=every_channel)
    title = (
        await article_title(session, request.article_id) if request.article_id is not None else None
    )
    exported = await write_log(
        session, scope, request.kind, directory, upload_limit=upload_limit, now=now
    )
    return Exported(exported, request, title, scope.zone)


def caption(
    request: ExportRequest, rows: int, title: str | None, _: Translator, zone: str = "UTC"
) -> str:
    """For example "Comment log · channel news · article 3 «Title» · 2026-11-01 –
    2026-11-07 (Europe/Berlin) · CSV · hidden comments left out · 12 comments"."""
    parts = [_("Comment log")]
    if request.channel:
        parts.append(_("channel {channel}").format(channel=request.channel))
    if request.article_id is not None:
        parts.append(_("article {id} «{title}»").format(id=request.article_id, title=title or ""))
    if not request.channel and request.article_id is None:
        parts.append(_("all channels"))
    since, until = request.since, request.until
    if since and until:
        period = _("{since} – {until} ({zone})")
    elif since:
        period = _("from {since} ({zone})")
    elif until:
        period = _("up to {until} ({zone})")
    else:
        period = _("all dates")
    parts.append(period.format(since=since, until=until, zone=zone))
    parts.append(request.kind.upper().replace("TELEGRAM-JSON", "Telegram Desktop JSON"))
    parts.append(
        _("hidden comments included") if request.include_hidden else _("hidden comments left out")
    )
    parts.append(counted("{count} comment", "{count} comments", rows, _))
    return " · ".join(parts)
