"""What admins type after /publish ID, in English and Russian: a table of inputs and answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from bot.publishing.timing import TimingError, night_times, parse_publish_arguments

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, a Monday
KEYS = ["news", "world"]


def _parse(text: str) -> tuple[str | None, datetime, timedelta | None]:
    request = parse_publish_arguments(
        text.split(), KEYS, NOW, {"news": BERLIN, "world": BERLIN}, "news"
    )
    return request.channel, request.start, request.every


def _berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", (None, NOW, None)),
        ("now", (None, NOW, None)),
        ("сейчас", (None, NOW, None)),
        ("18:00", (None, _berlin(23, 18), None)),
        ("09:30", (None, _berlin(24, 9, 30), None)),  # already past today: tomorrow
        ("tomorrow 09:00", (None, _berlin(24, 9), None)),
        ("завтра 09:00", (None, _berlin(24, 9), None)),
        ("+2h", (None, NOW + timedelta(hours=2), None)),
        ("in 30m", (None, NOW + timedelta(minutes=30), None)),
        ("через 30м", (None, NOW + timedelta(minutes=30), None)),
        ("через 2ч", (None, NOW + timedelta(hours=2), None)),
        ("2026-12-01 09:00", (None, datetime(2026, 12, 1, 8, 0, tzinfo=UTC), None)),
        ("2026-12-01T09:00", (None, datetime(2026, 12, 1, 8, 0, tzinfo=UTC), None)),
        ("2h", (None, NOW, timedelta(hours=2))),
        ("every 2h", (None, NOW, timedelta(hours=2))),
        ("каждые 2ч", (None, NOW, timedelta(hours=2))),
        ("раз в 30мин", (None, NOW, timedelta(minutes=30))),
        ("world tomorrow 09:00 every 90m", ("world", _berlin(24, 9), timedelta(minutes=90))),
        ("news 18:00 2h", ("news", _berlin(23, 18), timedelta(hours=2))),
        ("world через 30м каждые 1ч", ("world", NOW + timedelta(minutes=30), timedelta(hours=1))),
        ("tomorrow", (None, _berlin(24, 9), None)),  # a day alone: 09:00
        ("завтра", (None, _berlin(24, 9), None)),
        ("послезавтра 18:00", (None, _berlin(25, 18), None)),
        ("in 2 days", (None, NOW + timedelta(days=2), None)),
        ("через 2 дня", (None, NOW + timedelta(days=2), None)),
        ("monday 9:00", (None, _berlin(30, 9), None)),  # today's 9:00 has passed: next week
        ("monday 11:00", (None, _berlin(23, 11), None)),  # still ahead today
        ("в понедельник 9:00", (None, _berlin(30, 9), None)),
        ("во вторник", (None, _berlin(24, 9), None)),
        ("on friday 18:00 every 1h", (None, _berlin(27, 18), timedelta(hours=1))),
        ("в пятницу 18:00 каждые 2ч", (None, _berlin(27, 18), timedelta(hours=2))),
    ],
)
def test_what_admins_type_is_understood(
    typed: str, expected: tuple[str | None, datetime, timedelta | None]
) -> None:
    assert _parse(typed) == expected


@pytest.mark.parametrize(
    ("typed", "english", "russian"),
    [
        (
            "sports now",
            "There is no channel «sports»; the channels are: news, world",
            "Нет канала «sports»; каналы: news, world",
        ),
        (
            "every soon",
            "I cannot read the spacing «every soon»; for example: every 2h",
            "Не могу прочитать интервал «every soon»; например: каждые 2ч",
        ),
        (
            "25:00",
            "25:00 is not a time of day; for example: 18:00",
            "25:00 — не время суток; например: 18:00",
        ),
        (
            "2026-02-30 09:00",
            "2026-02-30 is not a date; for example: 2026-12-01 09:00",
            "2026-02-30 — не дата; например: 2026-12-01 09:00",
        ),
        (
            "2026-01-01 09:00",
            "2026-01-01 09:00 (Europe/Berlin) is in the past; for example: tomorrow 09:00",
            "2026-01-01 09:00 (Europe/Berlin) уже в прошлом; например: завтра 09:00",
        ),
        (
            "next week",
            "There is no channel «next»; the channels are: news, world",
            "Нет канала «next»; каналы: news, world",
        ),
        (
            "tomorow 09:00",
            "I cannot read the start «tomorow 09:00»; did you mean tomorrow?",
            "Не могу прочитать начало «tomorow 09:00»; может быть, tomorrow?",
        ),
        (
            "завтро",
            "I cannot read the start «завтро»; did you mean завтра?",
            "Не могу прочитать начало «завтро»; может быть, завтра?",
        ),
        (
            "+0h",
            "I cannot read the start «+0h»; for example: now, 18:00, tomorrow 09:00, +2h",
            "Не могу прочитать начало «+0h»; например: сейчас, 18:00, завтра 09:00, +2ч",
        ),
    ],
)
def test_each_error_names_the_wrong_part_and_an_example(
    typed: str, english: str, russian: str
) -> None:
    with pytest.raises(TimingError) as raised:
        _parse(typed)
    assert raised.value.text(translator("en")) == english
    assert raised.value.text(translator("ru")) == russian


def test_night_times_in_the_channel_zone() -> None:
    times = [_berlin(23, 22, 59), _berlin(23, 23, 0), _berlin(24, 6, 59), _berlin(24, 7, 0)]
    assert night_times(times, BERLIN) == times[1:3]
