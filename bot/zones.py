"""Times as people read them: in the channel's zone, with a zone name nobody misreads.

Abbreviations are ambiguous ("IST" is Israel, India and Ireland), so a time carries its
zone's name and its offset at that moment: "2026-12-08 09:00 (Asia/Jerusalem, UTC+2)".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

UTC_NAMES = ("UTC", "Etc/UTC", "Etc/GMT", "GMT")


def offset_name(moment: datetime, zone: ZoneInfo) -> str:
    """``UTC+2``, ``UTC-3:30``, ``UTC``: the zone's offset at ``moment``."""
    minutes = int((moment.astimezone(zone).utcoffset() or timedelta(0)).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(moment: datetime, zone: ZoneInfo) -> str:
    """``Asia/Jerusalem, UTC+2``; UTC itself is just ``UTC``."""
    offset = offset_name(moment, zone)
    return offset if zone.key in UTC_NAMES else f"{zone.key}, {offset}"


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """``2026-12-08 09:00 (Asia/Jerusalem, UTC+2)``; a dash for no time."""
    if moment is None:
        return "—"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone_name(moment, zone)})"
