"""Properties of segmentation over generated articles (plain text and Markdown)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.articles.loader import parse_article
from bot.articles.segmenter import segment
from bot.config import ArticleConfig
from bot.telegram_html import utf16_length, validate_message

CONFIG = ArticleConfig(target_length=400, max_length=600)
# Words from several scripts, with characters that need escaping and that count double.
WORDS = st.sampled_from(
    [
        "news",
        "Israel",
        "Kyiv",
        "мир",
        "урок",
        "שלום",
        "חדשות",
        "😀",
        "a<b",
        "R&D",
        "x>y",
        "“quoted”",
        "No2026",
        "don't",
        "long-term",
        "é",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=25).map(lambda ws: " ".join(ws) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=12).map(" ".join)
ENDLESS = st.integers(min_value=1, max_value=1500).map(lambda n: "z" * n)
HEADING = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)
ITEMS = st.lists(SENTENCE, min_size=1, max_size=6)


@st.composite
def plain_articles(draw: st.DrawFn) -> str:
    lines = [draw(HEADING) + " headline"]
    for _ in range(draw(st.integers(1, 8))):
        choice = draw(st.integers(0, 4))
        if choice == 0:
            lines.append(draw(HEADING))
        if choice == 1:
            intro = draw(st.sampled_from(["Key lessons for us:", "Some points:"]))
            lines.append(intro)
            lines.extend(f"- {item}" for item in draw(ITEMS))
        elif choice == 2:
            lines.append(draw(ENDLESS))
        lines.append(draw(PARAGRAPH))
    return "\n".join(lines) + "\n"


@st.composite
def markdown_articles(draw: st.DrawFn) -> str:
    parts = [f"# {draw(HEADING)}", draw(PARAGRAPH)]
    for _ in range(draw(st.integers(1, 6))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            parts.append(f"## {draw(HEADING)}")
        elif choice == 1:
            parts.append("Takeaways:\n\n" + "\n".join(f"- **{item}**" for item in draw(ITEMS)))
        elif choice == 2:
            parts.append("> " + draw(PARAGRAPH))
        parts.append(draw(PARAGRAPH))
    return "\n\n".join(parts) + "\n"


def _letters(text: str) -> str:
    """Only the word characters, so an endless word cut across posts still compares."""
    return "".join(re.findall(r"\w+", text))


def _without_added_marks(text: str) -> str:
    text = re.sub(r"\(\d+/\d+\)$", "", text)  # progress mark
    return re.sub(r"(?m)^\d+\. ", "", text)  # lesson numbering


def _check(text: str, filename: str) -> None:
    document = parse_article(text, CONFIG, filename=filename)
    posts = segment(document, CONFIG)
    for post in posts:
        parsed = validate_message(post.html, limit=CONFIG.max_length)
        assert utf16_length(parsed.text) <= CONFIG.max_length
        assert parsed.text == post.text
    # Every word of the article, in order, nothing lost and nothing invented.
    output = "".join(_without_added_marks(post.text) for post in posts)
    assert _letters(output) == _letters(text)
    assert segment(parse_article(text, CONFIG, filename=filename), CONFIG) == posts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_articles())
def test_plain_text_posts_are_valid_complete_and_deterministic(text: str) -> None:
    _check(text, "article.txt")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown_articles())
def test_markdown_posts_are_valid_complete_and_deterministic(text: str) -> None:
    _check(text, "article.md")
