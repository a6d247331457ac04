"""Articles from a link: fetched safely, read word for word, refused in one line."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.articles.errors import ArticleError
from bot.articles.fetching import USER_AGENT
from bot.articles.web import fetch_page, read_page
from bot.config import Config, config_from_mapping
from tests.conftest import TEST_TOKEN
from tests.sites import PAGES, Site, running_site


def _config(**articles: Any) -> Config:
    settings: dict[str, Any] = {"fetch_private_addresses": True, **articles}
    return config_from_mapping(
        {"token": TEST_TOKEN, "channels": [{"chat": "@example_daily"}], "articles": settings},
        env={},
    )


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with running_site() as site:
        yield site


async def _read(site: Site, path: str, **articles: Any) -> list[str]:
    config = _config(**articles)
    page = await fetch_page(site.url(path), config.articles)
    return [post.text for post in read_page(page, config, "en").posts]


async def _refusal(site: Site, path: str, **articles: Any) -> str:
    with pytest.raises(ArticleError) as raised:
        await _read(site, path, **articles)
    return str(raised.value)


def _article_words() -> list[str]:
    """The article's own words, from the page's <article> element, in order."""
    html = (PAGES / "article.html").read_text()
    body = html[html.index("<article>") : html.index("</article>")]
    body = re.sub(r'<p class="byline">.*?</p>', "", body)
    return re.sub(r"<[^>]+>", " ", body).split()


async def test_an_article_page_is_read_word_for_word_and_links_to_its_page(site: Site) -> None:
    site.fixture("/economy/rates", "article.html")
    posts = await _read(site, "/economy/rates")
    shown = "\n".join(posts).replace("Dana Levi · 2026-12-07", "")
    shown = re.sub(r"\(\d+/\d+\)|\bSource$", " ", shown, flags=re.MULTILINE)
    # Every word of the page's article in order, and nothing else (menus, "Most read",
    # the footer); lesson lists may show as numbered.
    assert [w for w in shown.split() if not re.fullmatch(r"\d+\.|•|-", w)] == _article_words()
    # The first post: title, the byline from the page's metadata, the lead, the link.
    assert posts[0].startswith(
        "Central bank holds rates as prices cool\n\nDana Levi · 2026-12-07\n\nThe central bank"
    )
    assert posts[0].endswith("Source")
    assert site.requests[0].headers["User-Agent"] == USER_AGENT


async def test_each_page_that_is_not_an_article_is_refused_saying_which(site: Site) -> None:
    site.fixture("/", "front.html")
    site.fixture("/paywalled", "paywall.html")
    site.page("/report.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf")
    site.page("/photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg")
    site.redirect("/loop-a", "/loop-b")
    site.redirect("/loop-b", "/loop-a")
    assert await _refusal(site, "/") == (
        "the page is a front page or a list of links, not an article"
    )
    assert re.fullmatch(
        r"the page has too little article text for an article \(word count: \d+\): "
        r"a paywall, a teaser or a stub",
        await _refusal(site, "/paywalled"),
    )
    assert "PDF document" in await _refusal(site, "/report.pdf")
    assert await _refusal(site, "/photo.jpg") == "the link is an image, not an article"
    assert await _refusal(site, "/missing") == "the page answered HTTP 404 (Not Found)"
    assert await _refusal(site, "/loop-a") == "the page redirects in a loop"


async def test_a_page_over_the_size_limit_is_not_read_past_it(site: Site) -> None:
    served: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        chunk = b"<p>" + b"word " * 2000 + b"</p>"
        for _ in range(400):  # 4 MB unless the reader stops
            await response.write(chunk)
            served.append(len(chunk))
        return response

    site.routes["/huge"] = endless
    refusal = await _refusal(site, "/huge", max_page_bytes=100_000)
    assert refusal == "the page is larger than 100,000 bytes (articles.max_page_bytes)"
    site.page("/declared", "<p>x</p>" * 20_000)  # its Content-Length says it all
    assert "larger than 100,000 bytes" in await _refusal(site, "/declared", max_page_bytes=100_000)


async def test_a_page_that_does_not_answer_in_time_is_refused(site: Site) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<html><body><p>Starting")
        await site_never_finishes.wait()
        return response

    import asyncio

    site_never_finishes = asyncio.Event()
    site.routes["/slow"] = slow
    refusal = await _refusal(site, "/slow", fetch_timeout="1s")
    site_never_finishes.set()
    assert refusal == "the page did not answer in time (limit: 1 s)"


async def test_private_addresses_are_refused_after_dns_and_after_redirects(site: Site) -> None:
    site.fixture("/article", "article.html")
    port = site.base.rsplit(":", 1)[1]
    # The test's site is allowed by network, as an operator allows an intranet host;
    # whatever else is private stays refused.
    allowed = {"fetch_private_addresses": False, "fetch_allowed_networks": ["127.0.0.1/32"]}
    assert (await _read(site, "/article", **allowed))[0].startswith("Central bank")
    site.redirect("/to-private", f"http://127.0.0.2:{port}/article")
    site.redirect("/chain", "/to-private")
    assert await _refusal(site, "/chain", **allowed) == (
        "127.0.0.2 is a private or local address, which newsbot does not fetch "
        "(articles.fetch_private_addresses)"
    )
    # A name is checked by what it resolves to: localhost is 127.0.0.1 (or ::1).
    by_name = f"http://localhost:{port}/article"
    with_name = {**allowed, "fetch_allowed_networks": ["127.0.0.1/32", "::1/128"]}
    page = await fetch_page(by_name, _config(**with_name).articles)
    assert "Central bank holds rates" in page.text
    only_other = {**allowed, "fetch_allowed_networks": ["127.0.0.2/32"]}
    with pytest.raises(ArticleError) as raised:
        await fetch_page(by_name, _config(**only_other).articles)
    assert str(raised.value) == (
        "localhost is a private or local address, which newsbot does not fetch "
        "(articles.fetch_private_addresses)"
    )
    config = _config(fetch_private_addresses=False)
    for address in (f"http://localhost:{port}/article", "http://169.254.169.254/latest/",
                    "http://[::1]/", "http://[::ffff:10.0.0.1]/", "http://100.64.0.1/",
                    "http://0.0.0.0/"):  # fmt: skip
        with pytest.raises(ArticleError, match="private or local address"):
            await fetch_page(address, config.articles)
    for address in ("file:///etc/passwd", "ftp://example.org/a", "gopher://x/"):
        with pytest.raises(ArticleError, match=r"only http:// and https:// links"):
            await fetch_page(address, config.articles)
    site.redirect("/to-file", "file:///etc/passwd")
    assert await _refusal(site, "/to-file", **allowed) == (
        "only http:// and https:// links can be fetched"
    )


async def test_newsbot_import_takes_a_link(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.cli import main

    site.fixture("/rates", "article.html")
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'database_url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
        '[[channels]]\nchat = "@example_daily"\n'
        "[articles]\nfetch_private_addresses = true\n"
    )
    command = ["--config", str(config), "import", site.url("/rates")]
    assert await asyncio.to_thread(main, command) == 0
    assert await asyncio.to_thread(main, command) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "article 1 imported: 'Central bank holds rates as prices cool': 4 posts, 3 lessons "
        "(channel @example_daily)",
        "article 1 already imported, the page is unchanged: 'Central bank holds rates as "
        "prices cool': 4 posts, 3 lessons (channel @example_daily)",
    ]
    assert await asyncio.to_thread(main, [*command[:3], site.url("/gone")]) == 2
    refusal = capsys.readouterr().err.strip()
    assert refusal.endswith(
        f"could not import {site.url('/gone')}: the page answered HTTP 404 (Not Found)"
    )
