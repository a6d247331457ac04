"""Moderation, comment-log exports and privacy, end to end through the emulator."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.export.log import neutralise
from bot.logs import configure_logging
from db.models import AuditEntry, Comment, PollAnswer, User
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN
from tests.harness import Harness, running_harness


async def _discussed(h: Harness) -> dict[str, Any]:
    """The sample published, with a small known discussion under its first post."""
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
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
        assert h.world.messages(h.admin_id)[-1]["text"] == f"{moderator} is now a moderator."
        # Someone the bot has seen is named, not just numbered; admin is not granted here.
        answer = (await h.command(f"/grant moderator {d['ann']}"))[0]
        assert answer == f"@ann ({d['ann']}) is now a moderator."
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
            assert hidden is not None and hidden.hidden and hidden.hidden_reason == "spam"
        h.world.reply(moderator, h.group_id, d["reply"]["message_id"], "/ban trolling")
        await h.pump()
        assert h.world.chats[h.group_id].banned == {d["bob"]}
        from bot.emulator.world import ReaderError

        with pytest.raises(ReaderError):
            h.world.comment(d["bob"], h.channel_id, d["posts"][0]["message_id"], "again")
        h.world.send_private(moderator, "/audit")
        await h.pump()
        audit = h.world.messages(moderator)[-1]["text"]
        assert "hide" in audit and "ban" in audit and "trolling" in audit
        assert "only moderators" in (await h.command("/audit", stranger))[0]
        assert "Sorry" in (await h.command(f"/grant moderator {stranger}", stranger))[0]
        await h.command(f"/revoke moderator {moderator}")
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
        assert name == "comments.csv" and content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert [r["text"] for r in rows] == [
            "'=SUM(A1:A9) is my point, edited",
            "'+1 agreed",
            "2. true",
        ]
        first, reply, on_lesson = rows
        assert first["time_utc"].endswith("Z") and first["time_utc"].startswith("2026-11-23T")
        assert (first["channel"], first["article_id"], first["segment_position"]) == (
            "news",
            "1",
            "1",
        )
        assert first["author_id"] == str(d["ann"]) and first["author_name"] == "Ann Lee (@ann)"
        assert (first["edited"], first["edit_count"], first["hidden"]) == ("True", "1", "False")
        assert reply["reply_to"] == str(d["first"]["message_id"])
        assert on_lesson["segment_position"] == "5" and on_lesson["lesson"] == "2"
        await h.command("/export csv hidden")
        _, with_hidden = _document(h, h.admin_id)
        assert b"buy now" in with_hidden


def test_formula_cells_are_neutralised() -> None:
    for cell in ("=1+1", "+1", "-1", "@SUM(1)", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    assert neutralise("plain") == "plain" and neutralise(5) == 5


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
        assert thread["segment_position"] == 1 and thread["channel"] == "news"
        top = thread["comments"][0]
        assert top["text"].startswith("=SUM")  # JSON is data: no spreadsheet guard needed
        assert [e["previous_text"] for e in top["edits"]] == ["=SUM(A1:A9) is my point"]
        assert [r["text"] for r in top["replies"]] == ["+1 agreed"]
        assert len(data["polls"]) == 6 and data["polls"][0]["results"]["Agree"] == 1
        await h.command("/export jsonl")
        _, lines = _document(h, h.admin_id)
        records = [json.loads(line) for line in lines.decode().splitlines()]
        assert len(records) == 4 and records[1]["reply_to"] == d["first"]["message_id"]


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
        assert bad["message_id"] not in shown and link["message_id"] not in shown
        assert fine["message_id"] in shown
        notices = [
            m["text"] for m in h.world.messages(h.admin_id) if m.get("text", "").startswith("🛡")
        ]
        assert len(notices) == 2 and "blocked word: casino" in notices[0]
        async with h.sessions() as session:
            reasons = (
                await session.scalars(select(Comment.hidden_reason).where(Comment.hidden))
            ).all()
        assert sorted(reasons) == ["auto: blocked word: casino", "auto: link"]


async def test_mydata_and_forget_end_to_end(tmp_path: Path) -> None:
    async with running_harness(tmp_path, channel_extra={"companion_polls": True}) as h:
        d = await _discussed(h)
        companion = next(
            m
            for m in h.world.messages(h.group_id)
            if "poll" in m and not m.get("is_automatic_forward")
        )
        h.world.vote(d["ann"], h.group_id, companion["message_id"], [1])
        await h.pump()
        await h.command("/mydata", d["ann"])
        name, content = _document(h, d["ann"])
        mine = json.loads(content)
        assert name == "my-data.json" and mine["user"]["username"] == "ann"
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
            assert (
                user is not None
                and user.forgotten
                and user.first_name == ""
                and user.username is None
            )
            texts = (await session.scalars(select(Comment.text).order_by(Comment.id))).all()
            assert (
                texts[0] == ""
                and await session.scalar(select(func.count()).select_from(Comment)) == 4
            )
            assert await session.scalar(select(func.count()).select_from(PollAnswer)) == 0
        await h.command("/export csv")
        _, content = _document(h, h.admin_id)
        assert b"=SUM" not in content and b"Ann" not in content
        await h.command("/forget", d["bob"])
        h.world.click(d["bob"], d["bob"], h.world.messages(d["bob"])[-1]["message_id"], "Cancel")
        await h.pump()
        assert h.world.messages(d["bob"])[-1]["text"] == "Nothing was deleted."


async def test_retention_erases_old_texts_keeps_counts(tmp_path: Path) -> None:
    async with running_harness(tmp_path, privacy={"retention_days": 30}) as h:
        await _discussed(h)
        h.clock.advance(timedelta(days=31))
        await h.newsbot.tick()
        async with h.sessions() as session:
            texts = set((await session.scalars(select(Comment.text))).all())
            assert (
                texts == {""}
                and await session.scalar(select(func.count()).select_from(Comment)) == 4
            )


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
    assert "DEBUG" in captured.err and "post" in captured.err
    assert TEST_TOKEN not in captured.err and TEST_TOKEN not in captured.out
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
        assert confirmation.startswith(
            f"Hidden: a comment by {d['bob']}: «buy now». Undo: /unhide "
        )
        await h.command("/export csv")
        _, content = _document(h, h.admin_id)
        assert b"buy now" not in content
        undo = confirmation.rsplit(" ", 1)[-1]
        assert "back in my records" in (await h.command(f"/unhide {undo}"))[0]
        await h.command("/export csv")
        _, content = _document(h, h.admin_id)
        assert b"buy now" in content
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
        assert answer == f"{d['bob']} may write in the discussion groups again."
        assert h.world.chats[h.group_id].banned == set()
        h.world.comment(d["bob"], h.channel_id, d["posts"][0]["message_id"], "I am back")
