"""HTML parse mode as Telegram reads it, checked against hand-written expectations (never
against the bot's own validator)."""

from __future__ import annotations

import pytest

from tests.emulator.raw import raw_emulator


async def test_text_and_entities_in_utf16_units_with_whitespace_trimmed() -> None:
    async with raw_emulator() as raw:
        channel_id, _ = raw.world.create_channel("News")
        sent = await raw.ok(
            "sendMessage",
            chat_id=channel_id,
            parse_mode="HTML",
            text='\n  😀 <b>bold <i>both</i></b> &lt;&amp;&gt; <a href="https://x.org/?a=1&amp;b=2">'
            "link</a>\n\n",
        )
        assert sent["text"] == "😀 bold both <&> link"
        assert sent["entities"] == [
            {"type": "bold", "offset": 3, "length": 9},
            {"type": "italic", "offset": 8, "length": 4},
            {"type": "text_link", "offset": 17, "length": 4, "url": "https://x.org/?a=1&b=2"},
        ]


async def test_pre_with_language_blockquote_and_spoiler() -> None:
    async with raw_emulator() as raw:
        channel_id, _ = raw.world.create_channel("News")
        sent = await raw.ok(
            "sendMessage",
            chat_id=channel_id,
            parse_mode="HTML",
            text='<pre><code class="language-python">x = 1</code></pre>'
            "<blockquote expandable>q</blockquote><tg-spoiler>s</tg-spoiler>",
        )
        assert sent["text"] == "x = 1qs"
        assert sent["entities"] == [
            {"type": "pre", "offset": 0, "length": 5, "language": "python"},
            {"type": "expandable_blockquote", "offset": 5, "length": 1},
            {"type": "spoiler", "offset": 6, "length": 1},
        ]


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>open", "Can't find end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("fish & chips", "Character '&' is reserved"),
        ("&nbsp;", "Character '&' is reserved"),
        ("a < b", "Unexpected character '<'"),
        ("a > b", "Character '>' is reserved"),
        ("<a>no href</a>", 'must have attribute "href"'),
        ('<b style="x">x</b>', 'Unsupported attribute "style"'),
        ("<br>", 'Unsupported start tag "br"'),
        ("<b> </b>", "message text is empty"),
    ],
)
async def test_refused_as_telegram_refuses(markup: str, description: str) -> None:
    async with raw_emulator() as raw:
        channel_id, _ = raw.world.create_channel("News")
        status, text = await raw.refused(
            "sendMessage", chat_id=channel_id, parse_mode="HTML", text=markup
        )
        assert status == 400
        assert description in text, text
        assert raw.world.chats[channel_id].messages == {}


async def test_length_counts_visible_utf16_units() -> None:
    async with raw_emulator() as raw:
        channel_id, _ = raw.world.create_channel("News")
        await raw.ok(
            "sendMessage", chat_id=channel_id, parse_mode="HTML", text="<b>" + "😀" * 2048 + "</b>"
        )
        status, text = await raw.refused("sendMessage", chat_id=channel_id, text="😀" * 2049)
        assert (status, text) == (400, "Bad Request: message is too long")
