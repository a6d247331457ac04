"""Every text newsbot shows goes through the catalog, and Russian has all of them, with
every plural form."""

from __future__ import annotations

import re
from io import BytesIO

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, counted, translator
from tests.conftest import PROJECT_ROOT

# _("text"), _.ngettext(singular, plural, n), counted(singular, plural, n, _)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "counted": (1, 2)}


def _source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                found.add(message)
            elif isinstance(message, tuple) and all(message[:2]):
                found.add(tuple(part for part in message if part))
    return found


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{[^}]*\}", text))


def test_russian_catalog_translates_every_message() -> None:
    with (LOCALES_DIR / "ru" / "LC_MESSAGES" / "newsbot.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    translated: set[str | tuple[str, ...]] = set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            translated.add(message.id if isinstance(message.id, str) else tuple(message.id))
    messages = _source_messages()
    assert len(messages) > 100
    assert sorted(map(str, messages - translated)) == []
    assert sum(isinstance(m, tuple) for m in messages) >= 15, "counts use plural forms"
    # Placeholders survive translation (every plural form), so .format() cannot fail.
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(_placeholders(str(i)) for i in ids))
        for string in strings:
            assert _placeholders(str(string)) == expected, message.id


def test_russian_counts_take_their_three_plural_forms() -> None:
    _ = translator("ru")
    forms = [counted("{count} comment", "{count} comments", n, _) for n in (1, 3, 5, 21, 11)]
    assert forms == [
        "1 комментарий",
        "3 комментария",
        "5 комментариев",
        "21 комментарий",
        "11 комментариев",
    ]
    english = translator("en")
    assert [counted("{count} comment", "{count} comments", n, english) for n in (1, 3)] == [
        "1 comment",
        "3 comments",
    ]


def test_compiled_catalogs_match_their_sources() -> None:
    """The bot reads the ``.mo`` files; a translation edited in a ``.po`` and not
    compiled would never reach a reader."""
    sources = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/newsbot.po"))
    assert sources
    for source in sources:
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=source.parent.parent.name)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        assert source.with_suffix(".mo").read_bytes() == compiled.getvalue(), (
            f"{source.with_suffix('.mo')} is stale: run pybabel compile -d bot/locales -D newsbot"
        )


def test_every_language_newsbot_speaks_has_a_catalog_and_key_phrases() -> None:
    """``bot.i18n.LANGUAGES`` is the one list: a language added there without its catalog
    or its stemmer would greet readers in English and count words unstemmed."""
    from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
    from bot.summaries.phrases import stemmer_language

    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE:
            assert (LOCALES_DIR / language / "LC_MESSAGES" / "newsbot.mo").is_file(), language
        assert stemmer_language(language) != "english" or language == "en", language
