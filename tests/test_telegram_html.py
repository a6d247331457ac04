from __future__ import annotations

import pytest

from bot.telegram.html import TelegramHTMLError, escape, utf16_length, validate_message


@pytest.mark.parametrize(
    "markup",
    [
        "<b>bold <i>and italic</i></b> &lt;tag&gt; &amp; &quot;",
        '<a href="https://example.org/?a=1&amp;b=2">link</a>',
        '<blockquote>quote</blockquote>\n<pre><code class="language-python">x</code></pre>',
        '<span class="tg-spoiler">secret</span> <tg-spoiler>also</tg-spoiler>',
    ],
)
def test_markup_telegram_accepts(markup: str) -> None:
    validate_message(markup)


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<div>block</div>", 'Unsupported start tag "div"'),
        ("<b>open", "Can't find end tag"),
        ("<b><i>crossed</b></i>", "Can't find end tag"),
        ("</b>", "Unmatched end tag"),
        ("fish & chips", "Character '&' is reserved"),
        ("&nbsp;", 'Unsupported entity "&nbsp;"'),
        ("<a>no href</a>", 'must have attribute "href"'),
        ('<b style="x">styled</b>', 'Unsupported attribute "style"'),
        ("<br/>", "Unsupported start tag"),
        ("   ", "message text is empty"),
    ],
)
def test_markup_telegram_rejects(markup: str, reason: str) -> None:
    with pytest.raises(TelegramHTMLError, match=reason):
        validate_message(markup)


def test_length_is_counted_after_entities_in_utf16_units() -> None:
    # Tags and entities do not count; the visible text does, emoji as two units.
    validate_message("<b>" + "a" * 4096 + "</b>")
    with pytest.raises(TelegramHTMLError, match="too long"):
        validate_message("a" * 4097)
    assert utf16_length("😀") == 2
    validate_message("😀" * 2048)
    with pytest.raises(TelegramHTMLError, match="too long"):
        validate_message("😀" * 2049)
    assert utf16_length(escape("<&>")) == len("&lt;&amp;&gt;")
    validate_message(escape("<&>") * 1365)  # 4095 visible characters
