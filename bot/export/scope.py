"""What an export covers (a channel, an article, a period, hidden comments or not), as the
comment log's writers (``log``, ``telegram_desktop``) read it; and the one error an export
request can meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import NewsbotError
from db.queries import export as queries


class ExportError(NewsbotError):
    pass


@dataclass(frozen=True)
class ExportScope:
    channel_id: int | None = None
    article_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    include_hidden: bool = False
    zone: str = "UTC"  # the time zone whose days ``since`` and ``until`` begin


def log_filter(scope: ExportScope, group_id: int | None = None) -> queries.LogFilter:
    return queries.LogFilter(
        channel_id=scope.channel_id,
        article_id=scope.article_id,
        since=scope.since,
        until=scope.until,
        include_hidden=scope.include_hidden,
        group_id=group_id,
    )
