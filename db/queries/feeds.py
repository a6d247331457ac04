"""Links to import and feeds to check: what is due, claimed so that one process does it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel, Feed, FeedItem, LinkImport
from db.queries.upsert import insert_unless_present


def add_link_import(
    session: AsyncSession,
    channel_id: int,
    url: str,
    lessons: str | None,
    requested_by: int,
    at: datetime,
) -> None:
    session.add(
        LinkImport(
            channel_id=channel_id, url=url, lessons=lessons, requested_by=requested_by,
            requested_at=at,
        )
    )  # fmt: skip


async def claim_link_import(
    session: AsyncSession, now: datetime, until: datetime
) -> tuple[LinkImport, str] | None:
    """The oldest link not yet imported nor taken by a live process, taken until
    ``until``; with its channel's key."""
    row = (
        await session.execute(
            select(LinkImport, Channel.key)
            .join(Channel, Channel.id == LinkImport.channel_id)
            .where(
                LinkImport.done_at.is_(None),
                or_(LinkImport.claimed_until.is_(None), LinkImport.claimed_until < now),
            )
            .order_by(LinkImport.id)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    link, key = row
    taken = await session.execute(
        update(LinkImport)
        .where(
            LinkImport.id == link.id,
            LinkImport.done_at.is_(None),
            or_(LinkImport.claimed_until.is_(None), LinkImport.claimed_until < now),
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return (link, key) if taken.rowcount == 1 else None  # type: ignore[attr-defined]


async def finish_link_import(session: AsyncSession, request_id: int, at: datetime) -> None:
    await session.execute(update(LinkImport).where(LinkImport.id == request_id).values(done_at=at))


async def channel_feeds(session: AsyncSession, channel_id: int) -> list[Feed]:
    return list(
        await session.scalars(select(Feed).where(Feed.channel_id == channel_id).order_by(Feed.id))
    )


async def add_feeds(
    session: AsyncSession,
    channel_id: int,
    urls: Sequence[str],
    *,
    from_config: bool,
    added_by: int | None,
    at: datetime,
) -> None:
    """Follow these feeds from now (a feed followed already stays as it is)."""
    if urls:
        values = [
            {"channel_id": channel_id, "url": url, "from_config": from_config,
             "added_by": added_by, "added_at": at, "next_check_at": at}
            for url in sorted(set(urls))
        ]  # fmt: skip
        await insert_unless_present(session, Feed, values, ["channel_id", "url"])


async def remove_feed(session: AsyncSession, feed_id: int) -> None:
    await session.execute(delete(Feed).where(Feed.id == feed_id))


async def claim_due_feed(
    session: AsyncSession, channel_ids: Sequence[int], now: datetime, next_check: datetime
) -> Feed | None:
    """A feed of these channels due for a check, its next check moved to ``next_check``
    (so no other process takes it meanwhile)."""
    feed = await session.scalar(
        select(Feed)
        .where(Feed.next_check_at <= now, Feed.channel_id.in_(channel_ids))
        .order_by(Feed.next_check_at, Feed.id)
        .limit(1)
    )
    if feed is None:
        return None
    taken = await session.execute(
        update(Feed)
        .where(Feed.id == feed.id, Feed.next_check_at == feed.next_check_at)
        .values(next_check_at=next_check)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await session.refresh(feed)
    return feed


async def next_feed_check(session: AsyncSession, channel_ids: Sequence[int]) -> datetime | None:
    return await session.scalar(
        select(Feed.next_check_at)
        .where(Feed.channel_id.in_(channel_ids))
        .order_by(Feed.next_check_at)
        .limit(1)
    )


async def known_item_keys(session: AsyncSession, channel_id: int, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    rows = await session.scalars(
        select(FeedItem.key).where(FeedItem.channel_id == channel_id, FeedItem.key.in_(keys))
    )
    return set(rows.all())


async def add_items(session: AsyncSession, values: list[dict[str, object]]) -> None:
    if values:
        ordered = sorted(values, key=lambda value: str(value["key"]))
        await insert_unless_present(session, FeedItem, ordered, ["channel_id", "key"])


async def has_items(session: AsyncSession, feed_id: int) -> bool:
    return (
        await session.scalar(select(FeedItem.id).where(FeedItem.feed_id == feed_id).limit(1))
        is not None
    )


async def pending_items(session: AsyncSession, channel_id: int) -> list[FeedItem]:
    """Items waiting for their page to be imported and offered, oldest first."""
    return list(
        await session.scalars(
            select(FeedItem)
            .where(FeedItem.channel_id == channel_id, FeedItem.state == "pending")
            .order_by(FeedItem.id)
        )
    )


async def item_for_article(session: AsyncSession, article_id: int) -> FeedItem | None:
    return await session.scalar(select(FeedItem).where(FeedItem.article_id == article_id))


async def offered_article_ids(session: AsyncSession, channel_id: int) -> set[int]:
    """The drafts a feed brought that the admins have not decided on yet."""
    rows = await session.scalars(
        select(FeedItem.article_id).where(
            FeedItem.channel_id == channel_id,
            FeedItem.state == "offered",
            FeedItem.article_id.is_not(None),
        )
    )
    return {article_id for article_id in rows.all() if article_id is not None}
