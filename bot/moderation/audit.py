"""What admins and moderators did, as /audit shows it."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from db.models import AuditEntry
from db.queries.audit import recent
from db.queries.channels import channel_ids, time_zones

# A reader's own privacy choices are nobody's business: /audit leaves them out.
PRIVATE_ACTIONS = ("quote", "forget")


async def recent_actions(
    session: AsyncSession, scope: Scope, limit: int = 20
) -> Sequence[AuditEntry]:
    """The latest moderation and admin actions in the caller's channels, newest first; an
    operator also sees what concerns no channel (the installation)."""
    channels = None if scope.operator else await channel_ids(session, scope.moderator_of)
    return await recent(session, channel_ids=channels, leave_out=PRIVATE_ACTIONS, limit=limit)


async def entry_zones(
    session: AsyncSession, entries: Sequence[AuditEntry]
) -> dict[int | None, ZoneInfo]:
    """The zone each entry's time is shown in: its channel's; UTC for the installation's."""
    ids = {entry.channel_id for entry in entries if entry.channel_id is not None}
    zones: dict[int | None, ZoneInfo] = {None: ZoneInfo("UTC")}
    for channel_id, name in (await time_zones(session, ids)).items():
        zones[channel_id] = ZoneInfo(name)
    return zones
