"""Which week a summary covers, in the channel's own time zone.

Each channel has a weekly slot (``summary_day`` at ``summary_time``, local).
The summary for ISO week W is made at W's slot and covers everything since the
previous slot, so consecutive summaries leave no gap and never overlap, across
daylight-saving changes too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import WEEKDAYS, ChannelConfig
from bot.errors import NewsbotError
from bot.i18n import N_

UTC = ZoneInfo("UTC")
# Day before month ("22–29 November"), as the readers write it.
_DATE_LOCALES = {"en": "en_GB"}
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class WeekError(NewsbotError):
    pass


@dataclass(frozen=True)
class Period:
    year: int
    week: int
    start: datetime  # the previous slot, UTC
    end: datetime  # this week's slot, UTC

    @property
    def label(self) -> str:
        """``2026-W48``: for files and the command line, not for readers."""
        return f"{self.year}-W{self.week:02d}"

    def first_and_last_day(self, zone: ZoneInfo) -> tuple[date, date]:
        return (
            self.start.astimezone(zone).date(),
            (self.end - timedelta(microseconds=1)).astimezone(zone).date(),
        )

    def dates(self, zone: ZoneInfo, language: str) -> str:
        """The period as readers say it, in their language: "22–29 November"."""
        from babel.dates import format_interval

        first, last = self.first_and_last_day(zone)
        locale = _DATE_LOCALES.get(language, language)
        text = str(format_interval(first, last, "MMMMd", locale=locale))
        # "22 – 29 November" with thin spaces reads as two dates; Telegram users write "22–29".
        return re.sub(r"(\d)\u2009?[–—]\u2009?(\d)", r"\1–\2", text).replace("\u2009", " ")

    def day_boundaries(self, zone: ZoneInfo) -> tuple[list[date], list[datetime]]:
        """The local days the period touches and the moments (UTC) that cut it into them:
        its start, each local midnight inside it, its end."""
        first, last = self.first_and_last_day(zone)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        cuts = [datetime.combine(day, time(), tzinfo=zone).astimezone(UTC) for day in days[1:]]
        return days, [self.start, *cuts, self.end]


def slot(year: int, week: int, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The moment of week ``year-Wweek`` at ``weekday`` (0 = Monday) ``at``, local, in UTC."""
    day = date.fromisocalendar(year, week, weekday + 1)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def period_for_week(channel: ChannelConfig, year: int, week: int) -> Period:
    weekday = WEEKDAYS.index(channel.summary_day)
    end = slot(year, week, weekday, channel.summary_time, channel.zone)
    monday = date.fromisocalendar(year, week, 1) - timedelta(days=7)
    previous = monday.isocalendar()
    start = slot(previous.year, previous.week, weekday, channel.summary_time, channel.zone)
    return Period(year, week, start, end)


def latest_period(channel: ChannelConfig, now: datetime) -> Period:
    """The most recent period whose slot has come (its end is at or before ``now``)."""
    local = now.astimezone(channel.zone).date()
    for back in (0, 7, 14):
        iso = (local - timedelta(days=back)).isocalendar()
        period = period_for_week(channel, iso.year, iso.week)
        if period.end <= now:
            return period
    raise AssertionError("unreachable: a slot exists every week")


def next_slot(channel: ChannelConfig, now: datetime) -> datetime:
    return period_in_progress(channel, now).end


def parse_week(text: str | None, channel: ChannelConfig, now: datetime) -> Period:
    """``2026-W47`` or ``2026W47``; none means the latest period that has ended."""
    if not text:
        return latest_period(channel, now)
    match = _WEEK.match(text.strip())
    if not match:
        raise WeekError(N_("I cannot read the week «{week}»; for example: 2026-W47"), week=text)
    year, week = int(match[1]), int(match[2])
    try:
        return period_for_week(channel, year, week)
    except ValueError:
        raise WeekError(N_("{week} is not a week of {year}"), week=text, year=year) from None


def period_in_progress(channel: ChannelConfig, now: datetime) -> Period:
    """The period that ends at the next slot: the week being summarised so far."""
    local = now.astimezone(channel.zone).date()
    for ahead in (0, 7, 14):
        iso = (local + timedelta(days=ahead)).isocalendar()
        period = period_for_week(channel, iso.year, iso.week)
        if period.end > now:
            return period
    raise AssertionError("unreachable: a slot exists every week")
