"""A saved article page: trafilatura finds the main content, which is then read as Markdown."""

from __future__ import annotations

from collections.abc import Callable

import trafilatura

from bot.articles.document import Document
from bot.articles.errors import ArticleError
from bot.articles.front_matter import split_front_matter
from bot.articles.markdown import parse_markdown


def parse_html_page(
    page: str,
    *,
    is_boilerplate: Callable[[str], bool],
    meta: dict[str, str] | None = None,
) -> Document:
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
        raise ArticleError("no article text found in the HTML page")
    page_meta, body = split_front_matter(extracted, strict=False)
    merged = {**page_meta, **(meta or {})}
    if not body.strip():
        raise ArticleError("no article text found in the HTML page")
    document = parse_markdown(body, is_boilerplate=is_boilerplate, meta=merged)
    document.source_format = "html"
    return document
