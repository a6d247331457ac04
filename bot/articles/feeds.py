"""Feeds a channel follows: each new item's page imported as a draft and offered to the
channel's admins once ([Preview] [Publish now] [Schedule…] [Skip]), or published by
itself where the channel says ``auto_publish``.

An item is known by its guid (else its link) per channel, stored before its page is
fetched: an edited item, the same item in two feeds, a restart between two checks or
a feed removed and added again offer nothing twice. The first check of a feed offers
only its newest item (so an admin who adds a feed sees it work) and records the rest as
seen: twenty old stories at once are not news. A feed is checked with conditional
requests (ETag, Last-Modified) and only where its site's ``robots.txt`` allows newsbot;
a feed that fails is reported once, and again when it works again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.robotparser import RobotFileParser

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from bot.access import Access
from bot.articles.errors import ArticleError
from bot.articles.fetching import FetchPolicy, fetch
from bot.articles.links import article_choices
from bot.articles.web import fetch_page, import_page, read_page
from bot.buttons import keyboard
from bot.channels import ensure_channel
from bot.clock import Clock
from bot.config import ChannelConfig, Config
from bot.i18n import N_, Translator, counted, translator
from bot.notices import tell
from bot.outbox import queue_html
from bot.publishing import report
from bot.publishing.service import PublishingError, schedule_article
from db.models import Article, Feed, FeedItem, SegmentState, User
from db.queries import feeds as queries

log = logging.getLogger(__name__)
ROBOT_NAME = "newsbot"
# The admins decide on a feed's item within days, not within a button's usual hour.
OFFER_LIFETIME = timedelta(days=7)
# More new items than this in one check (a feed rebuilt, a site's archive): the newest
# are offered, the rest recorded as seen.
MAX_NEW_ITEMS = 10
FEED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"
_ROBOTS_BYTES = 512 * 1024
Render = Callable[[Translator], str]


@dataclass(frozen=True)
class FeedEntry:
    key: str  # sha256 of the guid, else of the link
    link: str
    title: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str  # the feed's own name ("Example Daily"), as admins know the site
    entries: list[FeedEntry]  # with a link, in the feed's order (newest first in practice)


def parse_feed(body: bytes) -> ParsedFeed:
    import feedparser  # only where feeds are followed

    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        raise ArticleError(N_("that address is not an RSS or Atom feed"))
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link.startswith(("http://", "https://")):
            continue
        guid = entry.get("id") or link
        title = " ".join((entry.get("title") or link).split())
        entries.append(FeedEntry(hashlib.sha256(guid.encode()).hexdigest(), link, title))
    return ParsedFeed(" ".join(parsed.feed.get("title", "").split()), entries)


async def robots_allow(url: str, policy: FetchPolicy) -> bool:
    """Whether the site's robots.txt lets newsbot read ``url``. RFC 9309: none (4xx) allows
    everything; one that cannot be read (5xx, no answer) allows nothing for now."""
    robots = str(URL(url).with_path("/robots.txt").with_query(None).with_fragment(None))
    small = FetchPolicy(
        max_bytes=_ROBOTS_BYTES, timeout=policy.timeout, max_redirects=policy.max_redirects,
        private_addresses=policy.private_addresses, allowed_networks=policy.allowed_networks,
    )  # fmt: skip
    try:
        fetched = await fetch(robots, small, accept="text/plain")
    except ArticleError as exc:
        if 400 <= int(exc.values.get("status", 0)) < 500:
            return True
        raise ArticleError(N_("its site's robots.txt could not be read ({reason})"),
                           reason=str(exc)) from None  # fmt: skip
    rules = RobotFileParser()
    rules.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
    return rules.can_fetch(ROBOT_NAME, url)


class FeedJobs:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: Config,
        clock: Clock,
        access: Access,
    ) -> None:
        self.sessions, self.config, self.clock, self.access = sessions, config, clock, access
        self.policy = FetchPolicy.of(config.articles)
        # Each configured channel by its row's id (``follow_configured``, at start).
        self._channels: dict[int, ChannelConfig] = {}

    async def follow_configured(self) -> None:
        """Each channel follows the feeds its configuration names (at start); the channels'
        rows are known from here on."""
        async with self.sessions.begin() as session:
            for channel in self.config.channels:
                row = await ensure_channel(session, channel, self.clock.now())
                self._channels[row.id] = channel
                if channel.feeds:
                    await queries.add_feeds(
                        session, row.id, channel.feeds, from_config=True, added_by=None,
                        at=self.clock.now(),
                    )  # fmt: skip

    async def next_check(self) -> datetime | None:
        async with self.sessions() as session:
            return await queries.next_feed_check(session, list(self._channels))

    async def run_due(self) -> int:
        """Check every feed whose time has come, each by one process."""
        checked = 0
        while True:
            now = self.clock.now()
            async with self.sessions.begin() as session:
                feed = await queries.claim_due_feed(
                    session, list(self._channels), now, now + self.config.articles.feed_interval
                )
            if feed is None:
                return checked
            checked += 1
            await self.check(feed, self._channels[feed.channel_id])

    async def check(self, feed: Feed, channel: ChannelConfig) -> None:
        try:
            if not await robots_allow(feed.url, self.policy):
                raise ArticleError(N_("its site's robots.txt does not allow newsbot to read it"))
            fetched = await fetch(
                feed.url, self.policy, accept=FEED_TYPES, etag=feed.etag,
                last_modified=feed.last_modified,
            )  # fmt: skip
            parsed = None if fetched.status == 304 else parse_feed(fetched.body)
        except ArticleError as exc:
            await self._failed(feed, channel, exc)
            return
        async with self.sessions.begin() as session:
            stored = await session.get(Feed, feed.id)
            if stored is None:  # removed meanwhile
                return
            await self._recovered(session, stored, channel)
            if parsed is not None:
                stored.etag, stored.last_modified = fetched.etag, fetched.last_modified
                stored.title = parsed.title or None
                await self._record(session, stored, parsed.entries)
            stored.checked_at = self.clock.now()
        await self.offer_pending(feed.channel_id, channel)

    async def _record(self, session: AsyncSession, feed: Feed, entries: list[FeedEntry]) -> None:
        known = await queries.known_item_keys(session, feed.channel_id, [e.key for e in entries])
        # Its first good read (earlier checks may have failed): nothing recorded from it yet.
        first = not await queries.has_items(session, feed.id)
        new = [entry for entry in entries if entry.key not in known]
        new = list({entry.key: entry for entry in new}.values())  # a feed listing one twice
        offered = new[:1] if first else new[:MAX_NEW_ITEMS]
        now = self.clock.now()
        await queries.add_items(
            session,
            [
                {"channel_id": feed.channel_id, "feed_id": feed.id, "key": entry.key,
                 "link": entry.link, "title": entry.title, "seen_at": now,
                 "state": "pending" if entry in offered else "seen"}
                for entry in new
            ],
        )  # fmt: skip
        if new:
            feed.last_item_title, feed.last_item_at = new[0].title, now

    async def offer_pending(self, channel_id: int, channel: ChannelConfig) -> None:
        """Import each pending item's page and ask the admins (or publish it)."""
        async with self.sessions() as session:
            pending = await queries.pending_items(session, channel_id)
        for item in pending:
            try:
                page = await fetch_page(item.link, self.config.articles)
                built = await asyncio.to_thread(read_page, page, self.config, channel.language)
            except ArticleError as exc:
                async with self.sessions.begin() as session:
                    stored = await session.get(FeedItem, item.id)
                    if stored is not None and stored.state == "pending":
                        stored.state = "failed"
                        await self._tell(session, channel, _failed_item(channel, stored, exc))
                continue
            async with self.sessions.begin() as session:
                stored = await session.get(FeedItem, item.id)
                if stored is None or stored.state != "pending":
                    continue  # another process offered it meanwhile
                result = await import_page(
                    session, page, built, channel, actor_id=None, at=self.clock.now()
                )
                stored.article_id = result.article.id
                if channel.auto_publish and result.created:
                    stored.state = "published"
                    await self._publish(session, channel, stored, result.article)
                else:
                    stored.state = "offered"
                    await self._offer(session, channel, stored, result.article)

    async def _publish(
        self, session: AsyncSession, channel: ChannelConfig, item: FeedItem, article: Article
    ) -> None:
        now = self.clock.now()
        try:
            await schedule_article(session, article.id, channel, now, None, actor_id=None, now=now)
        except PublishingError as exc:
            item.state = "offered"
            log.warning("feed item %s not published by itself: %s", item.link, exc)
            await self._offer(session, channel, item, article)
            return

        def render(_: Translator) -> str:
            return _("Publishing from {channel}'s feed: «{title}» (article {id}).").format(
                channel=report.escape(channel.key), title=report.escape(article.title),
                id=article.id,
            )  # fmt: skip

        await self._tell(session, channel, render)

    async def _offer(
        self,
        session: AsyncSession,
        channel: ChannelConfig,
        item: FeedItem,
        article: Article,
    ) -> None:
        """Each admin gets the question with buttons of their own."""
        now = self.clock.now()
        lessons = sum(len(segment.lessons) for segment in article.segments)
        feed = await session.get(Feed, item.feed_id) if item.feed_id is not None else None
        source = (feed.title if feed else None) or URL(item.link).host or item.link
        for person in sorted(await self.access.notice_recipients(channel)):
            user = await session.get(User, person)
            _ = translator(user.language_code if user else None)
            text = _("New on {source}, for {channel}: «{title}» — {posts}, {lessons}.").format(
                source=report.escape(source),
                channel=report.escape(channel.key),
                title=report.escape(article.title),
                posts=counted("{count} post", "{count} posts", len(article.segments), _),
                lessons=counted("{count} lesson", "{count} lessons", lessons, _),
            )
            text += (
                "\n" + report.escape(item.link) + "\n" + _("Article {id}.").format(id=article.id)
            )
            rows = article_choices(_, article.id, "draft")
            rows[0].append((_("Skip"), "feed_skip", str(article.id)))
            markup, tokens = keyboard(
                session, rows, user_id=person, chat_id=person, at=now, lifetime=OFFER_LIFETIME
            )
            queue_html(session, person, text, at=now, markup=markup, buttons=tokens)

    async def _failed(self, feed: Feed, channel: ChannelConfig, error: ArticleError) -> None:
        """Tell the admins once; the next checks try again quietly."""
        async with self.sessions.begin() as session:
            stored = await session.get(Feed, feed.id)
            if stored is None:
                return
            stored.checked_at = self.clock.now()
            first = stored.failure is None
            stored.failure = str(error)
            if first:

                def render(_: Translator) -> str:
                    return _(
                        "The feed {url} of {channel} could not be read: {reason}. newsbot "
                        "tries again every {minutes} minutes and says when it works again."
                    ).format(
                        url=report.escape(stored.url), channel=report.escape(channel.key),
                        reason=report.escape(error.text(_)),
                        minutes=round(self.config.articles.feed_interval.total_seconds() / 60),
                    )  # fmt: skip

                await self._tell(session, channel, render)

    async def _recovered(self, session: AsyncSession, feed: Feed, channel: ChannelConfig) -> None:
        if feed.failure is None:
            return
        feed.failure = None

        def render(_: Translator) -> str:
            return _("The feed {url} of {channel} works again.").format(
                url=report.escape(feed.url), channel=report.escape(channel.key)
            )

        await self._tell(session, channel, render)

    async def _tell(self, session: AsyncSession, channel: ChannelConfig, render: Render) -> None:
        await tell(session, await self.access.notice_recipients(channel), render, self.clock.now())


def _failed_item(channel: ChannelConfig, item: FeedItem, error: ArticleError) -> Render:
    def render(_: Translator) -> str:
        text = _("New on {channel}: «{title}», but it could not be imported: {reason}\n{url}")
        return text.format(
            channel=report.escape(channel.key), title=report.escape(item.title),
            reason=report.escape(error.text(_)), url=report.escape(item.link),
        )  # fmt: skip

    return render


async def skip_item(session: AsyncSession, article: Article) -> bool:
    """[Skip]: the item is not offered again and its draft goes away; False when it was
    decided on already (skipped, or scheduled by another admin meanwhile)."""
    item = await queries.item_for_article(session, article.id)
    if item is None or item.state != "offered":
        return False
    if any(segment.state != SegmentState.DRAFT for segment in article.segments):
        return False  # another admin scheduled it: that decision stands
    item.state = "skipped"
    item.article_id = None
    await session.delete(article)
    return True


class FeedError(ArticleError):
    """A /feeds request that cannot be done, said in one line."""


async def feeds_of(session: AsyncSession, channel: ChannelConfig, at: datetime) -> list[Feed]:
    row = await ensure_channel(session, channel, at)
    return await queries.channel_feeds(session, row.id)


async def follow(
    session: AsyncSession, channel: ChannelConfig, url: str, *, added_by: int, at: datetime
) -> bool:
    """Follow ``url`` in ``channel`` from now (checked at once); whether it is new there."""
    row = await ensure_channel(session, channel, at)
    if any(feed.url == url for feed in await queries.channel_feeds(session, row.id)):
        return False
    await queries.add_feeds(session, row.id, [url], from_config=False, added_by=added_by, at=at)
    return True


async def unfollow(session: AsyncSession, feed: Feed) -> None:
    """Stop checking ``feed``; its items stay known, so adding it again offers none twice."""
    if feed.from_config:
        raise FeedError(
            N_("that feed is in the configuration file; remove it there (channels.feeds)")
        )
    await queries.remove_feed(session, feed.id)


def feeds_text(_: Translator, channel: ChannelConfig, feeds: list[Feed]) -> str:
    """A channel's feeds with their last check and last item, numbered for /feeds remove."""
    from bot.zones import local_time

    name = report.escape(channel.key)
    if not feeds:
        return _("{channel} follows no feeds. Add one with /feeds add LINK {channel}.").format(
            channel=name
        )
    lines = [_("Feeds of {channel}:").format(channel=name)]
    for feed in feeds:
        line = _("{id}. {url} — checked {checked}").format(
            id=feed.id,
            url=report.escape(feed.url),
            checked=local_time(feed.checked_at, channel.zone),
        )
        if feed.last_item_title:
            line += "; " + _("last item «{title}» ({at})").format(
                title=report.escape(feed.last_item_title),
                at=local_time(feed.last_item_at, channel.zone),
            )
        if feed.failure:
            line += "; " + _("failing: {reason}").format(reason=report.escape(feed.failure))
        if feed.from_config:
            line += " " + _("(from the configuration)")
        lines.append(line)
    lines.append(_("Add one with /feeds add LINK, remove one with /feeds remove NUMBER."))
    return "\n".join(lines)
