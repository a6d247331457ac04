"""Recurring themes of a discussion: the words and two-word phrases most comments share.

A theme is what several readers bring up, so phrases are ranked by how many comments
use them (at least two; a comment counts once however often it repeats itself), a
two-word phrase before a single word as common. Words are compared by their Snowball
stem, so "армия" and "армии", "guarantee" and "guarantees" are one word, and common
words (the ``stop-words`` lists for English and Russian) neither make a theme nor join
one. A theme is shown as most comments spell it. A phrase sharing a stem with a better
one is dropped, so "security" does not follow "security guarantees". A handful of
comments has no themes worth naming: below ``MIN_TEXTS`` nothing is returned.

Counting is all it takes: a statistical keyword extractor (yake, used before) scored
phrases within one text, its ranking was then replaced by this count anyway, and it
cost a fifth of a second a lesson.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any

MIN_TEXTS = 3
MIN_MENTIONS = 2  # a theme recurs: one long comment repeating itself is not one
_WORD = re.compile(r"\w+")
_STEMMERS = {"en": "english", "ru": "russian"}
Stems = tuple[str, ...]


def stemmer_language(language: str) -> str:
    """The stemmer and stop-word list for a channel's language (English when unknown)."""
    return _STEMMERS.get(language, "english")


def key_phrases(texts: list[str], language: str, limit: int = 4) -> list[str]:
    if len(texts) < MIN_TEXTS:
        return []
    stemmer, stop_words = _language(stemmer_language(language))
    stem = cache(stemmer.stemWord)  # comments repeat words; forgotten with this call
    spelled: dict[Stems, Counter[str]] = {}  # each theme's spellings, one a comment
    for text in texts:
        words = _WORD.findall(text.lower().replace("ё", "е"))
        found: dict[Stems, str] = {}
        previous: tuple[str, str] | None = None  # the word before, when it may start a phrase
        for word in words:
            if word in stop_words or word.isdigit():
                previous = None
                continue
            current = (stem(word), word)
            if len(word) >= 3:
                found.setdefault((current[0],), word)
            if previous is not None:
                found.setdefault((previous[0], current[0]), f"{previous[1]} {word}")
            previous = current
        for stems, spelling in found.items():
            spelled.setdefault(stems, Counter())[spelling] += 1
    mentions = {stems: spellings.total() for stems, spellings in spelled.items()}
    ranked = sorted(
        (stems for stems, count in mentions.items() if count >= MIN_MENTIONS),
        key=lambda stems: (-mentions[stems], -len(stems)),
    )
    chosen: list[str] = []
    taken: set[str] = set()
    for stems in ranked:
        if taken.intersection(stems):
            continue
        chosen.append(_spelling(spelled[stems]))
        taken.update(stems)
        if len(chosen) == limit:
            break
    return chosen


def _spelling(spellings: Counter[str]) -> str:
    """How most comments spell the phrase; between equals the shortest, which is most
    often the plain form ("guarantee", not "guarantees")."""
    return min(spellings, key=lambda spelling: (-spellings[spelling], len(spelling)))


@cache
def _language(name: str) -> tuple[Any, frozenset[str]]:
    """The language's stemmer and its common words; loaded with the first summary, not at
    start."""
    import snowballstemmer
    from stop_words import get_stop_words

    stemmer = snowballstemmer.stemmer(name)
    stop_words = frozenset(word.replace("ё", "е") for word in get_stop_words(name))
    return stemmer, stop_words
