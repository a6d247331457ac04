"""Numbers people type: read as plain decimal digits and checked against what an id can
be, once, where a command reads its words.

``str.isdigit`` admits "²" and other Unicode digits that ``int`` refuses, and Python's
integers have no bound while the database's ids are 64-bit: both once crashed commands.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest id a database column holds


def typed_number(word: str, *, signed: bool = False) -> int | None:
    """``word`` as a whole number when it is written in ASCII digits (with a leading "-"
    when ``signed``), else None."""
    digits = word[1:] if signed and word.startswith("-") else word
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return int(word)


def fits_id(number: int) -> bool:
    """Whether ``number`` could be an id the database holds (article, comment, chat)."""
    return -MAX_ID <= number <= MAX_ID
