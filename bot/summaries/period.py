"""Which week a summary covers, in the channel's own time zone.

Each channel has a weekly slot (``summary_day`` at ``summary_time``, local). A summary
covers the seven whole local days before its slot's day: seven dates ("23–29 November"),
each a full day in the charts, so consecutive summaries leave no gap and never overlap,
across daylight-saving changes too. The default slot, Monday 09:00, makes that the
calendar week just ended; a Sunday slot covers Sunday to Saturday. A period is named
after the ISO week of its last day (``2026-W48``).
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
    start: datetime  # local midnight starting the first day, UTC
    end: datetime  # local midnight after the last day, UTC
    due: datetime  # the slot the summary is posted at (at or after ``end``), UTC

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

    def day_boundaries(
        self, zone: ZoneInfo, until: datetime | None = None
    ) -> tuple[list[date], list[datetime]]:
        """The period's days (up to the one holding ``until``: a week in progress does not
        show days to come) and the moments (UTC) that cut it into them."""
        first, last = self.first_and_last_day(zone)
        if until is not None and until < self.end:
            last = max(first, until.astimezone(zone).date())
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        cuts = [_midnight(day, zone) for day in days[1:]]
        return days, [self.start, *cuts, min(self.end, _midnight(last + timedelta(days=1), zone))]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def period_for_week(channel: ChannelConfig, year: int, week: int) -> Period:
    """The period whose last day falls in ISO week ``year-Wweek``."""
    weekday = WEEKDAYS.index(channel.summary_day)
    # The slot's day is the day after the last: Tuesday to Sunday of the week itself, or
    # the next week's Monday.
    slot_day = date.fromisocalendar(year, week, weekday + 1)
    if weekday == 0:
        slot_day += timedelta(days=7)
    zone = channel.zone
    start, end = _midnight(slot_day - timedelta(days=7), zone), _midnight(slot_day, zone)
    due = datetime.combine(slot_day, channel.summary_time, tzinfo=zone).astimezone(UTC)
    return Period(year, week, start, end, due)


def _periods_around(channel: ChannelConfig, now: datetime) -> list[Period]:
    """Four consecutive periods, oldest first, the second or third of which holds ``now``."""
    local = now.astimezone(channel.zone).date()
    weeks = [(local + timedelta(days=days)).isocalendar() for days in (-14, -7, 0, 7)]
    return [period_for_week(channel, iso.year, iso.week) for iso in weeks]


def latest_period(channel: ChannelConfig, now: datetime) -> Period:
    """The most recent period that has ended (its slot may still be ahead)."""
    return [period for period in _periods_around(channel, now) if period.end <= now][-1]


def next_slot(channel: ChannelConfig, now: datetime) -> datetime:
    """The first slot after ``now``: the ended week's, or the running week's."""
    return min(period.due for period in _periods_around(channel, now) if period.due > now)


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
    """The period that holds ``now``: the week being summarised so far."""
    return next(
        period for period in _periods_around(channel, now) if period.start <= now < period.end
    )
