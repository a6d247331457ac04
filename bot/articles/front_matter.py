"""Editor overrides at the top of an article: a ``---`` fenced block of ``key: value`` lines.

Keys: ``title``, ``source`` (URL), ``language``, ``lessons`` (``auto``, ``none``,
or the 1-based numbers of the lists that are lessons, e.g. ``1, 3``); ``author`` and
``date`` (shown under the title), ``image`` (the lead image's URL).
"""

from __future__ import annotations

import re

from bot.articles.errors import ArticleError
from bot.i18n import N_

KNOWN_KEYS = frozenset({"title", "source", "url", "language", "lessons", "author", "date", "image"})


def split_front_matter(text: str, *, strict: bool = True) -> tuple[dict[str, str], str]:
    """Return the front matter and the text after it (unchanged when there is none)."""
    match = re.match(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", text, re.DOTALL)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for number, line in enumerate(match.group(1).splitlines(), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep:
            raise ArticleError(N_("front matter line {line}: expected 'key: value'"), line=number)
        if key not in KNOWN_KEYS:
            if strict:
                known = ", ".join(sorted(KNOWN_KEYS))
                raise ArticleError(
                    N_("front matter line {line}: unknown key «{key}» ({known})"),
                    line=number,
                    key=key,
                    known=known,
                )
            continue
        meta[key] = value.strip().strip("'\"")
    return meta, text[match.end() :]


def parse_lesson_selection(value: str | None) -> tuple[int, ...] | None:
    """``auto``/empty -> None (detect), ``none`` -> (), ``1,3`` -> (1, 3)."""
    if value is None or value.strip().lower() in ("", "auto"):
        return None
    if value.strip().lower() == "none":
        return ()
    numbers: list[int] = []
    for part in re.split(r"[,\s]+", value.strip().strip("[]")):
        if not part.isdigit() or int(part) < 1:
            raise ArticleError(
                N_("lessons: expected 'auto', 'none' or list numbers like '1,3', got «{value}»"),
                value=value,
            )
        numbers.append(int(part))
    return tuple(numbers)
