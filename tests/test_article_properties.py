"""Properties of segmentation over generated articles (plain text and Markdown)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.articles.errors import ArticleError
from bot.articles.loader import parse_article
from bot.articles.segmenter import segment
from bot.config import ArticleConfig
from bot.i18n import translator
from bot.telegram.html import utf16_length, validate_message

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


# ------------------------------------------------ nesting: every word, or one refusal
@st.composite
def _node(draw: st.DrawFn, depth: int = 0) -> tuple[str, Any]:
    """A block: a paragraph, code, a table, or (while not too deep) a list or a quote of
    further blocks. Words are filled in when rendered, so they count up in reading order."""
    leaves = ["paragraph", "code", "table"]
    kinds = leaves + (["list", "quote"] * 2 if depth < 70 else [])
    kind = draw(st.sampled_from(kinds))
    if kind in leaves:
        return (kind, draw(st.integers(1, 4)))
    if kind == "list":
        items = draw(st.lists(st.lists(_node(depth + 1), min_size=1, max_size=2), min_size=1,
                              max_size=2))  # fmt: skip
        return ("list", items)
    return ("quote", draw(st.lists(_node(depth + 1), min_size=1, max_size=2)))


class _Words:
    def __init__(self) -> None:
        self.count = 0

    def take(self, n: int) -> str:
        words = [f"w{self.count + i}" for i in range(n)]
        self.count += n
        return " ".join(words)


def _markdown(node: tuple[str, Any], words: _Words, prefix: str = "") -> list[str]:
    kind, body = node
    if kind == "paragraph":
        return [prefix + words.take(body)]
    if kind == "code":
        return [prefix + "```", prefix + words.take(body), prefix + "```"]
    if kind == "table":
        head = f"| {words.take(1)} | {words.take(1)} |"
        return [
            prefix + head,
            prefix + "| --- | --- |",
            prefix + f"| {words.take(1)} | {words.take(1)} |",
        ]
    lines: list[str] = []
    if kind == "quote":
        for index, child in enumerate(body):
            if index:
                lines.append(prefix + ">")
            lines += _markdown(child, words, prefix + "> ")
        return lines
    for item in body:
        for index, child in enumerate(item):
            if index:
                lines.append(prefix.rstrip())
            rendered = _markdown(child, words, prefix + "  ")
            if index == 0:
                rendered[0] = prefix + "- " + rendered[0][len(prefix) + 2 :]
            lines += rendered
        lines.append(prefix.rstrip())
    return lines


def _html(node: tuple[str, Any], words: _Words) -> str:
    kind, body = node
    if kind == "paragraph":
        return f"<p>{words.take(body)}</p>"
    if kind == "code":
        return f"<pre><code>{words.take(body)}</code></pre>"
    if kind == "table":
        return (
            f"<table><tr><th>{words.take(1)}</th><th>{words.take(1)}</th></tr>"
            f"<tr><td>{words.take(1)}</td><td>{words.take(1)}</td></tr></table>"
        )
    if kind == "quote":
        return "<blockquote>" + "".join(_html(child, words) for child in body) + "</blockquote>"
    return (
        "<ul>"
        + "".join("<li>" + "".join(_html(c, words) for c in item) + "</li>" for item in body)
        + "</ul>"
    )


def _words_out(posts: list[Any]) -> list[str]:
    return re.findall(r"\bw\d+\b", " ".join(post.text for post in posts))


def _every_word_or_one_line(
    text: str, filename: str, expected: list[str], *, joined: bool = False
) -> None:
    """Every generated word in the posts, in order, or a refusal in one line. ``joined``:
    compare the letters only, for HTML, where trafilatura may glue an inline code span to
    the text after it ("`w0`w1")."""
    try:
        document = parse_article(text, CONFIG, filename=filename)
        posts = segment(document, CONFIG)
    except ArticleError as refused:
        message = refused.text(translator("en"))
        assert "\n" not in message
        assert message
        return
    if joined:
        out = "".join(re.findall(r"w\d+", " ".join(post.text for post in posts)))
        assert out == "".join(expected)
    else:
        assert _words_out(posts) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_node(), min_size=1, max_size=4))
def test_markdown_nesting_keeps_every_word_in_order_or_refuses(nodes: list[Any]) -> None:
    words = _Words()
    lines = ["# Title", ""]
    for node in nodes:
        lines += [*_markdown(node, words), ""]
    _every_word_or_one_line("\n".join(lines), "a.md", [f"w{i}" for i in range(words.count)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_node(), min_size=1, max_size=4))
def test_html_nesting_keeps_every_word_in_order_or_refuses(nodes: list[Any]) -> None:
    words = _Words()
    body = "".join(_html(node, words) for node in nodes)
    page = (
        "<html><head><title>Title</title></head><body><article><h1>Title</h1>"
        f"<p>Lead sentence of the article, long enough to be its text.</p>{body}"
        "</article></body></html>"
    )
    _every_word_or_one_line(page, "a.html", [f"w{i}" for i in range(words.count)], joined=True)


def test_a_list_nested_twelve_deep_keeps_its_items_and_what_follows() -> None:
    lines = ["# Title", "", "Lead."] + [
        "  " * level + f"- w{level}" for level in range(12)
    ] + ["", "w12 after the list"]  # fmt: skip
    _every_word_or_one_line("\n".join(lines) + "\n", "a.md", [f"w{i}" for i in range(13)])
    posts = segment(parse_article("\n".join(lines) + "\n", CONFIG, filename="a.md"), CONFIG)
    assert "w12 after the list" in " ".join(post.text for post in posts)


def test_nesting_past_what_is_read_is_refused_in_one_line_naming_the_line() -> None:
    lines = ["# Title", "", "Lead."] + [">" * (level + 1) + f" w{level}" for level in range(120)]
    with pytest.raises(ArticleError) as refused:
        parse_article("\n".join(lines) + "\n", CONFIG, filename="a.md")
    message = refused.value.text(translator("en"))
    assert "at line" in message
    assert "\n" not in message


def test_a_javascript_link_is_shown_as_its_text() -> None:
    page = (
        "<html><body><article><h1>Title</h1><p>Read <a href='javascript:alert(1)'>this "
        "part</a> now, as the lead of the article says at some length here.</p></article>"
        "</body></html>"
    )
    posts = segment(parse_article(page, CONFIG, filename="a.html"), CONFIG)
    text = " ".join(post.html for post in posts)
    assert "Read this part now" in text
    assert "javascript" not in text


def test_lessons_numbered_past_999_are_lessons_and_a_cut_lesson_is_not_renumbered() -> None:
    numbered = "Title line\n\nLead.\n\nKey lessons:\n" + "".join(
        f"{n}. Lesson {n} says something.\n" for n in (998, 999, 1000, 1001)
    )
    posts = segment(parse_article(numbered, CONFIG, filename="a.txt"), CONFIG)
    assert sum(len(post.lessons) for post in posts) == 4
    long_lesson = "Title line\n\nLead.\n\nKey lessons:\n1. " + "word " * 300 + "end.\n"
    posts = segment(parse_article(long_lesson, CONFIG, filename="a.txt"), CONFIG)
    lesson_posts = [post for post in posts if "word" in post.text]
    assert len(lesson_posts) > 1
    opening = [post.text.splitlines()[0] for post in lesson_posts]
    assert opening[0].startswith("1. word")
    assert all(line.startswith("… word") for line in opening[1:])
