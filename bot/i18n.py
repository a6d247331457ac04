"""The one translation layer: every text a user sees goes through ``translator``.

Catalogs are gettext ``.po`` files under ``bot/locales``, compiled beside them to
``.mo`` (``pybabel compile -d bot/locales -D newsbot``; a test fails while one is
stale). The bot reads the compiled files with the standard library: parsing the ``.po``
with Babel at start-up, as it once did, kept Babel's catalog code and a parse's garbage
in every process (0.9 MiB of an idle bot's memory) to translate the command menus.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Literal, Protocol, get_args

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "newsbot"
# The one list of languages newsbot speaks: a channel's language (checked by the config),
# the command menus set for each, and the catalogs tests/test_catalog.py checks.
Language = Literal["en", "ru"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"


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


def counted(singular: str, plural: str, n: int, _: Translator, **values: object) -> str:
    """A number with its noun in the right plural form: "1 comment", "5 комментариев";
    ``values`` fill the sentence's other fields."""
    return _.ngettext(singular, plural, n).format(count=n, **values)


def available_languages() -> tuple[str, ...]:
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (DEFAULT_LANGUAGE, *found)


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALES_DIR, [language], fallback=True)


def translator(language: str | None) -> Translator:
    """The gettext function for ``language`` (a channel's or a user's); English as fallback."""
    code = (language or DEFAULT_LANGUAGE).split("-")[0].lower()
    return _translators(code)


@cache
def _translators(code: str) -> Translator:
    return _CatalogTranslator(_catalog(code))
