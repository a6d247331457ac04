"""Automatic rules: a comment matching one is hidden at once and moderators are told."""

from __future__ import annotations

import re

from bot.config import ModerationConfig

_LINK = re.compile(r"(https?://|www\.|t\.me/|tg://)\S+", re.IGNORECASE)


def rule_broken(text: str, rules: ModerationConfig) -> str | None:
    """The rule a comment breaks (for the audit log), or None."""
    lowered = text.casefold()
    for word in rules.blocked_words:
        if word and re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", lowered):
            return f"blocked word: {word}"
    if rules.block_links and _LINK.search(text):
        return "link"
    return None
