"""The "Recurring themes" line of a lesson's digest: what several readers bring up."""

from __future__ import annotations

from bot.summaries.phrases import key_phrases


def test_themes_are_what_most_comments_share_with_inflections_joined() -> None:
    texts = [
        "Без сильной армии гарантии ничего не стоят.",
        "Всё решает армия, а не бумаги.",
        "Армией никто толком не управляет.",
        "Армия у нас одна.",
        "Я думаю, армия тут ни при чём: цены на газ растут.",
        "Цены на газ опять выросли!",
        "Согласен",
    ]
    themes = key_phrases(texts, "ru")
    # "армии", "армия", "армией" are one word in five comments, shown as most of them
    # spell it ("армия", three times), not as the latest comment does.
    assert themes[0] == "армия"
    assert {"цены", "газ"} <= set(themes)
    assert not {"я", "думаю", "не", "на", "а"} & set(themes)


def test_a_phrase_comes_before_its_own_words_and_they_are_not_repeated() -> None:
    texts = [
        "I really think security guarantees are empty words.",
        "Security guarantees helped nobody, as we all know.",
        "Allies keep their security guarantee only when it suits them.",
        "Agreed",
    ]
    assert key_phrases(texts, "en") == ["security guarantees"]


def test_between_spellings_as_common_the_plain_form_is_shown() -> None:
    texts = ["Guarantees are void.", "The guarantee is void.", "Nothing else."]
    assert key_phrases(texts, "en")[0] == "guarantee"


def test_one_comment_repeating_itself_is_not_a_theme() -> None:
    texts = ["Pipeline " * 40, "Taxes are too high.", "Taxes again!", "Nothing to add."]
    assert key_phrases(texts, "en") == ["taxes"]


def test_common_words_and_numbers_never_make_a_theme() -> None:
    texts = ["I think that it is what it is, 2024.", "I think so too, 2024", "Why would it be?"]
    assert key_phrases(texts, "en") == []


def test_a_handful_of_comments_has_no_themes() -> None:
    assert key_phrases(["Taxes!", "Taxes!"], "en") == []


def test_at_most_the_limit_most_shared_first() -> None:
    texts = [f"{a} and {b}" for a in ("budget", "schools", "doctors") for b in ("army", "roads")]
    texts += ["budget cuts", "budget again", "roads"]
    assert key_phrases(texts, "en", limit=2) == ["budget", "roads"]


def test_a_language_without_its_own_lists_is_read_as_english() -> None:
    texts = ["The border is closed.", "The border again", "Open the border"]
    assert key_phrases(texts, "de") == ["border"]
