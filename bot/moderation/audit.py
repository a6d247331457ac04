"""What admins and moderators did, as /audit shows it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from db.models import AuditEntry
from db.queries.audit import recent
from db.queries.channels import channel_ids

# A reader's own privacy choices are nobody's business: /audit leaves them out.
PRIVATE_ACTIONS = ("quote", "forget")


async def recent_actions(
    session: AsyncSession, scope: Scope, limit: int = 20
) -> Sequence[AuditEntry]:
    """The latest moderation and admin actions in the caller's channels, newest first; an
    operator also sees what concerns no channel (the installation)."""
    channels = None if scope.operator else await channel_ids(session, scope.moderator_of)
    return await recent(session, channel_ids=channels, leave_out=PRIVATE_ACTIONS, limit=limit)
