"""Which lists are lessons, and the poll question each lesson gets."""

from __future__ import annotations

import re

from telegram.constants import PollLimit

from bot.telegram.html import utf16_length

# Stems matched case-insensitively in the line that introduces a list.
DEFAULT_LESSON_KEYWORDS: dict[str, tuple[str, ...]] = {
    "en": ("lesson", "takeaway", "take-away", "key point"),
    "ru": ("урок", "вывод"),
    "uk": ("урок", "висновк"),
    "he": ("לקח", "לקחים", "מסקנות", "תובנות"),
}

_LEAD_SEPARATORS = (": ", " — ", " – ", " - ", "; ")


def introduces_lessons(intro: str, keywords: dict[str, tuple[str, ...]] | None = None) -> bool:
    """True when the line introducing a list names lessons or takeaways in any known language."""
    lowered = intro.casefold()
    table = keywords or DEFAULT_LESSON_KEYWORDS
    return any(stem.casefold() in lowered for stems in table.values() for stem in stems)


def poll_question(lesson: str, limit: int = PollLimit.MAX_QUESTION_LENGTH) -> str:
    """The lesson itself when it fits; else its lead clause; else cut at a word with an ellipsis."""
    text = re.sub(r"\s+", " ", lesson).strip()
    if utf16_length(text) <= limit:
        return text
    for separator in _LEAD_SEPARATORS:
        head = text.split(separator, 1)[0].strip()
        if head != text and 10 <= utf16_length(head) <= limit:
            return head
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if utf16_length(sentence) <= limit:
        return sentence
    words = text.split(" ")
    question = ""
    for word in words:
        candidate = f"{question} {word}".strip()
        if utf16_length(candidate) + 1 > limit:
            break
        question = candidate
    if not question:  # a single word longer than the limit
        question = text[: limit - 1]
        while utf16_length(question) + 1 > limit:
            question = question[:-1]
    return question.rstrip(",;:—– ") + "…"
