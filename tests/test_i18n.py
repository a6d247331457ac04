from __future__ import annotations

from bot.articles.loader import parse_article
from bot.articles.preview import default_poll_options
from bot.articles.segmenter import segment
from bot.config import ArticleConfig
from bot.i18n import available_languages, translator


def test_russian_channel_gets_russian_texts_and_english_is_the_fallback() -> None:
    assert available_languages() == ("en", "ru")
    # Gender-neutral: every reader can pick an option that reads naturally for them.
    assert default_poll_options("ru") == ["Да, верно", "Отчасти", "Нет, неверно"]
    assert default_poll_options("en") == ["Agree", "Partly agree", "Disagree"]
    assert translator("de")("Agree") == "Agree"
    assert translator("ru-RU")("Source") == "Источник"


def test_source_link_label_follows_the_channel_language() -> None:
    text = "---\nsource: https://example.org/a\n---\nЗаголовок\nТекст статьи.\n"
    document = parse_article(text, ArticleConfig())
    assert segment(document, ArticleConfig(), "ru")[0].html.endswith(">Источник</a>")
    assert segment(document, ArticleConfig(), "en")[0].html.endswith(">Source</a>")
