"""Recurring themes of a discussion as key phrases, extracted offline in its language.

YAKE scores words and two- or three-word phrases by where and how often they appear,
with stop word lists for English and Russian built in: no model, no network. A phrase
sharing a word (or its stem) with a better one is dropped, so "security" does not
follow "security guarantees", nor "армия" "армии". A handful of comments has no
themes worth naming: below ``MIN_TEXTS`` nothing is returned.
"""

from __future__ import annotations

MIN_TEXTS = 3
_LANGUAGES = {"en": "en", "ru": "ru"}


def key_phrases(texts: list[str], language: str, limit: int = 4) -> list[str]:
    if len(texts) < MIN_TEXTS:
        return []
    import yake  # heavy (numpy, networkx): loaded when a summary is made, not at start

    extractor = yake.KeywordExtractor(
        lan=_LANGUAGES.get(language, "en"), n=2, top=limit * 5, dedupLim=0.7
    )
    document = "\n".join(" ".join(text.split()) for text in texts)
    chosen: list[str] = []
    taken: set[str] = set()
    for phrase, _score in extractor.extract_keywords(document):
        words = phrase.lower().split()
        flat = " ".join(words)
        stems = {_stem(word) for word in words}
        if len(flat) < 3 or flat.isdigit() or taken & stems:
            continue
        chosen.append(flat)
        taken |= stems
        if len(chosen) == limit:
            break
    return chosen


def _stem(word: str) -> str:
    """A crude stem that is enough to see "армии" and "армия", "guarantee" and
    "guarantees" as one word (Russian inflects endings, English adds them)."""
    return word[:4]
