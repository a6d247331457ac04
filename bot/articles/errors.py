"""The one error an editor sees for a bad article: a clear message, nothing stored."""

from __future__ import annotations

from bot.errors import NewsbotError


class ArticleError(NewsbotError):
    """What is wrong with an article, as a catalog message (translated where shown)."""
