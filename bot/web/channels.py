"""The Mini App's channels page: the caller's channels, each with its articles and where
they stand, the feeds it follows and the feed items waiting for a decision.

Everything a person reads is worded here, through the catalog, so the template holds
only layout (and the catalog test sees every text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Scope
from bot.channels import ensure_channel
from bot.config import WEB_ADDRESS, Config
from bot.i18n import Translator, counted
from bot.publishing.report import row_state
from bot.zones import local_time
from db.queries import articles as article_queries
from db.queries import feeds as feed_queries


@dataclass(frozen=True)
class ArticleLine:
    id: int
    title: str
    state: str
    source_url: str | None


@dataclass(frozen=True)
class FeedLine:
    url: str
    title: str
    checked: str
    failure: str | None


@dataclass
class ChannelView:
    key: str
    zone: str
    articles: list[ArticleLine] = field(default_factory=list)
    feeds: list[FeedLine] = field(default_factory=list)
    waiting: list[ArticleLine] = field(default_factory=list)


@dataclass(frozen=True)
class ChannelsPage:
    heading: str
    labels: dict[str, str]
    channels: list[ChannelView]
    moderates: bool  # link to the hidden comments


async def channels_page(
    session: AsyncSession, scope: Scope, config: Config, _: Translator, now: datetime
) -> ChannelsPage:
    """What the caller may see: the channels they steer or moderate, in the config's order."""
    keys = scope.admin_of | scope.moderator_of
    views: dict[int, ChannelView] = {}
    zones: dict[int, ZoneInfo] = {}
    for channel in config.channels:
        if channel.key in keys:
            stored = await ensure_channel(session, channel, now)
            views[stored.id] = ChannelView(channel.key, channel.timezone)
            zones[stored.id] = channel.zone
    rows = await article_queries.list_articles(session, channel_ids=list(views), limit=50)
    for row in rows:
        channel_id = row.article.channel_id
        if channel_id in views:
            views[channel_id].articles.append(
                ArticleLine(row.article.id, row.article.title,
                            row_state(_, row, zones[channel_id]), _web_link(row.article.source_url))
            )  # fmt: skip
    for channel_id, view in views.items():
        for feed in await feed_queries.channel_feeds(session, channel_id):
            view.feeds.append(
                FeedLine(feed.url, feed.title or feed.url,
                         local_time(feed.checked_at, zones[channel_id]), feed.failure)
            )  # fmt: skip
        offered = await feed_queries.offered_article_ids(session, channel_id)
        view.waiting = [line for line in view.articles if line.id in offered]
    labels = {
        "articles": _("Articles"),
        "no_articles": _("No articles yet."),
        "feeds": _("Feeds"),
        "no_feeds": _("No feeds."),
        "waiting": _("Waiting for a decision"),
        "checked": _("checked"),
        "failing": _("failing"),
        "source": _("Source"),
        "hidden": _("Hidden comments"),
    }
    shown = list(views.values())
    heading = counted("Your channel", "Your channels", len(shown), _)
    return ChannelsPage(heading, labels, shown, scope.is_moderator)


def _web_link(url: str | None) -> str | None:
    """A source worth linking: http or https only (front matter may say anything)."""
    return url if url and WEB_ADDRESS.match(url) else None
