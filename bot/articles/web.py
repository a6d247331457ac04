"""An article from a link: the page fetched safely (``fetching``), read as a saved page
would be, and refused in one line when it is not an article.

A page imported again is found by its link, and its article text (not its HTML, where
ads and timestamps change on every visit) tells whether it changed since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.articles.errors import ArticleError
from bot.articles.fetching import Fetched, FetchPolicy, fetch
from bot.articles.importer import BuiltArticle, ImportResult, build_posts, store_article
from bot.articles.loader import SourceFormat, content_hash
from bot.channels import ensure_channel
from bot.config import ArticleConfig, ChannelConfig, Config
from bot.i18n import N_
from db.queries import articles as article_queries

_KINDS: dict[str, SourceFormat] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class WebPage:
    requested: str  # the link as given
    url: str  # where it led, after redirects
    text: str
    kind: SourceFormat


async def fetch_page(url: str, settings: ArticleConfig) -> WebPage:
    """The page at ``url`` as text, if it is a kind an article can be read from."""
    fetched = await fetch(url, FetchPolicy.of(settings))
    return WebPage(url, fetched.url, _decode(fetched), _kind(fetched.content_type))


def _kind(content_type: str) -> SourceFormat:
    kind = _KINDS.get(content_type.lower())
    if kind is not None:
        return kind
    if content_type == "application/pdf":
        raise ArticleError(
            N_("the link is a PDF document, not a web page; send its text as a file instead")
        )
    if content_type.startswith("image/"):
        raise ArticleError(N_("the link is an image, not an article"))
    raise ArticleError(
        N_("the link is {kind}, not a web page"), kind=content_type or "application/octet-stream"
    )


def _decode(fetched: Fetched) -> str:
    """By the server's charset, else the page's own ``<meta charset>``, else UTF-8 (what
    is not UTF-8 shows as replacement marks rather than failing a whole article)."""
    charset = fetched.charset
    if charset is None and (declared := _META_CHARSET.search(fetched.body[:4096])):
        charset = declared.group(1).decode("ascii")
    try:
        return fetched.body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return fetched.body.decode("utf-8", errors="replace")


def read_page(
    page: WebPage, config: Config, language: str | None, lessons: str | None = None
) -> BuiltArticle:
    """The page's article as posts; ``ArticleError`` when it is not one."""
    try:
        built = build_posts(
            page.text, config, name=page.url, source_format=page.kind, language=language,
            source_url=page.url, lessons=lessons,
        )  # fmt: skip
    except ArticleError as exc:
        if exc.message in _NO_TEXT:
            raise _not_an_article(0, _mostly_links(page)) from None
        raise
    words = sum(len(post.text.split()) for post in built.posts) - len(built.title.split())
    mostly_links = _mostly_links(page)
    if words < config.articles.min_article_words or mostly_links:
        raise _not_an_article(words, mostly_links)
    return built


def _mostly_links(page: WebPage) -> bool:
    # An article page's menus and "most read" lists are a tenth to a third of its words;
    # a front page's headlines are nearly all of them.
    return page.kind == "html" and link_share(page.text) > FRONT_PAGE_LINK_SHARE


FRONT_PAGE_LINK_SHARE = 0.6


_NO_TEXT = frozenset(
    {
        "no article text found in the HTML page",
        "no article text found",
        "no article text found beyond the title",
    }
)


def _not_an_article(words: int, mostly_links: bool) -> ArticleError:
    """A front page (mostly links) or a stub (a paywall, a teaser): which one, by how much
    of the page's text is links."""
    if mostly_links:
        return ArticleError(N_("the page is a front page or a list of links, not an article"))
    return ArticleError(
        N_(
            "the page has too little article text for an article (word count: {words}): "
            "a paywall, a teaser or a stub"
        ),
        words=words,
    )


def link_share(html: str) -> float:
    """The share of the page's words that are inside links."""
    from lxml import html as lxml_html  # with trafilatura: only when a page is read

    try:
        root = lxml_html.document_fromstring(html)
    except Exception:  # noqa: BLE001 - a page lxml cannot read has no links worth counting
        return 0.0
    body = root.find("body")
    if body is None:
        return 0.0
    for dropped in body.xpath(".//script|.//style"):
        dropped.drop_tree()
    total = len(body.text_content().split())
    linked = sum(len(link.text_content().split()) for link in body.iter("a"))
    return linked / total if total else 0.0


async def import_page(
    session: AsyncSession,
    page: WebPage,
    built: BuiltArticle,
    channel: ChannelConfig,
    *,
    actor_id: int | None,
    at: datetime,
) -> ImportResult:
    """Store the page's article, or find the one imported before from its link (and say
    whether the article text changed since)."""
    channel_row = await ensure_channel(session, channel, at)
    links = {page.requested, page.url}
    existing = await article_queries.article_by_source(session, links, channel_row.id)
    digest = content_hash("\n".join(post.text for post in built.posts))
    return await store_article(
        session, built, channel, digest=digest, name=page.url, actor_id=actor_id, at=at,
        existing=existing,
    )  # fmt: skip
