"""Links and feeds end to end: an admin's link, a channel's feed, the admins' questions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.articles.feeds import parse_feed
from db.models import FeedItem
from tests.harness import Harness, running_harness
from tests.sites import PAGES, Site, running_site

LONG_ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
</head><body><nav><a href="/">Home</a></nav><article><h1>{title}</h1>
<p>{lead}</p>
<h2>Details</h2>
<p>{body}</p>
<h2>Key lessons for readers</h2>
<ul><li>{lesson}</li><li>Read the whole story before you vote.</li></ul>
</article></body></html>"""
FILLER = ("The council met on Tuesday and went through every line of the budget, and the "
          "members agreed that the numbers would be published in full next week. ") * 4  # fmt: skip


def story(title: str, lesson: str = "Budgets need daylight.") -> str:
    return LONG_ARTICLE.format(title=title, lead=f"{title}: what happened.", body=FILLER,
                               lesson=lesson)  # fmt: skip


def rss(items: list[tuple[str, str, str]]) -> str:
    """(guid, link, title) newest first."""
    entries = "".join(
        f"<item><guid>{guid}</guid><link>{link}</link><title>{title}</title></item>"
        for guid, link, title in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Example Daily</title>'
        f"<link>https://example.org/</link>{entries}</channel></rss>"
    )


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with running_site() as site:
        yield site


def _labels(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup")
    assert isinstance(markup, dict)
    return [button["text"] for row in markup["inline_keyboard"] for button in row]


def _private(h: Harness) -> list[str]:
    return [m.get("text", "") for m in h.world.messages(h.admin_id)]


async def test_a_link_sent_alone_is_imported_and_answered_with_buttons(
    tmp_path: Path, site: Site
) -> None:
    site.fixture("/economy/rates", "article.html")
    site.fixture("/", "front.html")
    async with running_harness(tmp_path, articles={"fetch_private_addresses": True}) as h:
        answers = await h.command(site.url("/economy/rates"))
        assert answers == [f"Fetching {site.url('/economy/rates')} for news…"]
        await h.newsbot.fetch_due()
        imported = h.world.messages(h.admin_id)[-1]
        assert imported["text"].startswith(
            "Imported article 1: «Central bank holds rates as prices cool» — 4 posts, 3 lessons."
        )
        assert _labels(imported) == ["Preview", "Publish now", "Schedule…"]
        # Again: the article already there, and whether the page changed.
        await h.command(f"/import {site.url('/economy/rates')}")
        await h.newsbot.fetch_due()
        again = h.world.messages(h.admin_id)[-1]["text"]
        assert again.startswith("Already imported as article 1")
        assert again.endswith("The page has not changed since it was imported.")
        site.page("/economy/rates", (PAGES / "article.html").read_text().replace(
            "4.5 percent", "4.75 percent"))  # fmt: skip
        await h.command(site.url("/economy/rates"))
        await h.newsbot.fetch_due()
        assert h.world.messages(h.admin_id)[-1]["text"].endswith(
            "The page has changed since it was imported."
        )
        # Not an article: one line that says which, and nothing stored.
        await h.command(site.url("/"))
        await h.newsbot.fetch_due()
        assert h.world.messages(h.admin_id)[-1]["text"] == (
            f"Could not import {site.url('/')}: the page is a front page or a list of "
            "links, not an article"
        )
        assert "1." in (await h.command("/articles"))[0]
        assert "2." not in (await h.command("/articles"))[0]
        # Published: the first post links to the page it came from.
        h.world.click(h.admin_id, h.admin_id, imported["message_id"], "Publish now")
        await h.pump()
        await h.run_until_idle()
        first, *rest = h.channel_posts()
        links = [e.get("url") for e in first.get("entities", []) if e["type"] == "text_link"]
        assert links == [site.url("/economy/rates")]
        # The page's lead image (its og:image) above the first post, and no other preview.
        assert first["link_preview_options"] == {
            "url": "https://example.org/images/central-bank.jpg",
            "prefer_large_media": True,
            "show_above_text": True,
        }
        assert all("link_preview_options" not in post for post in rest)


async def test_a_readers_link_is_refused_and_a_bad_link_is_answered_at_once(
    tmp_path: Path, site: Site
) -> None:
    site.fixture("/a", "article.html")
    async with running_harness(tmp_path) as h:  # private addresses not allowed
        reader = h.world.add_user("Rita")["id"]
        assert await h.command(site.url("/a"), user_id=reader) == [
            "Sorry, only the channel's admins can do that."
        ]
        assert await h.command("/import ftp://example.org/a") == [
            "only http:// and https:// links can be fetched"
        ]
        # An address written out is refused at once; a name once it is resolved.
        assert await h.command(site.url("/a")) == [
            "127.0.0.1 is a private or local address, which newsbot does not fetch "
            "(articles.fetch_private_addresses)"
        ]
        by_name = site.url("/a").replace("127.0.0.1", "localhost")
        await h.command(by_name)
        await h.newsbot.fetch_due()
        assert h.world.messages(h.admin_id)[-1]["text"] == (
            f"Could not import {by_name}: localhost is a private or local address, "
            "which newsbot does not fetch (articles.fetch_private_addresses)"
        )
        assert site.requests == []
        assert "No articles" in (await h.command("/articles"))[0]


async def test_a_feed_item_is_offered_once_and_published_from_the_button(
    tmp_path: Path, site: Site
) -> None:
    items = [("g2", site.url("/s/2"), "Second story"), ("g1", site.url("/s/1"), "First story")]
    site.page("/rss", rss(items), "application/rss+xml")
    site.page("/s/1", story("First story"))
    site.page("/s/2", story("Second story", "Ports need spare parts."))
    settings = {"fetch_private_addresses": True, "feed_interval": "15m"}
    async with running_harness(
        tmp_path, articles=settings, channel_extra={"feeds": [site.url("/rss")]}
    ) as h:
        await h.command("/start")  # the bot may write to them from now on
        await h.newsbot.fetch_due()
        # The first check offers the newest item only; the older one is recorded as seen.
        offer = h.world.messages(h.admin_id)[-1]
        assert offer["text"].startswith("New on Example Daily, for news: «Second story» — ")
        assert _labels(offer) == ["Preview", "Publish now", "Schedule…", "Skip"]
        assert sum("New on" in text for text in _private(h)) == 1
        # Nothing new, the feed's server says 304 to the conditional request.
        etags = []

        async def conditional(request: web.Request) -> web.StreamResponse:
            etags.append(request.headers.get("If-None-Match"))
            if request.headers.get("If-None-Match") == '"v2"':
                return web.Response(status=304)
            body = rss([("g3", site.url("/s/3"), "Third story"), *items])
            return web.Response(text=body, content_type="application/rss+xml",
                                headers={"ETag": '"v2"'})  # fmt: skip

        site.routes["/rss"] = conditional
        site.page("/s/3", story("Third story"))
        h.clock.advance(timedelta(minutes=15))
        await h.newsbot.fetch_due()
        h.clock.advance(timedelta(minutes=15))
        await h.newsbot.fetch_due()
        assert etags == [None, '"v2"']
        assert [t.split(" — ")[0] for t in _private(h) if t.startswith("New on")] == [
            "New on Example Daily, for news: «Second story»",
            "New on Example Daily, for news: «Third story»",
        ]  # fmt: skip
        # The button publishes it: posts and a lesson poll in the channel.
        third = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, third["message_id"], "Publish now")
        await h.pump()
        await h.run_until_idle()
        posts = h.channel_posts()
        assert posts[0]["text"].startswith("Third story")
        assert any("poll" in post for post in posts)
        # Skipping what was published meanwhile changes nothing.
        h.world.click(h.admin_id, h.admin_id, third["message_id"], "Skip")
        await h.pump()
        assert _private(h)[-1] == "That item was decided on already; see /articles."
        assert len(h.channel_posts()) == len(posts)
        # [Skip] on the other: it goes away and is never offered again.
        h.world.click(h.admin_id, h.admin_id, offer["message_id"], "Skip")
        await h.pump()
        assert _private(h)[-1] == "Skipped «Second story»."


async def test_edited_and_repeated_items_and_a_restart_offer_nothing_twice(
    tmp_path: Path, site: Site
) -> None:
    site.page("/s/1", story("First story"))
    site.page("/rss", rss([("g1", site.url("/s/1"), "First story")]), "application/rss+xml")
    settings = {"fetch_private_addresses": True}
    async with running_harness(
        tmp_path, articles=settings, channel_extra={"feeds": [site.url("/rss")]}
    ) as h:
        await h.command("/start")
        await h.newsbot.fetch_due()
        # Edited (same guid, new title and link) and listed in a second feed too.
        edited = rss([("g1", site.url("/s/1?v=2"), "First story, updated")])
        site.page("/rss", edited, "application/rss+xml")
        await h.command(f"/feeds add {site.url('/rss2')}")
        site.page("/rss2", edited, "application/rss+xml")
        await h.newsbot.stop()
        await h.newsbot.start()
        h.clock.advance(timedelta(minutes=16))
        await h.newsbot.fetch_due()
        assert sum(text.startswith("New on") for text in _private(h)) == 1
        async with h.sessions() as session:
            states = (await session.scalars(select(FeedItem.state))).all()
        assert states == ["offered"]
        listing = (await h.command("/feeds"))[0]
        assert f"{site.url('/rss')} — checked 2026-11-23 10:16" in listing
        assert "last item «First story»" in listing
        assert "(from the configuration)" in listing


async def test_a_failing_feed_is_reported_once_and_when_it_works_again(
    tmp_path: Path, site: Site
) -> None:
    settings = {"fetch_private_addresses": True}
    async with running_harness(
        tmp_path, articles=settings, channel_extra={"feeds": [site.url("/rss")]}
    ) as h:
        await h.command("/start")
        for _ in range(3):
            await h.newsbot.fetch_due()
            h.clock.advance(timedelta(minutes=15))
        failures = [t for t in _private(h) if "could not be read" in t]
        assert failures == [
            f"The feed {site.url('/rss')} of news could not be read: the page answered "
            "HTTP 404 (Not Found). newsbot tries again every 15 minutes and says when it "
            "works again."
        ]
        # Its first good read is still a first check: the newest item only, not the backlog.
        backlog = [(f"g{n}", site.url(f"/s/{n}"), f"Story {n}") for n in (3, 2, 1)]
        for _guid, link, title in backlog:
            site.page(link.removeprefix(site.base), story(title))
        site.page("/rss", rss(backlog), "application/rss+xml")
        await h.newsbot.fetch_due()
        assert f"The feed {site.url('/rss')} of news works again." in _private(h)
        offers = [t.split(" — ")[0] for t in _private(h) if t.startswith("New on")]
        assert offers == ["New on Example Daily, for news: «Story 3»"]
        site.page("/robots.txt", "User-agent: newsbot\nDisallow: /\n", "text/plain")
        h.clock.advance(timedelta(minutes=15))
        await h.newsbot.fetch_due()
        assert "robots.txt does not allow newsbot" in _private(h)[-1]


async def test_feeds_are_added_and_removed_by_their_channels_admins_only(
    tmp_path: Path, site: Site
) -> None:
    async with running_harness(
        tmp_path, extra_channels=1, articles={"fetch_private_addresses": True}
    ) as h:
        other_admin = h.world.add_user("Olga")["id"]
        del other_admin
        answer = (await h.command(f"/feeds add {site.url('/x')}"))[0]
        assert answer == "Name the channel too: /feeds add LINK CHANNEL."
        added = (await h.command(f"/feeds add {site.url('/x')} news"))[0]
        assert added == f"news now follows {site.url('/x')}; its newest item comes first."
        listing = (await h.command("/feeds news"))[0]
        number = listing.split("\n")[1].split(".")[0]
        reader = h.world.add_user("Rita")["id"]
        assert await h.command(f"/feeds remove {number}", user_id=reader) == [
            "Sorry, only the channel's admins can do that."
        ]
        assert (await h.command(f"/feeds remove {number}"))[0] == (
            f"news no longer follows {site.url('/x')}."
        )
        assert "follows no feeds" in (await h.command("/feeds news"))[0]


def test_atom_feeds_and_items_without_a_link_are_read() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title>
<entry><id>urn:1</id><title>One</title><link href="https://example.org/1"/></entry>
<entry><id>urn:2</id><title>No link</title></entry></feed>"""
    feed = parse_feed(atom)
    assert feed.title == "Example"
    assert [(e.link, e.title) for e in feed.entries] == [("https://example.org/1", "One")]
