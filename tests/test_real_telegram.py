"""The bot against a Telegram as strict as the real one: rights checked, changes noticed, and
admins told in words they can act on."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli import main
from db.models import Article, AuditEntry, Comment
from tests.conftest import SAMPLE_ARTICLE
from tests.harness import Harness, running_harness


async def _import(h: Harness) -> None:
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
    await h.pump()


def _titles(h: Harness) -> list[str]:
    return [
        m.get("text", "")
        for m in h.channel_posts()
        if m.get("text", "").startswith("Everything Russia's allies")
    ]


def _told(h: Harness, words: str) -> list[str]:
    return [m["text"] for m in h.world.messages(h.admin_id) if words in m.get("text", "")]


def _config_file(h: Harness, tmp_path: Path) -> Path:
    path = tmp_path / "doctor.toml"
    path.write_text(
        f'token = "{h.config.token.get_secret_value()}"\n'
        f'api_base_url = "{h.server.base_url}"\n'
        f"admins = [{h.admin_id}]\n"
        f'database_url = "{h.config.database_url}"\n'
        f'[[channels]]\nchat = {h.channel_id}\nname = "news"\n',
        encoding="utf-8",
    )
    return path


async def test_plain_member_with_privacy_on_doctor_names_the_fix_and_nothing_posts_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_harness(tmp_path, privacy_mode=True, bot_in_group="member") as h:
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        config = _config_file(h, tmp_path)
        assert await asyncio.to_thread(main, ["--config", str(config), "doctor"]) == 1
        lines = capsys.readouterr().out.splitlines()
        [group_line] = [line for line in lines if "discussion group" in line]
        assert group_line.startswith("FAIL channel news: discussion group")
        assert "plain member with privacy mode on and sees no comment" in group_line
        assert "Fix: add @newsbot_emulated_bot to the discussion group as an administrator" in (
            group_line
        )
        assert any(line.startswith("ok   channel news: post") for line in lines)
        # At start-up the admins were told the same, in words they can act on.
        assert _told(h, "I no longer see the discussion group of news")
        # A send that times out cannot be confirmed by a forward the bot never sees: it is
        # counted as posted, never sent twice, and the admins are asked to check.
        await _import(h)
        h.server.faults.timeout_seconds = 3.0
        await h.command("/publish 1 now 1m")
        h.server.faults.plan("timeout", "sendMessage", after_effect=True)
        await h.newsbot.tick()
        await h.run_until_idle()
        assert len(_titles(h)) == 1
        assert len(h.channel_posts()) == 15
        assert _told(h, "timed out and I cannot see whether it arrived")


async def test_removed_from_the_channel_mid_article_pauses_tells_and_resumes(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        h.world.send_private(h.admin_id, "/start")
        await _import(h)
        await h.command("/publish 1 now 10m")
        await h.newsbot.tick()
        await h.pump()
        assert len(h.channel_posts()) == 1
        h.world.remove_member(h.channel_id, h.world.bot_id, by=h.admin_id)
        await h.pump()
        [notice] = _told(h, "I cannot post in news")
        assert "the bot is not in the channel" in notice
        assert "Articles paused: 1" in notice
        h.clock.advance(timedelta(hours=3))
        await h.run_until_idle()
        assert len(h.channel_posts()) == 1, "nothing is sent to a channel the bot left"
        status = (await h.command("/status"))[-1]
        assert "Paused by me: the bot is not in the channel" in status
        assert "cannot post in news" in (await h.command("/resume 1"))[0]
        h.world.promote(h.channel_id, h.world.bot_id, by=h.admin_id)
        await h.pump()
        assert _told(h, "I can post in news again")
        assert (await h.command("/resume 1"))[0].startswith("Resumed: 1")
        await h.run_until_idle()
        posts = h.channel_posts()
        assert len(posts) == 15
        assert len({m.get("text") or m["poll"]["question"] for m in posts}) == 15


async def test_relinked_discussion_group_mid_article_collects_comments_there(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        reader = h.world.add_user("Ann")["id"]
        await _import(h)
        await h.command("/publish 1 now 10m")
        await h.newsbot.tick()
        await h.pump()
        first = h.channel_posts()[0]
        h.world.comment(reader, h.channel_id, first["message_id"], "in the old group")
        await h.pump()
        new_group = h.world.create_group("News talk", owner_id=h.admin_id)
        h.world.link_discussion(h.channel_id, new_group)
        h.clock.advance(timedelta(minutes=10))
        await h.newsbot.tick()
        await h.pump()
        second = h.channel_posts()[1]
        h.world.comment(reader, h.channel_id, second["message_id"], "in the new group")
        reply_to = h.world.messages(new_group)[-1]
        h.world.reply(reader, new_group, reply_to["message_id"], "a reply there")
        await h.pump()
        async with h.sessions() as session:
            stored = (await session.scalars(select(Comment).order_by(Comment.id))).all()
        assert [(c.text, c.chat_id) for c in stored] == [
            ("in the old group", h.group_id),
            ("in the new group", new_group),
            ("a reply there", new_group),
        ]
        assert stored[1].segment_id != stored[0].segment_id


async def _discussed(h: Harness) -> tuple[int, dict[str, Any]]:
    await h.publish_sample()
    reader = h.world.add_user("Ann")["id"]
    first = h.channel_posts()[0]
    comment = h.world.comment(reader, h.channel_id, first["message_id"], "an old comment")
    await h.pump()
    return reader, comment


async def test_hide_of_a_three_day_old_comment_hides_it_in_newsbot_and_says_so(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        h.world.send_private(h.admin_id, "/start")
        _reader, comment = await _discussed(h)
        h.clock.advance(timedelta(days=3))
        h.world.reply(h.admin_id, h.group_id, comment["message_id"], "/hide off-topic")
        await h.pump()
        assert comment["message_id"] in h.world.chats[h.group_id].messages, "Telegram keeps it"
        async with h.sessions() as session:
            stored = await session.scalar(select(Comment))
            assert stored is not None
            assert stored.hidden
            assert stored.hidden_reason == "off-topic"
        [told] = _told(h, "Telegram keeps the message visible")
        assert "48 hours" in told
        await h.command("/export csv")
        export = h.world.messages(h.admin_id)[-1]
        assert b"an old comment" not in h.world.files[export["document"]["file_id"]].content


async def test_an_automatic_rule_whose_delete_fails_still_stores_marks_and_tells(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path, moderation={"blocked_words": ["casino"]}) as h:
        h.world.send_private(h.admin_id, "/start")
        await h.publish_sample()
        h.world.promote(h.group_id, h.world.bot_id, can_delete_messages=False)
        await h.pump()
        reader = h.world.add_user("Spammer")["id"]
        spam = h.world.comment(reader, h.channel_id, h.channel_posts()[0]["message_id"], "casino!")
        await h.pump()
        assert spam["message_id"] in h.world.chats[h.group_id].messages
        async with h.sessions() as session:
            stored = await session.scalar(select(Comment))
            assert stored is not None
            assert stored.hidden
            assert stored.hidden_reason == "auto: blocked word: casino"
        [told] = _told(h, "Hidden automatically")
        assert "Telegram would not delete it" in told


async def test_a_channel_persona_spammer_is_banned_as_a_chat(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await h.publish_sample()
        owner = h.world.add_user("Spam owner")["id"]
        persona, _ = h.world.create_channel("Cheap stuff", owner_id=owner, with_discussion=False)
        first = h.channel_posts()[0]
        spam = h.world.comment(owner, h.channel_id, first["message_id"], "buy", as_chat=persona)
        await h.pump()
        h.world.reply(h.admin_id, h.group_id, spam["message_id"], "/ban spam")
        await h.pump()
        assert persona in h.world.chats[h.group_id].banned_senders
        assert spam["message_id"] not in h.world.chats[h.group_id].messages
        async with h.sessions() as session:
            bans = (
                await session.scalars(select(AuditEntry).where(AuditEntry.action == "ban"))
            ).all()
        assert [b.target for b in bans] == [f"chat:{persona}"]


async def test_a_ban_is_recorded_even_when_the_delete_fails(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        reader, comment = await _discussed(h)
        h.clock.advance(timedelta(days=3))
        h.world.reply(h.admin_id, h.group_id, comment["message_id"], "/ban troll")
        await h.pump()
        assert reader in h.world.chats[h.group_id].banned
        async with h.sessions() as session:
            actions = (await session.scalars(select(AuditEntry.action))).all()
            hidden = await session.scalar(select(Comment.hidden))
        assert "ban" in actions
        assert hidden is True


async def test_a_channel_admin_writing_as_the_channel_is_a_moderator(tmp_path: Path) -> None:
    async with running_harness(tmp_path, admins=[]) as h:
        _reader, comment = await _discussed(h)
        h.world.reply(h.admin_id, h.group_id, comment["message_id"], "/hide", as_chat=h.channel_id)
        await h.pump()
        assert comment["message_id"] not in h.world.chats[h.group_id].messages
        async with h.sessions() as session:
            assert await session.scalar(select(Comment.hidden)) is True
            assert await session.scalar(select(Article.id)) == 1


async def test_a_russian_admin_is_told_in_russian(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        h.world.users[h.admin_id]["language_code"] = "ru"
        h.world.send_private(h.admin_id, "/start")
        await _import(h)
        await h.command("/publish 1 now 10m")
        h.world.promote(h.channel_id, h.world.bot_id, can_post_messages=False)
        await h.pump()
        texts = [m.get("text", "") for m in h.world.messages(h.admin_id)]

        [notice] = [text for text in texts if text.startswith("Я не могу публиковать")]
        assert notice.startswith("Я не могу публиковать в news: бот — администратор без права")
        assert "Приостановлены статьи: 1" in notice


async def test_a_network_fault_while_checking_rights_changes_nothing(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        h.world.send_private(h.admin_id, "/start")
        await _import(h)
        await h.command("/publish 1 now 10m")
        h.server.faults.plan("5xx", "getChat")
        h.clock.advance(timedelta(minutes=6))  # the periodic re-check meets the fault
        await h.newsbot.tick()
        await h.pump()
        assert not _told(h, "I cannot post")
        status = (await h.command("/status"))[-1]
        assert "paused" not in status
        await h.run_until_idle()
        assert len(h.channel_posts()) == 15


def test_both_telegram_connections_verify_certificates_through_one_context(
    config_data: dict[str, Any],
) -> None:
    """The long poll and the requests share one TLS context (each copy holds every
    trusted authority, 0.8 MiB of an idle bot), and sharing weakens neither: both check
    the certificate and the host name, as httpx does by default."""
    import ssl

    from telegram.ext import ContextTypes

    from bot.config import config_from_mapping
    from bot.telegram.client import build_application

    application = build_application(
        config_from_mapping(config_data),
        poll_timeout=30,
        request_timeout=10.0,
        context_types=ContextTypes(),
    )
    contexts = [
        request._client._transport._pool._ssl_context for request in application.bot._request
    ]
    assert len(contexts) == 2
    assert contexts[0] is contexts[1]
    assert contexts[0].verify_mode == ssl.CERT_REQUIRED
    assert contexts[0].check_hostname


def test_telegram_answers_are_read_as_python_telegram_bot_reads_them() -> None:
    """msgspec reads Telegram's JSON; what it refuses is read as python-telegram-bot
    reads it: bad UTF-8 replaced, NaN taken, anything else an "Invalid server response"."""
    import math

    from telegram.error import TelegramError

    from bot.telegram.client import TelegramRequest

    read = TelegramRequest.parse_json_payload
    answer = b'{"ok":true,"result":[{"update_id":7,"message":{"text":"\xc3\xa9 \\u2014"}}]}'
    assert read(answer) == {"ok": True, "result": [{"update_id": 7, "message": {"text": "é —"}}]}
    assert read(b'{"ok":true,"result":"\xff"}') == {"ok": True, "result": "\ufffd"}
    assert math.isnan(read(b'{"ok":true,"result":NaN}')["result"])
    with pytest.raises(TelegramError, match="Invalid server response"):
        read(b"<html>502 Bad Gateway</html>")
