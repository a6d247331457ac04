"""Numbers people type: read as plain decimal digits and checked against what an id can
be, once, where a command reads its words.

``str.isdigit`` admits "²" and other Unicode digits that ``int`` refuses, and Python's
integers have no bound while the database's columns do: both once crashed commands.
newsbot's own row ids (articles, comments) are 32-bit integers on PostgreSQL; Telegram's
user and chat ids are 64-bit.
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1  # the largest id of newsbot's own rows (an INTEGER column)
MAX_TELEGRAM_ID = 2**63 - 1  # the largest user or chat id (a BIGINT column)


def typed_number(word: str, *, signed: bool = False) -> int | None:
    """``word`` as a whole number when it is written in ASCII digits (with a leading "-"
    when ``signed``), else None."""
    digits = word[1:] if signed and word.startswith("-") else word
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return int(word)


def fits_row_id(number: int) -> bool:
    """Whether ``number`` could be the id of one of newsbot's rows (an article, a comment)."""
    return 0 <= number <= MAX_ROW_ID


def fits_telegram_id(number: int) -> bool:
    """Whether ``number`` could be a Telegram user or chat id."""
    return -MAX_TELEGRAM_ID <= number <= MAX_TELEGRAM_ID
