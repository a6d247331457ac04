"""When posts go out: reading admins' start times and spacing, laying out slots (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import parse_duration

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class TimingError(ValueError):
    """An admin's start or spacing argument that cannot be read."""


@dataclass(frozen=True)
class PublishRequest:
    channel: str | None
    start: datetime
    every: timedelta | None


def parse_start(words: list[str], now: datetime, zone: ZoneInfo) -> datetime:
    """``now``, ``18:00`` (the next such time) or ``2026-12-01 09:00``, in the channel's zone."""
    text = " ".join(words).strip().lower()
    if text in ("", "now"):
        return now
    local_now = now.astimezone(zone)
    parts = text.split()
    if len(parts) == 1 and (clock := _CLOCK.match(parts[0])):
        moment = _local(local_now.date(), _time(clock), zone)
        if moment <= now:
            moment = _local(local_now.date() + timedelta(days=1), _time(clock), zone)
        return moment
    if len(parts) == 2 and (day := _DATE.match(parts[0])) and (clock := _CLOCK.match(parts[1])):
        try:
            on = date(int(day[1]), int(day[2]), int(day[3]))
        except ValueError:
            raise TimingError(f"{parts[0]} is not a date") from None
        moment = _local(on, _time(clock), zone)
        if moment < now - timedelta(minutes=1):
            raise TimingError(f"{text} ({zone.key}) is in the past")
        return moment
    raise TimingError(f"cannot read start {text!r}: use now, 18:00 or 2026-12-01 09:00")


def _time(match: re.Match[str]) -> time:
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise TimingError(f"{match[0]} is not a time of day")
    return time(hour, minute)


def _local(on: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0 picks the first of a repeated hour; a skipped hour moves forward with UTC.
    return datetime.combine(on, at, tzinfo=zone).astimezone(ZoneInfo("UTC"))


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
    every = None
    if rest:
        try:
            every = parse_duration(rest[-1])
            rest.pop()
        except ValueError:
            every = None
    zone = zone_for[channel or default_channel]
    start = parse_start(rest, now, zone)
    return PublishRequest(channel=channel, start=start, every=every)
