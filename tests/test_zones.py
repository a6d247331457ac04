"""Times on every screen carry a zone name nobody misreads."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.zones import local_time, offset_name


def test_a_time_names_its_zone_and_offset_not_an_ambiguous_abbreviation() -> None:
    winter = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    jerusalem = local_time(winter, ZoneInfo("Asia/Jerusalem"))
    assert jerusalem == "2026-12-08 09:00 (Asia/Jerusalem, UTC+2)"
    assert "IST" not in jerusalem  # Israel, India or Ireland?
    assert (
        local_time(winter, ZoneInfo("Asia/Kolkata")) == "2026-12-08 12:30 (Asia/Kolkata, UTC+5:30)"
    )
    assert local_time(winter, ZoneInfo("America/St_Johns")).endswith("(America/St_Johns, UTC-3:30)")
    assert local_time(winter, ZoneInfo("UTC")) == "2026-12-08 07:00 (UTC)"
    assert local_time(None, ZoneInfo("UTC")) == "—"
    summer = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert offset_name(summer, ZoneInfo("Asia/Jerusalem")) == "UTC+3"
