"""The one translation layer: every text a user sees goes through ``translator``.

Catalogs are gettext ``.po`` files under ``bot/locales``; they are compiled in
memory with Babel on first use, so no binary ``.mo`` files live in the repo (and a
process that speaks only English never loads Babel).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import Protocol

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "newsbot"
DEFAULT_LANGUAGE = "en"


class Translator(Protocol):
    """``_("text")`` translates; ``_.ngettext("{count} comment", "{count} comments", n)``
    picks the language's plural form for ``n`` (Russian has three)."""

    def __call__(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


class _CatalogTranslator:
    def __init__(self, catalog: gettext.NullTranslations) -> None:
        self._catalog = catalog

    def __call__(self, message: str, /) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return self._catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; it is translated where shown."""
    return message


def counted(singular: str, plural: str, n: int, _: Translator) -> str:
    """A number with its noun in the right plural form: "1 comment", "5 комментариев"."""
    return _.ngettext(singular, plural, n).format(count=n)


def available_languages() -> tuple[str, ...]:
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT_LANGUAGE, *found)


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str | None) -> Translator:
    """The gettext function for ``language`` (a channel's or a user's); English as fallback."""
    code = (language or DEFAULT_LANGUAGE).split("-")[0].lower()
    return _translators(code)


@cache
def _translators(code: str) -> Translator:
    return _CatalogTranslator(_catalog(code))
