"""Importing and previewing articles through the CLI, against a real database file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.articles.errors import ArticleError
from bot.articles.importer import import_article
from bot.cli import main
from bot.config import Config, config_from_mapping
from db.engine import create_engine, create_session_factory
from db.models import Article, Lesson, Segment
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN
from tests.harness import START


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'token = "{TEST_TOKEN}"\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "n.db"}"\n'
        '[[channels]]\nchat = -100111\nname = "news"\n'
        '[[channels]]\nchat = "@other_channel"\nname = "other"\nlanguage = "ru"\n',
        encoding="utf-8",
    )
    return path


async def _counts(tmp_path: Path) -> tuple[int, int, int]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    try:
        async with create_session_factory(engine)() as session:
            return (
                await session.scalar(select(func.count()).select_from(Article)) or 0,
                await session.scalar(select(func.count()).select_from(Segment)) or 0,
                await session.scalar(select(func.count()).select_from(Lesson)) or 0,
            )
    finally:
        await engine.dispose()


def test_import_twice_is_one_article(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config_file), "import", str(SAMPLE_ARTICLE), "--channel", "news"]
    assert main(args) == 0
    assert "article 1 imported" in capsys.readouterr().out
    assert main(args) == 0
    assert "article 1 already imported" in capsys.readouterr().out
    assert asyncio.run(_counts(tmp_path)) == (1, 9, 6)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"\xff\xfe\xfa bad", "not UTF-8")],
)
def test_bad_file_stores_nothing(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    assert main(["--config", str(config_file), "import", str(bad), "--channel", "news"]) == 2
    assert message in capsys.readouterr().err
    assert asyncio.run(_counts(tmp_path)) == (0, 0, 0)


def test_oversized_file_and_unknown_channel(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Title\n" + "word " * 300_000, encoding="utf-8")
    assert main(["--config", str(config_file), "import", str(big), "--channel", "news"]) == 2
    assert "over the 1,000,000-byte limit" in capsys.readouterr().err
    assert (
        main(["--config", str(config_file), "import", str(SAMPLE_ARTICLE), "--channel", "nope"])
        == 2
    )
    assert "unknown channel 'nope'; configured: news, other" in capsys.readouterr().err
    assert main(["--config", str(config_file), "import", str(SAMPLE_ARTICLE)]) == 2
    assert "--channel is required" in capsys.readouterr().err


def test_preview_json_of_file_and_of_stored_article(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config_file), "preview", str(SAMPLE_ARTICLE), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert [post["position"] for post in from_file] == list(range(9))
    assert set(from_file[4]) == {"position", "kind", "html", "text", "lessons"}
    assert from_file[4]["kind"] == "lessons"
    assert from_file[4]["lessons"][0]["question"].startswith("Russia's unreliability")
    # What will be posted after the lesson: its poll, options included.
    assert from_file[4]["lessons"][0]["options"] == ["Agree", "Partly agree", "Disagree"]
    main(["--config", str(config_file), "import", str(SAMPLE_ARTICLE), "--channel", "news"])
    capsys.readouterr()
    assert main(["--config", str(config_file), "preview", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_file
    assert main(["--config", str(config_file), "preview", "1"]) == 0
    readable = capsys.readouterr().out
    assert "── post 5/9 · lessons" in readable
    assert "▸ poll 1: Russia's unreliability" in readable
    assert main(["--config", str(config_file), "preview", "42"]) == 2
    assert "no article 42" in capsys.readouterr().err


def test_preview_works_without_any_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["preview", str(SAMPLE_ARTICLE)]) == 0
    assert "Key lessons for Israel:" in capsys.readouterr().out


async def test_service_rolls_back_on_bad_input(
    session_factory: async_sessionmaker[AsyncSession], config_data: dict[str, Any]
) -> None:
    config: Config = config_from_mapping(config_data, env={})
    async with session_factory() as session:
        with pytest.raises(ArticleError):
            await import_article(session, b"Title only\n", config, config.channels[0], at=START)
        assert await session.scalar(select(func.count()).select_from(Article)) == 0
