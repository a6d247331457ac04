"""Moderation, comment-log exports and privacy, end to end through the emulator."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.logs import configure_logging
from db.models import AuditEntry, Comment, CommentReaction, PollAnswer, User
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN
from tests.harness import Harness, running_harness


async def _discussed(h: Harness) -> dict[str, Any]:
    """The sample published, with a small known discussion under its first post."""
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import news")
    await h.pump()
    await h.command("/publish 1 now 1m")
    await h.run_until_idle()
    posts = h.channel_posts()
    ann = h.world.add_user("Ann", "Lee", "ann")["id"]
    bob = h.world.add_user("Bob")["id"]
    first = h.world.comment(ann, h.channel_id, posts[0]["message_id"], "=SUM(A1:A9) is my point")
    reply = h.world.reply(bob, h.group_id, first["message_id"], "+1 agreed")
    h.world.edit(ann, h.group_id, first["message_id"], "=SUM(A1:A9) is my point, edited")
    lesson_comment = h.world.comment(bob, h.channel_id, posts[4]["message_id"], "2. true")
    spam = h.world.comment(bob, h.channel_id, posts[0]["message_id"], "buy now")
    await h.pump()
    return {
        "posts": posts,
        "ann": ann,
        "bob": bob,
        "first": first,
        "reply": reply,
        "lesson_comment": lesson_comment,
        "spam": spam,
    }


def _document(h: Harness, chat_id: int) -> tuple[str, bytes]:
    message = h.world.messages(chat_id)[-1]
    assert "document" in message, message
    stored = h.world.files[message["document"]["file_id"]]
    return message["document"]["file_name"], stored.content


async def test_hide_and_ban_by_moderator_refused_for_others(tmp_path: Path) -> None:
    async with running_harness(tmp_path, moderators=[]) as h:
        d = await _discussed(h)
        stranger = h.world.add_user("Sam")["id"]
        h.world.reply(stranger, h.group_id, d["spam"]["message_id"], "/hide spam")
        await h.pump()
        # A stranger's command is a comment like any other: no public answer.
        assert h.world.messages(h.group_id)[-1]["from"]["id"] == stranger
        assert d["spam"]["message_id"] in h.world.chats[h.group_id].messages
        moderator = h.world.add_user("Mod")["id"]
        h.world.send_private(h.admin_id, f"/grant moderator {moderator}")
        await h.pump()
        # An operator may name someone the bot has not seen yet by id.
        assert h.world.messages(h.admin_id)[-1]["text"] == (
            f"id {moderator} is now a moderator of news."
        )

        def menu_of(user_id: int) -> list[str]:
            scope = [{"type": "chat", "chat_id": user_id}, ""]  # English, that chat only
            key = next(k for k in h.world.commands if json.loads(k) == scope)
            return [entry["command"] for entry in h.world.commands[key]]

        # The new moderator's menu shows the moderators' commands at once.
        assert "export" in menu_of(moderator)
        assert "publish" not in menu_of(moderator)
        # Someone the bot has seen is named, not just numbered; admin is not granted here.
        answer = (await h.command(f"/grant moderator {d['ann']}"))[0]
        assert answer == "Ann Lee (@ann) is now a moderator of news."
        refused = (await h.command(f"/grant admin {d['ann']}"))[0]
        assert refused.startswith("Only the moderator role is granted here.")
        await h.command(f"/revoke moderator {d['ann']}")
        h.world.reply(moderator, h.group_id, d["spam"]["message_id"], "/hide spam")
        await h.pump()
        assert d["spam"]["message_id"] not in h.world.chats[h.group_id].messages  # deleted there
        async with h.sessions() as session:
            hidden = await session.scalar(
                select(Comment).where(Comment.message_id == d["spam"]["message_id"])
            )
            assert hidden is not None
            assert hidden.hidden
            assert hidden.hidden_reason == "spam"
        h.world.reply(moderator, h.group_id, d["reply"]["message_id"], "/ban trolling")
        await h.pump()
        assert h.world.chats[h.group_id].banned == {d["bob"]}
        from bot.emulator.world import ReaderError

        with pytest.raises(ReaderError):
            h.world.comment(d["bob"], h.channel_id, d["posts"][0]["message_id"], "again")
        h.world.send_private(moderator, "/audit")
        await h.pump()
        audit = h.world.messages(moderator)[-1]["text"]
        # Stamped by the bot's clock (the test's), like everything else it records, and
        # shown in the channel's zone, named so nobody misreads it.
        berlin = h.clock.now().astimezone(ZoneInfo("Europe/Berlin"))
        stamps = [line.split(" · ")[0] for line in audit.splitlines()[1:]]
        assert stamps
        assert all(
            stamp.startswith(f"{berlin:%Y-%m-%d}") and stamp.endswith("(Europe/Berlin, UTC+1)")
            for stamp in stamps
        ), stamps
        assert "hide" in audit
        assert "ban" in audit
        assert "trolling" in audit
        assert "only moderators" in (await h.command("/audit", stranger))[0]
        assert "Sorry" in (await h.command(f"/grant moderator {stranger}", stranger))[0]
        await h.command(f"/revoke moderator {moderator}")
        assert menu_of(moderator) == ["start", "help", "mydata", "forget", "quote"]
        h.world.reply(moderator, h.group_id, d["first"]["message_id"], "/hide")
        await h.pump()
        assert d["first"]["message_id"] in h.world.chats[h.group_id].messages
        async with h.sessions() as session:
            actions = (await session.scalars(select(AuditEntry.action))).all()
        assert actions.count("grant") == 2
        assert actions.count("revoke") == 2


async def test_csv_export_field_by_field_privately_only(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        h.world.reply(h.admin_id, h.group_id, d["spam"]["message_id"], "/hide spam")
        await h.pump()
        stranger = h.world.add_user("Sam")["id"]
        assert "only moderators" in (await h.command("/export", stranger))[0]
        # Asked in the group: the log goes to the private chat, never to the group.
        h.world.reply(h.admin_id, h.group_id, d["first"]["message_id"], "/export news csv")
        await h.pump()
        assert h.world.messages(h.group_id)[-1]["text"].startswith(
            "I am sending the log to you in a private chat"
        )
        assert not any("document" in m for m in h.world.messages(h.group_id))
        name, content = _document(h, h.admin_id)
        assert h.world.messages(h.admin_id)[-1]["caption"] == (
            "Comment log · channel news · all dates · CSV · hidden comments left out · 3 comments"
        )
        assert name == "comments.csv"
        assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert [r["text"] for r in rows] == [
            "'=SUM(A1:A9) is my point, edited",
            "'+1 agreed",
            "2. true",
        ]
        first, reply, on_lesson = rows
        # Joinable with Telegram: the group's own message ids, the comment answered (none
        # for a comment on the post itself), the channel post that opened the thread, and
        # the link "Copy link" gives under a public channel's post.
        assert (first["group_id"], first["message_id"]) == (
            str(h.group_id),
            str(d["first"]["message_id"]),
        )
        assert first["reply_to_message_id"] == ""
        assert reply["reply_to_message_id"] == str(d["first"]["message_id"])
        post_id = d["posts"][0]["message_id"]
        assert first["post_message_id"] == reply["post_message_id"] == str(post_id)
        assert (
            first["link"] == f"https://t.me/news_test/{post_id}?comment={d['first']['message_id']}"
        )
        # As a spreadsheet user joins the log to the channel's posts: each row finds one.
        channel_posts = {str(m["message_id"]): m for m in h.world.messages(h.channel_id)}
        assert all(row["post_message_id"] in channel_posts for row in rows)
        assert (
            channel_posts[on_lesson["post_message_id"]]["message_id"]
            == (d["posts"][4]["message_id"])
        )
        # UTC and the channel's zone (Europe/Berlin, UTC+1 in November) for the same moment.
        utc = datetime.fromisoformat(first["time_utc"])
        local = datetime.fromisoformat(first["time_local"])
        assert first["time_utc"].endswith("Z")
        assert first["time_local"].endswith("+01:00")
        assert utc == local
        assert local.hour == (utc.hour + 1) % 24
        assert (first["channel"], first["article_id"], first["post"], first["lesson"]) == (
            "news",
            "1",
            "1",
            "",
        )
        assert first["author_id"] == str(d["ann"])
        assert first["author_name"] == "Ann Lee (@ann)"
        assert (first["edited"], first["edit_count"], first["hidden"]) == ("true", "1", "false")
        assert (on_lesson["post"], on_lesson["lesson"]) == ("5", "2")
        assert {row["erased"] for row in rows} == {"false"}
        assert {row["unhidden"] for row in rows} == {"false"}
        await h.command("/export csv hidden")
        _, with_hidden = _document(h, h.admin_id)
        assert b"buy now" in with_hidden
        assert h.world.messages(h.admin_id)[-1]["caption"] == (
            "Comment log · all channels · all dates · CSV · hidden comments included · 4 comments"
        )


async def test_export_marks_erased_comments_and_links_a_public_group(tmp_path: Path) -> None:
    """A private channel with a public discussion group: links go to the group."""
    async with running_harness(tmp_path, group_username="news_chat", channel_username=None) as h:
        d = await _discussed(h)
        await h.command("/forget", d["bob"])
        asked = h.world.messages(d["bob"])[-1]
        h.world.click(d["bob"], d["bob"], asked["message_id"], "Yes, delete")
        await h.pump()
        await h.command("/export jsonl 2026-11-01 2026-11-30")
        _, lines = _document(h, h.admin_id)
        records = [json.loads(line) for line in lines.decode().splitlines()]
        by_text = {record["text"]: record for record in records}
        kept = by_text["=SUM(A1:A9) is my point, edited"]
        assert kept["erased"] is False
        assert kept["author_id"] == d["ann"]
        assert kept["link"] == f"https://t.me/news_chat/{d['first']['message_id']}"
        erased = [record for record in records if record["erased"]]
        # Bob's reply, his lesson comment and his "buy now": in their places, marked.
        assert [(r["text"], r["author_id"], r["author_name"]) for r in erased] == [
            ("", None, None)
        ] * 3
        assert next(r["reply_to_message_id"] for r in erased) == d["first"]["message_id"]
        assert h.world.messages(h.admin_id)[-1]["caption"].startswith(
            "Comment log · all channels · 2026-11-01 – 2026-11-30 (UTC) · JSONL · "
        )


async def test_export_errors_say_what_was_wrong_and_change_nothing(tmp_path: Path) -> None:
    async with running_harness(tmp_path, extra_channels=1) as h:
        d = await _discussed(h)
        before = len(h.world.messages(h.admin_id))
        answer = (await h.command("/export telegram-json"))[0]
        assert answer.startswith(
            "The telegram-json format is one chat: name one channel (news, news2)."
        )
        assert "Example: /export news 2026-11-01 2026-11-07 csv" in answer
        assert (await h.command("/export 2026-13-01"))[0].startswith("2026-13-01 is not a date")
        assert (await h.command("/export sports"))[0].startswith(
            "I do not understand sports. Channels here: news, news2."
        )
        assert (await h.command("/export 99"))[0].startswith("There is no article 99.")
        assert (await h.command("/export 2026-11-07 2026-11-01"))[0].startswith(
            "The last day comes before the first."
        )
        assert not any("document" in m for m in h.world.messages(h.admin_id)[before:])
        # Malformed in the group: the command disappears there, the reason comes privately.
        group_before = len(h.world.messages(h.group_id))
        wrong = h.world.reply(h.admin_id, h.group_id, d["first"]["message_id"], "/export sports")
        await h.pump()
        assert wrong["message_id"] not in h.world.chats[h.group_id].messages
        assert len(h.world.messages(h.group_id)) == group_before
        assert h.world.messages(h.admin_id)[-1]["text"].startswith("I do not understand sports.")
        # A Russian moderator reads the errors and the caption in Russian, counts declined.
        olga = h.world.add_user("Olga", language_code="ru")["id"]
        await h.command(f"/grant moderator {olga} news")
        assert (await h.command("/export 2026-13-01", olga))[0].startswith(
            "«2026-13-01» — не дата: пишите ГГГГ-ММ-ДД"
        )
        await h.command("/export news", olga)
        assert h.world.messages(olga)[-1]["caption"] == (
            "Журнал комментариев · канал news · за всё время · CSV · "
            "без скрытых комментариев · 4 комментария"
        )


async def test_json_and_jsonl_exports_nest_threads_with_history_and_polls(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        poll = next(m for m in d["posts"] if "poll" in m)
        h.world.vote(d["ann"], h.channel_id, poll["message_id"], [0])
        await h.pump()
        await h.command("/export json")
        name, content = _document(h, h.admin_id)
        data = json.loads(content)
        assert name == "comments.json"
        thread = data["threads"][0]
        assert (thread["post"], thread["channel"]) == (1, "news")
        top = thread["comments"][0]
        assert top["text"].startswith("=SUM")  # JSON is data: no spreadsheet guard needed
        assert [e["previous_text"] for e in top["edits"]] == ["=SUM(A1:A9) is my point"]
        assert [r["text"] for r in top["replies"]] == ["+1 agreed"]
        assert len(data["polls"]) == 6
        assert data["polls"][0]["results"]["Agree"] == 1
        await h.command("/export jsonl")
        _, lines = _document(h, h.admin_id)
        records = [json.loads(line) for line in lines.decode().splitlines()]
        assert len(records) == 4
        assert records[1]["reply_to_message_id"] == d["first"]["message_id"]


def _read_desktop_export(data: dict[str, Any]) -> list[dict[str, Any]]:
    """How readers of Telegram Desktop's result.json take it: messages of type "message",
    the text either a string or a list of strings and {"type", "text"} parts, the date
    from date_unixtime, the author from "from" / "from_id"."""
    read = []
    for message in data["messages"]:
        if message["type"] != "message":
            continue
        text = message["text"]
        if isinstance(text, list):
            text = "".join(part if isinstance(part, str) else part["text"] for part in text)
        assert text == "".join(entity["text"] for entity in message["text_entities"])
        read.append(
            {
                "id": message["id"],
                "when": datetime.fromtimestamp(int(message["date_unixtime"]), UTC),
                "local": datetime.fromisoformat(message["date"]),
                "author": message["from"],
                "author_id": message["from_id"],
                "reply_to": message.get("reply_to_message_id"),
                "text": text,
                "poll": message.get("poll"),
            }
        )
    return read


async def test_telegram_json_export_reads_like_a_desktop_export(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        poll = next(m for m in d["posts"] if "poll" in m)
        h.world.vote(d["ann"], h.channel_id, poll["message_id"], [0])
        h.world.reply(h.admin_id, h.group_id, d["spam"]["message_id"], "/hide spam")
        await h.pump()
        await h.command("/export telegram-json")
        name, content = _document(h, h.admin_id)
        assert name == "result.json"
        assert h.world.messages(h.admin_id)[-1]["caption"] == (
            "Comment log · channel news · all dates · Telegram Desktop JSON · "
            "hidden comments left out · 3 comments"
        )
        data = json.loads(content)
        assert set(data) == {"name", "type", "id", "messages"}
        assert (data["name"], data["type"]) == ("News chat", "private_supergroup")
        assert data["id"] == int(str(h.group_id).removeprefix("-100"))
        for message in data["messages"]:
            assert {"id", "type", "date", "date_unixtime", "from", "from_id", "text"} <= set(
                message
            )
            assert isinstance(message["date_unixtime"], str)
        messages = _read_desktop_export(data)
        assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)
        by_id = {m["id"]: m for m in messages}
        group = h.world.chats[h.group_id].messages
        # Every message is the group's own, under its Telegram id, with its text.
        for message in messages:
            assert message["id"] in group
        ann = next(m for m in messages if m["text"].startswith("=SUM"))
        assert (ann["author"], ann["author_id"]) == ("Ann Lee", f"user{d['ann']}")
        assert ann["local"] == ann["when"].astimezone(ZoneInfo("Europe/Berlin")).replace(
            tzinfo=None
        )
        # Replies find what they answer: a comment, or the channel's post in the group.
        reply = next(m for m in messages if m["text"] == "+1 agreed")
        assert by_id[reply["reply_to"]] is ann
        post = by_id[ann["reply_to"]]
        assert post["author"] == "News"
        assert post["author_id"].startswith("channel")
        assert post["text"] == group[post["id"]]["text"]
        polls = [m["poll"] for m in messages if m["poll"]]
        assert polls
        assert polls[0]["answers"][0]["voters"] == 1
        assert "buy now" not in [m["text"] for m in messages]  # hidden, so left out


async def test_large_export_is_compressed(tmp_path: Path) -> None:
    async with running_harness(tmp_path, export={"upload_limit_bytes": 1000}) as h:
        d = await _discussed(h)
        for number in range(30):
            h.world.comment(
                d["ann"], h.channel_id, d["posts"][1]["message_id"], f"long comment {number} " * 5
            )
        await h.pump()
        await h.command("/export csv")
        name, content = _document(h, h.admin_id)
        assert name == "comments.csv.gz"
        assert gzip.decompress(content).decode("utf-8-sig").count("long comment 29 ") == 5


async def test_auto_hide_rules_hide_and_tell_moderators(tmp_path: Path) -> None:
    async with running_harness(
        tmp_path, moderation={"blocked_words": ["casino"], "block_links": True}
    ) as h:
        d = await _discussed(h)
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        bad = h.world.comment(
            d["ann"], h.channel_id, d["posts"][0]["message_id"], "Best Casino here"
        )
        link = h.world.comment(
            d["ann"], h.channel_id, d["posts"][0]["message_id"], "see https://x.example"
        )
        fine = h.world.comment(d["ann"], h.channel_id, d["posts"][0]["message_id"], "casinos? no")
        await h.pump()
        shown = h.world.chats[h.group_id].messages
        assert bad["message_id"] not in shown
        assert link["message_id"] not in shown
        assert fine["message_id"] in shown
        notices = [
            m["text"] for m in h.world.messages(h.admin_id) if m.get("text", "").startswith("🛡")
        ]
        assert len(notices) == 2
        assert "blocked word: casino" in notices[0]
        async with h.sessions() as session:
            reasons = (
                await session.scalars(select(Comment.hidden_reason).where(Comment.hidden))
            ).all()
        assert sorted(reason or "" for reason in reasons) == [
            "auto: blocked word: casino",
            "auto: link",
        ]


async def test_mydata_and_forget_end_to_end(tmp_path: Path) -> None:
    async with running_harness(tmp_path, channel_extra={"companion_polls": True}) as h:
        d = await _discussed(h)
        companion = next(
            m
            for m in h.world.messages(h.group_id)
            if "poll" in m and not m.get("is_automatic_forward")
        )
        h.world.vote(d["ann"], h.group_id, companion["message_id"], [1])
        h.world.react(d["ann"], h.group_id, d["reply"]["message_id"], "🔥")
        await h.pump()
        await h.command("/quote on", d["ann"])
        await h.command("/mydata", d["ann"])
        name, content = _document(h, d["ann"])
        mine = json.loads(content)
        assert name == "my-data.json"
        assert mine["user"]["username"] == "ann"
        assert mine["user"]["may_be_named_in_summaries"] is True
        assert [r["reactions"] for r in mine["reactions_to_comments"]] == [["🔥"]]
        assert [c["text"] for c in mine["comments"]] == ["=SUM(A1:A9) is my point, edited"]
        assert mine["votes"][0]["options"] == [1]
        question = (await h.command("/forget", d["ann"]))[0]
        assert "cannot be undone" in question
        asked = h.world.messages(d["ann"])[-1]
        h.world.click(d["ann"], d["ann"], asked["message_id"], "Yes, delete")
        await h.pump()
        assert h.world.messages(d["ann"])[-1]["text"].startswith("Done: 1 comment erased")
        async with h.sessions() as session:
            user = await session.get(User, d["ann"])
            assert user is not None
            assert user.forgotten
            assert user.first_name == ""
            assert user.username is None
            texts = (await session.scalars(select(Comment.text).order_by(Comment.id))).all()
            assert texts[0] == ""
            assert await session.scalar(select(func.count()).select_from(Comment)) == 4
            assert await session.scalar(select(func.count()).select_from(PollAnswer)) == 0
            assert await session.scalar(select(func.count()).select_from(CommentReaction)) == 0
            assert user.quote_consent is None
        await h.command("/export csv")
        _, content = _document(h, h.admin_id)
        assert b"=SUM" not in content
        assert b"Ann" not in content
        await h.command("/forget", d["bob"])
        h.world.click(d["bob"], d["bob"], h.world.messages(d["bob"])[-1]["message_id"], "Cancel")
        await h.pump()
        assert h.world.messages(d["bob"])[-1]["text"] == "Nothing was deleted."


async def test_retention_erases_old_texts_keeps_counts(tmp_path: Path) -> None:
    async with running_harness(tmp_path, privacy={"retention_days": 30}) as h:
        d = await _discussed(h)
        h.clock.advance(timedelta(days=31))
        h.world.comment(d["ann"], h.channel_id, d["posts"][0]["message_id"], "still fresh")
        await h.pump()
        await h.newsbot.tick()
        async with h.sessions() as session:
            rows = (await session.execute(select(Comment.text, Comment.erased_at))).all()
        # The four old comments are blanked and marked; the young one keeps its words.
        assert sorted(text for text, _ in rows) == ["", "", "", "", "still fresh"]
        assert [text for text, erased in rows if erased is not None] == ["", "", "", ""]


async def test_logs_at_debug_never_contain_the_token(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG", (TEST_TOKEN,))
    try:
        async with running_harness(tmp_path) as h:
            await _discussed(h)
            h.world.chats[h.channel_id].admins[h.world.bot_id]["can_post_messages"] = False
            h.world.send_document(h.admin_id, "b.txt", b"Other\nText here.", caption="/import")
            await h.pump()
            await h.command("/publish 2 now")
            await h.newsbot.tick()  # fails: logged with the error
            logging.getLogger("test").debug("a URL %s", f"http://x/bot{TEST_TOKEN}/getMe")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    captured = capfd.readouterr()
    assert "DEBUG" in captured.err
    assert "post" in captured.err
    assert TEST_TOKEN not in captured.err
    assert TEST_TOKEN not in captured.out
    assert "<token>" in captured.err


async def test_hide_confirmed_privately_and_unhide_restores_it_in_the_export(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        group_before = len(h.world.messages(h.group_id))
        h.world.reply(h.admin_id, h.group_id, d["spam"]["message_id"], "/hide spam")
        await h.pump()
        assert len(h.world.messages(h.group_id)) == group_before - 1, "comment and command gone"
        confirmation = h.world.messages(h.admin_id)[-1]["text"]
        assert confirmation.startswith("Hidden: a comment by Bob: «buy now». Undo: /unhide ")
        await h.command("/export csv")
        _, content = _document(h, h.admin_id)
        assert b"buy now" not in content
        undo = confirmation.rsplit(" ", 1)[-1]
        assert "back in my records" in (await h.command(f"/unhide {undo}"))[0]
        await h.command("/export csv")
        _, content = _document(h, h.admin_id)
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        # Shown again, and the log says both: not hidden now, hidden once.
        shown_again = {row["text"]: (row["hidden"], row["unhidden"]) for row in rows}
        assert shown_again["buy now"] == ("false", "true")
        assert shown_again["'+1 agreed"] == ("false", "false")  # a guarded cell
        assert "no hidden comment" in (await h.command(f"/unhide {undo}"))[0]


async def test_a_malformed_moderation_command_leaves_no_public_trace(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        before = [m["message_id"] for m in h.world.messages(h.group_id)]
        h.world.comment(h.admin_id, h.channel_id, d["posts"][0]["message_id"], "/hide")
        await h.pump()
        assert [m["message_id"] for m in h.world.messages(h.group_id)] == before
        told = h.world.messages(h.admin_id)[-1]["text"]
        assert told == "Send /hide or /ban in reply to the comment you mean."


async def test_ban_confirmed_privately_and_unban_lets_them_back(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        h.world.send_private(h.admin_id, "/start")
        h.world.reply(h.admin_id, h.group_id, d["spam"]["message_id"], "/ban")
        await h.pump()
        assert h.world.chats[h.group_id].banned == {d["bob"]}
        confirmation = h.world.messages(h.admin_id)[-1]["text"]
        assert confirmation.endswith(f"Undo: /unban {d['bob']}")
        stranger = h.world.add_user("Sam")["id"]
        assert "only moderators" in (await h.command(f"/unban {d['bob']}", stranger))[0]
        assert h.world.chats[h.group_id].banned == {d["bob"]}
        answer = (await h.command(f"/unban {d['bob']}"))[0]
        assert answer == "Bob may write in the discussion groups of news again."
        assert h.world.chats[h.group_id].banned == set()
        h.world.comment(d["bob"], h.channel_id, d["posts"][0]["message_id"], "I am back")


async def test_export_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        config = tmp_path / "cli.toml"
        config.write_text(
            f'token = "{TEST_TOKEN}"\n'
            f'database_url = "{h.config.database_url}"\n'
            f'[[channels]]\nchat = {h.channel_id}\nname = "news"\n',
            encoding="utf-8",
        )
        out = tmp_path / "result.json"

        def export(*options: str) -> int:
            return main(["export", "--config", str(config), "--out", str(out), *options])

        assert await asyncio.to_thread(export, "--format", "telegram-json", "--hidden") == 0
        printed = capsys.readouterr().out
        assert printed == (
            "Comment log · channel news · all dates · Telegram Desktop JSON · "
            f"hidden comments included · 4 comments: written to {out}\n"
        )
        messages = _read_desktop_export(json.loads(out.read_text(encoding="utf-8")))
        assert d["first"]["message_id"] in [m["id"] for m in messages]
        out.unlink()
        assert await asyncio.to_thread(export, "--since", "2026-13-01") == 2
        assert "2026-13-01 is not a date" in capsys.readouterr().err
        assert await asyncio.to_thread(export, "--article", "7") == 2
        assert "There is no article 7." in capsys.readouterr().err
        assert not out.exists()  # a refused export writes nothing


async def test_telegram_json_export_has_desktops_media_polls_and_links(tmp_path: Path) -> None:
    """Media in Desktop's words with its note for files it did not download, polls with
    ``closed`` and each answer's ``chosen``, addresses as ``link`` entities; and a
    maintained third-party reader of Desktop exports (chatpack) reads the file back."""
    import chatpack

    async with running_harness(tmp_path) as h:
        d = await _discussed(h)
        post = d["posts"][0]
        forward = h.world.discussion_thread(h.channel_id, post["message_id"])[1]
        reader = h.world.add_user("Vera", "Voice", "vera")
        h.world.comment(
            d["bob"], h.channel_id, post["message_id"], "read https://example.org/a now"
        )
        h.world.comment(d["bob"], h.channel_id, post["message_id"], photo_caption="a chart")
        media = {
            "voice": {"file_id": "v1", "file_unique_id": "u1", "duration": 3},
            "video_note": {"file_id": "n1", "file_unique_id": "u2", "length": 240, "duration": 2},
            "document": {"file_id": "d1", "file_unique_id": "u3", "file_name": "notes.pdf"},
        }
        for number, (kind, body) in enumerate(media.items()):
            h.world.deliver_raw_update(
                {
                    "message": {
                        "message_id": 80_000 + number,
                        "date": int(h.clock.now().timestamp()),
                        "chat": h.world.chats[h.group_id].public(),
                        "from": reader,
                        "message_thread_id": forward["message_id"],
                        "reply_to_message": forward,
                        kind: body,
                    }
                }
            )
        await h.pump()
        await h.command("/export telegram-json")
        _name, content = _document(h, h.admin_id)
        data = json.loads(content)
        by_kind = {
            (m.get("media_type"), "photo" in m, "file" in m): m
            for m in data["messages"]
            if "file" in m or "photo" in m
        }
        note = "(File not included. Change data exporting settings to download.)"
        assert by_kind[("voice_message", False, True)]["file"] == note
        assert by_kind[("video_message", False, True)]["file"] == note
        assert by_kind[(None, False, True)]["file"] == note  # a document: a file, no media_type
        assert by_kind[(None, True, False)]["photo"] == note
        linked = next(m for m in data["messages"] if "text_entities" in m and any(
            e["type"] == "link" for e in m["text_entities"]))  # fmt: skip
        assert linked["text"] == [
            "read ",
            {"type": "link", "text": "https://example.org/a"},
            " now",
        ]
        poll = next(m["poll"] for m in data["messages"] if "poll" in m)
        assert set(poll) == {"question", "closed", "total_voters", "answers"}
        assert poll["closed"] is False
        assert all(set(a) == {"text", "voters", "chosen"} for a in poll["answers"])
        exported = tmp_path / "result.json"
        exported.write_bytes(content)
        read_back = await asyncio.to_thread(chatpack.parse_telegram, str(exported))
        said = {(m.sender, m.content) for m in read_back}
        assert ("Bob", "read https://example.org/a now") in said
        assert ("Ann Lee", "=SUM(A1:A9) is my point, edited") in said


def test_the_export_usage_names_a_channel_the_moderator_has() -> None:
    from bot.export.request import usage
    from bot.i18n import translator

    assert "Example: /export sports 2026-11-01" in usage(translator("en"), ["sports", "news"])
    assert "Например: /export спорт 2026-11-01" in usage(translator("ru"), ["спорт"])
