"""One injectable source of time: tests move a manual clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

# A Date header is whole seconds: differences within this are its rounding, not a move.
DATE_HEADER_SLACK = timedelta(seconds=2)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class ServerClock:
    """System time, moved forward whenever the Bot API server's own clock (the Date header
    of its answers) is ahead: with the emulator, whose ``advance_clock`` lets a week pass
    in a minute, the bot sees polls close and the weekly summary come as a person trying
    it by hand expects. Only forward, as time never runs back in Telegram either; only
    when the config says so (``follow_api_clock``), never against Telegram itself."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def on_jump(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` each time the clock moves on: what waits for a moment should
        look again."""
        self._listeners.append(listener)

    def observe(self, date_header: str | None) -> None:
        if not date_header:
            return
        try:
            server = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            return
        ahead = server - self.now()
        if ahead < DATE_HEADER_SLACK:
            return
        self._offset += ahead
        for listener in self._listeners:
            listener()
