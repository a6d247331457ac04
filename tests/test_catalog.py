"""Every text newsbot shows goes through the catalog, and Russian has all of them."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from tests.conftest import PROJECT_ROOT


def _source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None}
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def test_russian_catalog_translates_every_message() -> None:
    with (LOCALES_DIR / "ru" / "LC_MESSAGES" / "newsbot.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    messages = _source_messages()
    assert len(messages) > 100
    assert sorted(messages - translated) == []
    # Placeholders survive translation, so .format() cannot fail in Russian.
    import re

    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert set(re.findall(r"\{[^}]*\}", message.id)) == set(
                re.findall(r"\{[^}]*\}", str(message.string))
            ), message.id
