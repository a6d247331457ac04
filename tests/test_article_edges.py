"""Articles at the edges: each ends in posts Telegram accepts, or one clear line and nothing
stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.articles.errors import ArticleError
from bot.articles.importer import build_posts
from bot.config import ArticleConfig, Config, config_from_mapping
from bot.telegram.html import validate_message
from db.models import Article
from tests.conftest import TEST_TOKEN
from tests.harness import running_harness


def _config(**articles: object) -> Config:
    return config_from_mapping(
        {"token": TEST_TOKEN, "channels": [{"chat": -100111}], "articles": articles}, env={}
    )


def _posts(text: str, **articles: object) -> list[tuple[str, int]]:
    config = _config(**articles)
    posts = build_posts(text.encode("utf-8"), config, name="a.txt", language="en").posts
    return [(post.html, len(post.lessons)) for post in posts]


def test_a_lesson_longer_than_a_post_is_split_into_valid_posts() -> None:
    long_lesson = "Russia keeps its word only when it must. " * 120
    text = f"Title\n\nA lead paragraph.\n\nKey lessons:\n\n1. {long_lesson}\n2. A short one.\n"
    posts = _posts(text)
    for html, _lessons in posts:
        validate_message(html, limit=ArticleConfig().max_length)
    assert sum(lessons for _html, lessons in posts) == 2
    assert "".join(html for html, _ in posts).count("Russia keeps its word") == 120


def test_too_many_lessons_are_refused_naming_the_limit() -> None:
    items = "".join(f"{n}. Lesson number {n}\n" for n in range(1, 61))
    text = f"Title\n\nA lead paragraph.\n\nKey lessons:\n\n{items}"
    with pytest.raises(ArticleError, match=r"60 lessons.*at most 50.*articles\.max_lessons"):
        _posts(text)
    assert sum(lessons for _html, lessons in _posts(text, max_lessons=60)) == 60


def test_a_thousand_lesson_list_is_refused_not_cut_short() -> None:
    items = "".join(f"{n}. Lesson number {n}\n" for n in range(1, 1101))
    with pytest.raises(ArticleError, match="at most 50"):
        _posts(f"Title\n\nLead.\n\nKey lessons:\n\n{items}")


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ("Title\n\nSome text.\n".encode("utf-16"), "UTF-16"),
        ("Title\n\nSome text.\n".encode("utf-16-le"), "UTF-16"),
        ("Title\n\nSome text.\n".encode("utf-16-be"), "UTF-16"),
        ("Title\n\nSome text.\n".encode("utf-32"), "UTF-32"),
    ],
)
def test_wide_unicode_files_are_named_as_such(data: bytes, named: str) -> None:
    with pytest.raises(ArticleError) as raised:
        build_posts(data, _config(), name="a.txt", language="en")
    assert f"the file is {named} text; save the article as UTF-8" in str(raised.value)


def test_html_nested_deeper_than_the_reader_follows_is_reported() -> None:
    page = (
        "<html><body><h1>Title</h1>"
        + "<div>" * 400
        + "<p>The whole article is in here, far too deep.</p>"
        + "</div>" * 400
        + "</body></html>"
    )
    with pytest.raises(ArticleError, match=r"nests its text 40[0-9] elements deep.*at most 250"):
        build_posts(page.encode(), _config(), name="a.html", language="en")


async def test_import_through_telegram_answers_one_line_and_stores_nothing(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        cases = {
            "wide.txt": "Title\n\nSome text.\n".encode("utf-16"),
            "many.txt": (
                "Title\n\nLead.\n\nKey lessons:\n\n"
                + "".join(f"{n}. Lesson {n}\n" for n in range(1, 80))
            ).encode(),
        }
        for name, content in cases.items():
            before = len(h.world.messages(h.admin_id))
            h.world.send_document(h.admin_id, name, content, caption="/import")
            await h.pump()
            answers = [m["text"] for m in h.world.messages(h.admin_id)[before + 1 :]]
            assert len(answers) == 1, answers
            assert answers[0].startswith("Could not import:"), answers[0]
            assert "\n" not in answers[0]
        async with h.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Article)) == 0


async def test_a_russian_admin_reads_why_an_import_failed_in_russian(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        h.world.users[h.admin_id]["language_code"] = "ru"
        h.world.send_document(
            h.admin_id, "wide.txt", "Title\n\nText.\n".encode("utf-16"), caption="/import"
        )
        await h.pump()
        answer = h.world.messages(h.admin_id)[-1]["text"]
        assert answer.endswith("wide.txt: файл в кодировке UTF-16; сохраните статью в UTF-8")
