"""One base for what a person did wrong: a catalog message, translated where it is shown.

Core code raises ``NewsbotError`` subclasses with an English message marked for the
catalog (``N_``) and its values; the edge (a handler, the command line) shows
``error.text(_)`` in the reader's language. ``str(error)`` is the English text, for logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.i18n import Translator


class NewsbotError(Exception):
    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, _: Translator) -> str:
        return _(self.message).format(**self.values)

    def __str__(self) -> str:
        return self.message.format(**self.values)
