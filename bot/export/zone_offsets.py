"""A time zone's offsets from UTC over a period, as the pieces the database needs to
write local times itself (SQLite knows no time zones; PostgreSQL's may be older or
newer than Python's, and the export must read the same on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from db.queries.export import ZonePiece

# No Telegram message is older than Telegram.
TELEGRAM_BEGAN = datetime(2013, 8, 1, tzinfo=UTC)
# Offsets change at most a few times a year, never twice within this step.
_STEP = int(timedelta(hours=6).total_seconds())


def zone_pieces(name: str, start: datetime, end: datetime) -> list[ZonePiece]:
    """The zone's offsets from ``start`` to ``end``: the first piece also covers what
    comes before, the last what comes after."""
    zone = ZoneInfo(name)

    def offset(second: int) -> int:
        shift = datetime.fromtimestamp(second, zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    def piece(since: datetime | None, second: int) -> ZonePiece:
        # The suffix exactly as Python's isoformat writes the offset (seconds included).
        return ZonePiece(
            since, offset(second), datetime.fromtimestamp(second, zone).isoformat()[19:]
        )

    first, last = int(start.timestamp()), int(end.timestamp())
    pieces = [piece(None, first)]
    second = first
    while second < last:
        step_end = min(second + _STEP, last)
        if offset(step_end) != pieces[-1].offset:
            before, after = second, step_end  # the change lies in (before, after]
            while after - before > 1:
                middle = (before + after) // 2
                if offset(middle) == pieces[-1].offset:
                    before = middle
                else:
                    after = middle
            pieces.append(piece(datetime.fromtimestamp(after, UTC), after))
        second = step_end
    return pieces
