"""What editors and readers see of an article: structure, lessons, posts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram.constants import MessageLimit, PollLimit

from bot.articles.errors import ArticleError
from bot.articles.lessons import poll_question
from bot.articles.loader import decode_article, parse_article
from bot.articles.segmenter import Post, segment
from bot.config import ArticleConfig
from bot.telegram.html import utf16_length, validate_message
from db.models import SegmentKind
from tests.conftest import SAMPLE_ARTICLE

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = ArticleConfig()


def _posts(text: str, settings: ArticleConfig = SETTINGS, **kwargs: str) -> list[Post]:
    return segment(parse_article(text, settings, **kwargs), settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample_posts() -> list[Post]:
    return _posts(SAMPLE_ARTICLE.read_text(encoding="utf-8"))


def test_sample_opens_with_bold_headline_and_lead(sample_posts: list[Post]) -> None:
    first = sample_posts[0]
    assert first.kind is SegmentKind.TITLE
    assert first.html.startswith(
        "<b>Everything Russia's allies need to know about the security guarantees "
        "provided by Moscow.</b>\n\n“Assad has fallen."
    )


def test_sample_sections_and_order(sample_posts: list[Post]) -> None:
    kinds = [post.kind for post in sample_posts]
    assert len(sample_posts) == 9
    assert kinds.count(SegmentKind.LESSONS) == 2
    assert [post.position for post in sample_posts] == list(range(9))
    # Each section heading appears in bold, once, in the article's order.
    headings = [
        "Why is a “romance with Putin” no longer possible?",
        "Parallels with Ukraine: war and betrayal",
        "Impact on the Middle East",
        "Ukraine and Israel: common challenges",
    ]
    joined = "\n".join(post.html for post in sample_posts)
    positions = [joined.index(f"<b>{heading}</b>") for heading in headings]
    assert positions == sorted(positions)
    # Progress marks number every post.
    assert all(post.text.endswith(f"({post.position + 1}/9)") for post in sample_posts)


def test_sample_has_exactly_the_six_lessons(sample_posts: list[Post]) -> None:
    lessons = [lesson for post in sample_posts for lesson in post.lessons]
    assert [lesson.text for lesson in lessons] == [
        "Russia's unreliability: After the Russian military left Tartus and Khmeimim, it "
        "became clear that Moscow could not provide long-term support to its partners.",
        "Risks of diplomacy with an aggressor: Israel, trying to improve relations with "
        "Russia, risks losing the support of democratic countries.",
        "Parallels with Ukraine: As in the case of Crimea and Donbass, Russia has "
        "demonstrated that its actions lead to destruction and loss of stability.",
        "You shouldn’t rely on the Kremlin’s promises—they always turn into disasters.",
        "An international coalition is the only path to security.",
        "Cooperation with the aggressor undermines the trust of allies and leads to isolation.",
    ]
    # Every lesson fits a poll whole, so the question is the lesson itself.
    assert all(lesson.question == lesson.text for lesson in lessons)
    lesson_posts = [post for post in sample_posts if post.kind is SegmentKind.LESSONS]
    assert lesson_posts[0].html.startswith("<b>Key lessons for Israel:</b>\n1. <b>Russia")
    assert lesson_posts[1].html.startswith("<b>Direct lessons from Ukraine for Israel:</b>\n1. ")
    assert all(len(post.lessons) == 3 for post in lesson_posts)


def test_ordinary_list_quote_and_table_render_for_a_phone(sample_posts: list[Post]) -> None:
    joined = "\n".join(post.html for post in sample_posts)
    assert "Events in Syria are similar to the Ukrainian scenario:\n• Moscow's promises:" in joined
    assert (
        "<blockquote>“The fall of Assad is not just the collapse of one regime, it is a signal "
        "to all of Russia’s allies that its promises are a trap leading to disaster.”</blockquote>"
    ) in joined
    assert (
        "<b>Russian losses in Syria</b>\n<i>Losses — Description</i>\n"
        "<b>Military bases</b> — Loss of Tartus and Khmeimim, evacuation of the fleet and "
        "equipment\n<b>Political influence</b> — Breaking agreements with the opposition, "
        "revising international agreements\n<b>Guarantor's reputation</b> — Complete failure to "
        "protect its ally, weakening trust in Moscow"
    ) in joined
    assert "|" not in joined
    assert "Quote:" not in joined
    assert "Table:" not in joined
    last = sample_posts[-1]
    assert last.kind is SegmentKind.QUOTE
    assert last.html.startswith("<blockquote>“Ukraine taught")


def test_boilerplate_dropped_or_kept_as_closing_post(sample_posts: list[Post]) -> None:
    assert not any("Leave a comment" in post.text for post in sample_posts)
    kept = _posts(SAMPLE_ARTICLE.read_text(encoding="utf-8"), ArticleConfig(keep_boilerplate=True))
    assert kept[-1].kind is SegmentKind.CLOSING
    assert kept[-1].text.startswith("Leave a comment on Telegram – channel NAnews ↓")


def test_every_sample_post_is_valid_telegram_html(sample_posts: list[Post]) -> None:
    for post in sample_posts:
        parsed = validate_message(post.html, limit=SETTINGS.max_length)
        assert parsed.text == post.text


def test_editor_overrides_which_lists_are_lessons() -> None:
    text = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    none = _posts("---\nlessons: none\n---\n" + text)
    assert sum(len(post.lessons) for post in none) == 0
    assert SegmentKind.LESSONS not in {post.kind for post in none}
    only_syria = _posts(text, lessons="2")
    lessons = [lesson.text for post in only_syria for lesson in post.lessons]
    assert len(lessons) == 3
    assert lessons[0].startswith("Moscow's promises")
    with pytest.raises(ArticleError, match="there is no list 7"):
        _posts(text, lessons="7")
    with pytest.raises(ArticleError, match="lessons: expected"):
        _posts(text, lessons="first")


def test_long_lesson_gets_its_lead_clause_as_question() -> None:
    long_lesson = "Russia's unreliability: " + "Moscow broke every promise it made. " * 12
    assert poll_question(long_lesson) == "Russia's unreliability"
    no_clause = "word " * 100
    question = poll_question(no_clause)
    assert utf16_length(question) <= PollLimit.MAX_QUESTION_LENGTH
    assert question.endswith("word…")  # cut between words, never inside one


def test_markdown_structure_nested_lists_rtl_and_emoji() -> None:
    posts = _posts((FIXTURES / "article.md").read_text(encoding="utf-8"), filename="article.md")
    joined = "\n".join(post.html for post in posts)
    assert posts[0].html.startswith("<b>Tariffs, </b><b><i>explained</i></b>")
    assert "what happened &amp; why it matters" in joined
    assert '<a href="https://example.org/more">link</a>' in joined
    assert "• A point with children: first child; second child" in joined
    lessons = [lesson.text for post in posts for lesson in post.lessons]
    assert lessons == [
        "Prices rise when tariffs rise, and importers pass the cost on to shoppers.",
        "Retaliation hurts exporters first.",
    ]
    # The header once, then each row: every word of the table, in reading order.
    assert "<i>Country — Tariff — Since</i>\n<b>Alpha</b> — 10%; 2024" in joined
    assert "<blockquote>A quote in a blockquote, by someone who knows.</blockquote>" in joined
    assert "זהו פסקה בעברית עם אימוג'י 🎉🎉" in joined
    # The first post, beside the title and lead, links to the original.
    assert posts[0].html.endswith('<a href="https://example.org/news/tariffs">Source</a>')
    assert "Source" not in posts[-1].text


def test_html_page_main_content_without_navigation_or_footer() -> None:
    page = (FIXTURES / "article.html").read_text(encoding="utf-8")
    posts = _posts(page, filename="article.html")
    joined = "\n".join(post.text for post in posts)
    assert posts[0].text.startswith("Harbour reopens after the storm")
    assert "Engineers rebuilt the northern pier." in joined
    assert "All rights reserved" not in joined
    assert "Sport" not in joined
    assert "הדייגים אמרו שהמזח החדש בטוח יותר 🎣" in joined
    lessons = [lesson.text for post in posts for lesson in post.lessons]
    assert lessons == [
        "Warnings must reach boat owners a day earlier.",
        "Spare parts should be stored away from the shore.",
    ]
    lesson_post = next(post for post in posts if post.lessons)
    assert lesson_post.text.startswith("Lessons for the next storm")


def test_endless_word_and_long_paragraphs_are_split_within_limits() -> None:
    settings = ArticleConfig(target_length=800, max_length=1000)
    blob = "x" * 10_000
    prose = " ".join(f"Sentence number {n} is here." for n in range(600))
    posts = _posts(f"# Title\n\nLead.\n\n## Blob\n\n{blob}\n\n## Prose\n\n{prose}\n", settings)
    for post in posts:
        assert utf16_length(post.text) <= 1000
        validate_message(post.html, limit=1000)
    assert "".join(re.findall(r"x+", " ".join(p.text for p in posts))) == blob
    prose_out = " ".join(post.text for post in posts if "Sentence" in post.text)
    # Prose is cut between sentences: every piece starts a sentence.
    starts = [post.text for post in posts if "Sentence" in post.text]
    assert all(text.removeprefix("Prose\n\n").startswith("Sentence") for text in starts)
    assert prose_out.count("is here.") == 600


def test_emoji_count_double_against_the_limit() -> None:
    settings = ArticleConfig(target_length=300, max_length=400, progress_marks=False)
    emoji_paragraph = "😀" * 600  # 600 characters, 1200 UTF-16 units
    posts = _posts(f"Title\n{emoji_paragraph}\n", settings)
    assert all(utf16_length(post.text) <= 400 for post in posts)
    assert sum(post.text.count("😀") for post in posts) == 600


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n\n  ", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("Заголовок\nТекст статьи.".encode("cp1251"), "not UTF-8 text"),
        (b"x" * 2_000_001, "over the 1,000,000-byte limit"),
    ],
)
def test_bad_input_gets_one_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        decode_article(data, SETTINGS, "upload.txt")


def test_document_without_text_is_refused() -> None:
    with pytest.raises(ArticleError, match="no article text"):
        parse_article("<html><body><nav>x</nav></body></html>", SETTINGS, filename="a.html")
    with pytest.raises(ArticleError, match=r"no article text|no title"):
        parse_article("---\nlessons: auto\n---\n", SETTINGS, filename="a.md")


def test_posts_fit_telegram_even_at_the_configured_maximum() -> None:
    settings = ArticleConfig(target_length=4096, max_length=4096)
    text = "Title\n" + "\n".join("A paragraph of some length. " * 40 for _ in range(20))
    posts = _posts(text, settings)
    assert all(utf16_length(p.text) <= MessageLimit.MAX_TEXT_LENGTH for p in posts)


@pytest.mark.parametrize(
    "line",
    [
        "Ждём в комментариях!",
        "Ждем ваше мнение в комментариях",
        "Комментарии ждём — пишите",
        "Пишите в комментариях, что думаете",
        "Оставьте комментарий под постом",
        "Подпишитесь на канал",
        "Tell us what you think in the comments",
    ],
)
def test_common_calls_to_comment_are_boilerplate(line: str) -> None:
    article = f"Ports and prices\n\nShipping costs rose again this week.\n\n{line}\n"
    posts = _posts(article)
    assert not any(line in post.text for post in posts)
    kept = _posts(article, ArticleConfig(keep_boilerplate=True))
    assert kept[-1].kind is SegmentKind.CLOSING
    assert kept[-1].text.startswith(line)


@pytest.mark.parametrize(
    "line",
    ["Комментарии экспертов разошлись.", "Share prices fell in the comments period."],
)
def test_ordinary_sentences_about_comments_stay(line: str) -> None:
    article = f"Ports and prices\n\nShipping costs rose again this week.\n\n{line}\n"
    assert any(line in post.text for post in _posts(article))


def test_a_source_that_is_not_a_web_address_is_not_linked() -> None:
    for source in ("javascript:alert(1)", "file:///etc/passwd", "tg://resolve?domain=x"):
        text = f"---\nsource: {source}\n---\nTitle\n\nThe article's only paragraph.\n"
        posts = segment(parse_article(text, ArticleConfig()), ArticleConfig(), "en")
        assert "<a " not in posts[0].html, source
        assert "Source" not in posts[0].text
