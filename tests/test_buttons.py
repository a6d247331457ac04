"""The admin's buttons, end to end: import -> preview -> publish now; cancel with a
confirmation; an article picked from /articles; buttons that are stale or not yours."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.conftest import SAMPLE_ARTICLE
from tests.harness import Harness, running_harness


def _labels(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def _imported(h: Harness) -> dict[str, object]:
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
    await h.pump()
    answer = h.world.messages(h.admin_id)[-1]
    assert _labels(answer) == ["Preview", "Publish now", "Schedule…"]
    return answer


async def test_import_preview_then_publish_now(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        imported = await _imported(h)
        h.world.click(h.admin_id, h.admin_id, int(str(imported["message_id"])), "Preview")
        await h.pump()
        shown = h.world.messages(h.admin_id)
        last = shown[-1]
        assert str(last["text"]).startswith("Preview of article 1 in news, not scheduled yet")
        assert _labels(last) == ["◀", "1/15", "▶", "Publish now", "Schedule…"]
        assert h.channel_posts() == [], "a preview posts nothing"
        h.world.click(h.admin_id, h.admin_id, last["message_id"], "Publish now")
        await h.pump()
        assert "Article 1 is scheduled on news" in h.world.messages(h.admin_id)[-1]["text"]
        await h.run_until_idle()
        assert len(h.channel_posts()) == 15
        # The same button again: used once, it does nothing more.
        h.world.click(h.admin_id, h.admin_id, last["message_id"], "Publish now")
        await h.pump()
        assert len(h.channel_posts()) == 15


async def test_schedule_button_shows_examples_and_articles_are_buttons(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        imported = await _imported(h)
        h.world.click(h.admin_id, h.admin_id, int(str(imported["message_id"])), "Schedule…")
        await h.pump()
        assert "/publish 1 tomorrow 09:00 every 2h" in h.world.messages(h.admin_id)[-1]["text"]
        await h.command("/articles")
        listing = h.world.messages(h.admin_id)[-1]
        [label] = _labels(listing)
        assert label.startswith("1. Everything Russia's allies")
        h.world.click(h.admin_id, h.admin_id, listing["message_id"], label)
        await h.pump()
        picked = h.world.messages(h.admin_id)[-1]
        assert picked["text"].startswith("Already imported as article 1")
        assert _labels(picked) == ["Preview", "Publish now", "Schedule…"]


async def test_cancel_asks_first_and_keep_it_changes_nothing(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _imported(h)
        await h.command("/publish 1 12:00 1h")
        await h.command("/cancel 1")
        asked = h.world.messages(h.admin_id)[-1]
        assert _labels(asked) == ["Yes, cancel it", "Keep it"]
        h.world.click(h.admin_id, h.admin_id, asked["message_id"], "Keep it")
        await h.pump()
        assert h.world.chats[h.admin_id].messages[asked["message_id"]]["text"] == (
            "Nothing was cancelled."
        )
        assert "0/9 posts" in (await h.command("/status"))[0]


async def test_stale_and_foreign_buttons_are_refused(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        imported = await _imported(h)
        message_id = int(str(imported["message_id"]))
        stranger = h.world.add_user("Mal")["id"]
        markup = imported["reply_markup"]
        assert isinstance(markup, dict)
        publish_now = markup["inline_keyboard"][0][1]["callback_data"]
        h.world.press_button(stranger, h.admin_id, message_id, publish_now)
        h.clock.advance(timedelta(hours=2))
        h.world.click(h.admin_id, h.admin_id, message_id, "Publish now")
        await h.pump()
        await h.run_until_idle()
        assert h.channel_posts() == []
        assert "Nothing is scheduled" in (await h.command("/status"))[0]


async def test_articles_show_channel_and_state_and_offer_what_fits(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _imported(h)
        # The same title with other text: a second article the list must tell apart.
        again = SAMPLE_ARTICLE.read_bytes() + b"\n\nA paragraph added in the second version.\n"
        h.world.send_document(h.admin_id, "b.txt", again, caption="/import")
        await h.pump()
        await h.command("/publish 1 tomorrow 10:00")
        listing = (await h.command("/articles"))[0].splitlines()
        assert listing[0] == "Articles"
        second, first = listing[1], listing[2]  # newest first
        assert second.startswith("2. «Everything Russia's allies")
        assert " · news · not scheduled yet · imported 2026-11-23 " in second
        assert " · news · scheduled from 2026-11-24 10:00 (Europe/Berlin, UTC+1) · imported " in (
            first
        )
        message = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, message["message_id"], _labels(message)[1])
        await h.pump()
        picked = h.world.messages(h.admin_id)[-1]
        assert str(picked["text"]).endswith("news, from 2026-11-24 10:00 (Europe/Berlin, UTC+1)")
        assert _labels(picked) == ["Preview", "Reschedule…", "Pause", "Cancel…"]
        h.world.click(h.admin_id, h.admin_id, picked["message_id"], "Pause")
        await h.pump()
        assert h.world.messages(h.admin_id)[-1]["text"] == "Paused: 1"
        assert "paused, 0/9 out" in (await h.command("/articles"))[0]
        message = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, message["message_id"], _labels(message)[1])
        await h.pump()
        assert _labels(h.world.messages(h.admin_id)[-1]) == ["Preview", "Resume", "Cancel…"]
        h.world.click(
            h.admin_id, h.admin_id, h.world.messages(h.admin_id)[-1]["message_id"], "Cancel…"
        )
        await h.pump()
        assert _labels(h.world.messages(h.admin_id)[-1]) == ["Yes, cancel it", "Keep it"]
