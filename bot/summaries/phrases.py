"""Recurring themes of a discussion as key phrases, extracted offline in its language.

YAKE scores words and two-word phrases by where and how often they appear, with stop
word lists for English and Russian built in: no model, no network. YAKE proposes; the
phrases are then ranked by how many comments use them (at least two), so one long
comment repeating itself does not set the week's themes. A phrase sharing a word (or
its stem) with a better one is dropped, so "security" does not follow "security
guarantees", nor "армия" "армии". A handful of comments has no themes worth naming:
below ``MIN_TEXTS`` nothing is returned.
"""

from __future__ import annotations

import re

MIN_TEXTS = 3
MIN_MENTIONS = 2  # a theme recurs: one long comment repeating itself is not one
_WORD = re.compile(r"\w+")
_LANGUAGES = {"en": "en", "ru": "ru"}


def key_phrases(texts: list[str], language: str, limit: int = 4) -> list[str]:
    if len(texts) < MIN_TEXTS:
        return []
    import yake  # heavy (numpy, networkx): loaded when a summary is made, not at start

    extractor = yake.KeywordExtractor(
        lan=_LANGUAGES.get(language, "en"), n=2, top=limit * 5, dedupLim=0.7
    )
    document = "\n".join(" ".join(text.split()) for text in texts)
    in_texts = [{_stem(word) for word in _WORD.findall(text.lower())} for text in texts]
    candidates = []
    for rank, (phrase, _score) in enumerate(extractor.extract_keywords(document)):
        words = phrase.lower().split()
        stems = {_stem(word) for word in words}
        mentions = sum(stems <= present for present in in_texts)
        flat = " ".join(words)
        if mentions >= MIN_MENTIONS and len(flat) >= 3 and not flat.isdigit():
            candidates.append((-mentions, rank, flat, stems))
    chosen: list[str] = []
    taken: set[str] = set()
    for _mentions, _rank, flat, stems in sorted(candidates):
        if taken & stems:
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
