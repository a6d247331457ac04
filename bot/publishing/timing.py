"""When posts go out: reading what admins type for the start and the spacing (pure).

``/publish ID [channel] [start] [every]`` understands, in English and Russian:

- start: ``now``/``сейчас``; ``18:00`` (the next such time); ``tomorrow [09:00]``/``завтра
  [09:00]``, ``послезавтра``; a weekday, ``monday 9:00``, ``в понедельник`` (the next
  one; today if its time is still ahead); ``+2h``, ``in 30m``, ``in 2 days``, ``через 30м``,
  ``через 2 дня``; ``2026-12-01 09:00`` or ``2026-12-01T09:00``. A day without a time
  means 09:00, the start of a reading morning;
- every: ``2h``, ``every 2h``, ``каждые 2ч`` (units s, m, h, d; с, м/мин, ч, д).

Times are the channel's local time. An error names the part that was wrong and shows
one example that works; its text is a catalog message, translated where it is shown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import NewsbotError
from bot.i18n import N_

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})t(\d{1,2}:\d{2})$")
_SPAN = re.compile(r"^\+?(\d+)\s*([a-zа-я]+)$")
_UNITS = {
    "s": 1, "sec": 1, "с": 1, "сек": 1,
    "m": 60, "min": 60, "м": 60, "мин": 60, "minute": 60, "minutes": 60,
    "минуту": 60, "минуты": 60, "минут": 60,
    "h": 3600, "ч": 3600, "час": 3600, "часа": 3600, "часов": 3600, "hour": 3600,
    "hours": 3600,
    "d": 86400, "д": 86400, "дн": 86400, "день": 86400, "дня": 86400, "дней": 86400,
    "day": 86400, "days": 86400,
}  # fmt: skip
NOW = ("now", "сейчас")
TOMORROW = ("tomorrow", "завтра")
# Days from today each word means.
DAY_WORDS = {"today": 0, "сегодня": 0, "tomorrow": 1, "завтра": 1, "послезавтра": 2}
WEEKDAYS = {
    "monday": 0, "mon": 0, "понедельник": 0, "пн": 0,
    "tuesday": 1, "tue": 1, "вторник": 1, "вт": 1,
    "wednesday": 2, "wed": 2, "среда": 2, "среду": 2, "ср": 2,
    "thursday": 3, "thu": 3, "четверг": 3, "чт": 3,
    "friday": 4, "fri": 4, "пятница": 4, "пятницу": 4, "пт": 4,
    "saturday": 5, "sat": 5, "суббота": 5, "субботу": 5, "сб": 5,
    "sunday": 6, "sun": 6, "воскресенье": 6, "вс": 6,
}  # fmt: skip
# "on monday", "в понедельник", "во вторник": the little word is dropped.
ON = ("on", "в", "во")
# When a day is named without a time of day.
MORNING = time(9, 0)
IN = ("in", "через")
EVERY = ("every", "каждые", "каждый", "каждую", "раз в")
NIGHT = (time(23, 0), time(7, 0))


MAX_SPAN = timedelta(days=366)


class TimingError(NewsbotError):
    """A start or spacing that cannot be read; ``text(_)`` names the part and an example."""


@dataclass(frozen=True)
class PublishRequest:
    channel: str | None
    start: datetime
    every: timedelta | None


def parse_span(word: str) -> timedelta | None:
    """``2h``, ``+30m``, ``2ч``, ``30мин``; None when the word is not a span. A span of
    more than a year is refused in words (a typo, and past what dates can hold)."""
    match = _SPAN.match(word.lower())
    if match is None or match[2] not in _UNITS or int(match[1]) <= 0:
        return None
    seconds = int(match[1]) * _UNITS[match[2]]
    if seconds > MAX_SPAN.total_seconds():
        raise TimingError(N_("{span} is more than a year; for example: +2h"), span=word)
    return timedelta(seconds=seconds)


def parse_start(words: Sequence[str], now: datetime, zone: ZoneInfo) -> datetime:
    """The start in the channel's zone (see the module's list of forms)."""
    parts = [w.lower() for w in words]
    text = " ".join(words).strip()
    if not parts or parts in ([w] for w in NOW):
        return now
    local_now = now.astimezone(zone)
    if len(parts) == 1 and (clock := _CLOCK.match(parts[0])):
        moment = _local(local_now.date(), _time(clock), zone)
        return (
            moment
            if moment > now
            else _local(local_now.date() + timedelta(days=1), _time(clock), zone)
        )
    if (named := _named_day(parts, local_now, now, zone)) is not None:
        return named
    if len(parts) == 1 and parts[0].startswith("+") and (span := parse_span(parts[0])):
        return now + span
    if len(parts) == 2 and parts[0] in IN and (span := parse_span(parts[1])):
        return now + span
    if len(parts) == 3 and parts[0] in IN and (span := parse_span(parts[1] + parts[2])):
        return now + span
    if len(parts) == 1 and (joined := _DATE_TIME.match(parts[0])):
        parts = [joined[1], joined[2]]
    if len(parts) == 2 and (day := _DATE.match(parts[0])) and (clock := _CLOCK.match(parts[1])):
        try:
            on = date(int(day[1]), int(day[2]), int(day[3]))
        except ValueError:
            raise TimingError(
                N_("{date} is not a date; for example: 2026-12-01 09:00"), date=parts[0]
            ) from None
        moment = _local(on, _time(clock), zone)
        if moment < now - timedelta(minutes=1):
            raise TimingError(
                N_("{start} ({zone}) is in the past; for example: tomorrow 09:00"),
                start=text,
                zone=zone.key,
            )
        return moment
    raise TimingError(
        N_("I cannot read the start «{start}»; for example: now, 18:00, tomorrow 09:00, +2h"),
        start=text,
    )


def _named_day(
    parts: list[str], local_now: datetime, now: datetime, zone: ZoneInfo
) -> datetime | None:
    """``tomorrow [9:00]``, ``послезавтра``, ``[on] monday [9:00]``, ``в пятницу 18:00``;
    None when the words name no day."""
    if parts and parts[0] in ON:
        parts = parts[1:]
    if not parts or len(parts) > 2:
        return None
    at = MORNING
    if len(parts) == 2:
        clock = _CLOCK.match(parts[1])
        if clock is None:
            return None
        at = _time(clock)
    if parts[0] in DAY_WORDS:
        return _local(local_now.date() + timedelta(days=DAY_WORDS[parts[0]]), at, zone)
    if parts[0] in WEEKDAYS:
        ahead = (WEEKDAYS[parts[0]] - local_now.weekday()) % 7
        moment = _local(local_now.date() + timedelta(days=ahead), at, zone)
        return moment if moment > now else moment + timedelta(days=7)
    return None


def _time(match: re.Match[str]) -> time:
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise TimingError(N_("{time} is not a time of day; for example: 18:00"), time=match[0])
    return time(hour, minute)


def _local(on: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0 picks the first of a repeated hour; a skipped hour moves forward with UTC.
    return datetime.combine(on, at, tzinfo=zone).astimezone(ZoneInfo("UTC"))


_TIME_WORDS = (
    NOW + IN + ON + tuple(DAY_WORDS) + tuple(WEEKDAYS) + tuple(w for w in EVERY if " " not in w)
)


def _looks_like_a_name(word: str) -> bool:
    low = word.lower()
    known = (*_TIME_WORDS, "раз")
    return bool(re.match(r"^@?[a-zа-я_][\w-]*$", low)) and low not in known and not parse_span(low)


def _meant_time_word(word: str) -> str | None:
    """The time word a typo most likely meant (``tomorow``: tomorrow), if any."""
    close = difflib.get_close_matches(word.lower(), [w for w in _TIME_WORDS if len(w) > 3], 1, 0.8)
    return close[0] if close else None


def parse_publish_arguments(
    words: list[str],
    channel_keys: list[str],
    now: datetime,
    zone_for: dict[str, ZoneInfo],
    default_channel: str,
) -> PublishRequest:
    """``[channel] [start] [every]`` after the article id, in that order, each optional."""
    rest = list(words)
    channel = None
    if rest and rest[0] in channel_keys:
        channel = rest.pop(0)
    elif rest and _looks_like_a_name(rest[0]):
        if (meant := _meant_time_word(rest[0])) is not None:
            raise TimingError(
                N_("I cannot read the start «{start}»; did you mean {meant}?"),
                start=" ".join(rest),
                meant=meant,
            )
        raise TimingError(
            N_("There is no channel «{name}»; the channels are: {channels}"),
            name=rest[0],
            channels=", ".join(channel_keys),
        )
    every = None
    lowered = [w.lower() for w in rest]
    marker = next(
        (i for i, w in enumerate(lowered) if w in EVERY or lowered[i : i + 2] == ["раз", "в"]),
        None,
    )
    if marker is not None:
        skip = 2 if lowered[marker] == "раз" else 1
        spacing = rest[marker + skip : marker + skip + 1]
        every = parse_span(spacing[0]) if spacing else None
        if every is None:
            raise TimingError(
                N_("I cannot read the spacing «{spacing}»; for example: every 2h"),
                spacing=" ".join(rest[marker:]),
            )
        del rest[marker : marker + skip + 1]
    elif (
        rest
        and not rest[-1].startswith("+")
        and (span := parse_span(rest[-1]))
        and not (len(rest) >= 2 and rest[-2].lower() in IN)
    ):
        every = span
        rest.pop()
    zone = zone_for[channel or default_channel]
    return PublishRequest(channel=channel, start=parse_start(rest, now, zone), every=every)


MORNING = time(9, 0)  # where [Move to 09:00] puts a post that would go out at night


def at_night(moment: datetime, zone: ZoneInfo) -> bool:
    late, early = NIGHT
    return not early <= moment.astimezone(zone).time() < late


def spread(
    start: datetime, spacing: timedelta, count: int, zone: ZoneInfo, *, mornings: bool = False
) -> list[datetime]:
    """``count`` posting times ``spacing`` apart from ``start``. With ``mornings``, a time
    that falls at night moves to the next 09:00 in ``zone`` and the rest follow from it,
    still ``spacing`` apart."""
    times: list[datetime] = []
    moment = start
    for _index in range(count):
        if mornings and at_night(moment, zone):
            local = moment.astimezone(zone)
            day = local.date() + timedelta(days=1) if local.time() >= NIGHT[0] else local.date()
            moment = datetime.combine(day, MORNING, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        times.append(moment)
        moment += spacing
    return times


def night_times(times: Sequence[datetime], zone: ZoneInfo) -> list[datetime]:
    """Posting times that fall at night (23:00 to 07:00) in the channel's zone."""
    late, early = NIGHT
    return [t for t in times if not early <= t.astimezone(zone).time() < late]
