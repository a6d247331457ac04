"""A saved article page: trafilatura finds the main content, which is then read as Markdown."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from typing_extensions import override

from bot.articles.document import Document
from bot.articles.errors import ArticleError
from bot.articles.front_matter import split_front_matter
from bot.articles.markdown import parse_markdown
from bot.i18n import N_


def parse_html_page(
    page: str,
    *,
    is_boilerplate: Callable[[str], bool],
    meta: dict[str, str] | None = None,
) -> Document:
    import trafilatura  # heavy (lxml and friends): only when a page is read

    depth = nesting_depth(page)
    if depth > MAX_NESTING:
        raise ArticleError(
            N_(
                "the page nests its text {depth} elements deep, and the HTML reader follows at "
                "most {limit}; save the article as text or Markdown instead"
            ),
            depth=depth,
            limit=MAX_NESTING,
        )
    extracted = trafilatura.extract(
        page,
        output_format="markdown",
        include_formatting=True,
        include_links=True,
        include_tables=True,
        include_comments=False,
        with_metadata=True,
        favor_recall=True,
    )
    if not extracted or not extracted.strip():
        raise ArticleError(N_("no article text found in the HTML page"))
    page_meta, body = split_front_matter(extracted, strict=False)
    # The lead image (og:image and the like) is not in trafilatura's Markdown header.
    image = trafilatura.extract_metadata(page).image
    if image:
        page_meta["image"] = image
    merged = {**page_meta, **(meta or {})}
    if not body.strip():
        raise ArticleError(N_("no article text found in the HTML page"))
    document = parse_markdown(body, is_boilerplate=is_boilerplate, meta=merged)
    document.source_format = "html"
    return document


# libxml2, under trafilatura, stops following elements nested deeper than 256 and the
# text inside is silently lost; a page that deep is refused with that reason instead.
MAX_NESTING = 250
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


class _DepthMeter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.deepest = 0

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.depth = max(self.depth - 1, 0)


def nesting_depth(page: str) -> int:
    """How deep the page's elements nest (unclosed tags count as open)."""
    meter = _DepthMeter()
    meter.feed(page)
    meter.close()
    return meter.deepest
