"""The folders keep their promises: db/ knows nothing of the bot, handlers leave the
database to the core, and production code never reaches into the emulator."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def _imports(folder: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in the folder's Python files."""
    found = []
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(path.relative_to(PROJECT_ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(PROJECT_ROOT)), a.name) for a in node.names]
    return found


def _offending(folder: str, prefix: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{file} imports {module}"
        for file, module in _imports(folder)
        if (module == prefix or module.startswith(prefix + "."))
        and not any(file.startswith(place) for place in allowed)
    ]


def test_db_imports_nothing_from_the_bot() -> None:
    assert _offending("db", "bot") == []
    assert _offending("db", "handlers") == []


def test_handlers_leave_queries_to_the_core() -> None:
    assert _offending("handlers", "db.queries") == []


def test_production_code_never_imports_the_emulator() -> None:
    wiring = ("bot/emulator/", "bot/demo.py", "bot/command_line/running.py")  # its front ends
    assert _offending("bot", "bot.emulator", allowed=wiring) == []
    assert _offending("handlers", "bot.emulator") == []


def test_the_core_is_free_of_handler_code() -> None:
    assert _offending("bot", "handlers", allowed=("bot/app.py",)) == []


def test_heavy_libraries_are_not_loaded_at_start_up() -> None:
    """Pillow (charts), lxml and trafilatura (web pages) and the stemmer with its stop
    words (a digest's phrases) load when first used: tens of MiB a bot that never reads a
    page would hold for nothing. Everything else is imported plainly at the top, as a
    reader expects (the idle-memory target that once hid more is retired)."""
    probe = (
        "import sys, bot.app, bot.cli, handlers; "
        "print(sorted(m for m in ('PIL', 'lxml', 'trafilatura', 'stop_words', "
        "'snowballstemmer', 'feedparser') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_chart_module_itself_is_only_imported_lazily() -> None:
    eager = [
        f"{file} imports {module}"
        for folder in ("bot", "handlers")
        for file, module in _imports(folder)
        if module == "bot.summaries.chart"
    ]
    # bot/summaries/service.py imports it inside the functions that load and draw.
    source = Path(PROJECT_ROOT / "bot/summaries/service.py").read_text(encoding="utf-8")
    assert "\nfrom bot.summaries.chart" not in source
    assert "\nimport bot.summaries.chart" not in source
    assert set(eager) == {"bot/summaries/service.py imports bot.summaries.chart"}


def test_menus_and_help_come_from_the_one_command_table() -> None:
    from bot.i18n import translator
    from handlers.commands import COMMANDS, help_text, menu

    moderators = [c for c in COMMANDS if c.role == "moderator"]
    admins = [c for c in COMMANDS if c.role == "admin"]
    for language in ("en", "ru"):
        _ = translator(language)
        shown = [entry.command for entry in menu(language, ("everyone", "moderator"))]
        assert "export" in shown
        assert "publish" not in shown
        text = help_text(_, ["everyone", "moderator"])
        for command in moderators:
            assert f"/{command.name}" in text, command.name
        assert all(_(command.usage) not in text for command in admins)
        # Every line a menu shows is translated, and /help explains every menu entry.
        full = help_text(_, ["everyone", "moderator", "admin"])
        for entry in menu(language, ("everyone", "moderator", "admin")):
            assert f"/{entry.command}" in full, entry.command
            if language == "ru":
                assert entry.description != next(
                    c.menu for c in COMMANDS if c.name == entry.command
                ), entry.command
