"""Real update samples from other projects' fixtures, replayed through the emulator and the
inbox: nothing crashes, only what python-telegram-bot truly cannot read is set aside, and votes
in older Bot API shapes count."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot, Update

from bot.inbox import BatchReader
from bot.telegram.update_shapes import normalise_update
from db.models import Channel, Comment, InboxUpdate, Poll, PollAnswer
from tests.harness import running_harness

CORPUS = json.loads(
    (Path(__file__).parent / "fixtures" / "real_updates.json").read_text(encoding="utf-8")
)
SAMPLES: list[dict[str, Any]] = CORPUS["samples"]


def test_the_corpus_covers_the_shapes_that_crashed_the_bot() -> None:
    kinds = [next(iter(sample["update"])) for sample in SAMPLES]
    assert len(SAMPLES) >= 62
    assert all("@" in sample["origin"] and ":" in sample["origin"] for sample in SAMPLES)
    older = [s for s in SAMPLES if s["older_shape"]]
    assert {next(iter(s["update"])) for s in older} >= {"poll", "poll_answer", "message"}
    answers = [s["update"]["poll_answer"] for s in SAMPLES if "poll_answer" in s["update"]]
    assert any("voter_chat" in a and "user" not in a for a in answers), "a vote cast by a chat"
    assert any(a["option_ids"] == [] for a in answers), "a retracted vote"
    messages = [s["update"]["message"] for s in SAMPLES if kinds[SAMPLES.index(s)] == "message"]
    for field in ("poll", "dice", "forum_topic_created", "sticker", "photo"):
        assert any(field in m for m in messages), field


def test_the_batch_reader_reads_every_sample_as_python_telegram_bot_does() -> None:
    """The batch reader shares one parsed post among a batch's comments through
    python-telegram-bot's private ``_unfrozen``; this fails the day that stops giving
    exactly what ``Update.de_json`` gives (older shapes made current alike), or a handler
    would see a cut post."""
    bot = Bot("123:abc")
    reader = BatchReader(bot)
    threaded = 0
    for number, sample in enumerate(SAMPLES * 2):  # a second round: posts from the cache
        payload = {"update_id": number, **copy.deepcopy(sample["update"])}
        try:
            expected = Update.de_json(normalise_update(copy.deepcopy(payload)), bot)
        except (TypeError, ValueError, KeyError):  # a shape python-telegram-bot refuses
            with pytest.raises((TypeError, ValueError, KeyError)):
                reader.read(payload)
            continue
        assert reader.read(payload).to_dict() == expected.to_dict()
        message = expected.message or expected.edited_message
        threaded += bool(message and message.reply_to_message)
    assert threaded >= 2


async def test_every_sample_is_handled_or_quarantined_never_a_crash(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await h.publish_sample()
        ids = {h.world.deliver_raw_update(sample["update"]): sample for sample in SAMPLES}
        await h.pump()
        async with h.sessions() as session:
            rows = {
                row.update_id: row
                for row in (
                    await session.scalars(
                        select(InboxUpdate).where(InboxUpdate.update_id.in_(list(ids)))
                    )
                ).all()
            }
        assert set(rows) == set(ids), "every sample stored before it is handled"
        set_aside = {i for i, row in rows.items() if row.quarantined_at is not None}
        unreadable = {i for i, sample in ids.items() if sample["unreadable"]}
        wrongly = [ids[i]["origin"] for i in set_aside - unreadable]
        assert wrongly == [], f"readable samples quarantined: {wrongly}"
        unhandled = [ids[i]["origin"] for i in set(ids) - set_aside if rows[i].processed_at is None]
        assert unhandled == []
        for i in set_aside:
            assert rows[i].error, ids[i]["origin"]
        # Still running: a comment after the corpus is stored.
        posts = h.channel_posts()
        h.world.comment(h.admin_id, h.channel_id, posts[0]["message_id"], "after the corpus")
        await h.pump()
        async with h.sessions() as session:
            last = await session.scalar(select(Comment).order_by(Comment.id.desc()).limit(1))
        assert last is not None
        assert last.text == "after the corpus"


async def test_votes_in_older_shapes_count(tmp_path: Path) -> None:
    async with running_harness(tmp_path, channel_extra={"companion_polls": True}) as h:
        await h.publish_sample()
        async with h.sessions() as session:
            polls = list((await session.scalars(select(Poll).order_by(Poll.id))).all())
        channel_poll = next(p for p in polls if not p.companion)
        companion = next(p for p in polls if p.companion)
        older_polls = [s["update"]["poll"] for s in SAMPLES if "poll" in s["update"]]
        older_polls = [
            p for p in older_polls if all("persistent_id" not in o for o in p["options"])
        ]
        assert older_polls, "the corpus holds a poll without persistent ids"
        sample = copy.deepcopy(older_polls[0])
        sample["id"] = channel_poll.telegram_poll_id
        sample["options"] = sample["options"][: len(channel_poll.options)]
        expected = [option["voter_count"] for option in sample["options"]]
        h.world.deliver_raw_update({"poll": sample})
        answers = [
            s["update"]["poll_answer"]
            for s in SAMPLES
            if "poll_answer" in s["update"]
            and "option_persistent_ids" not in s["update"]["poll_answer"]
        ]
        by_user = [a for a in answers if "user" in a and "voter_chat" not in a]
        by_chat = [a for a in answers if "voter_chat" in a]
        assert by_user
        assert by_chat
        for answer in by_user + by_chat:
            retargeted = {**copy.deepcopy(answer), "poll_id": companion.telegram_poll_id}
            retargeted["option_ids"] = [i for i in retargeted["option_ids"] if i < 2]
            h.world.deliver_raw_update({"poll_answer": retargeted})
        await h.pump()
        async with h.sessions() as session:
            stored_poll = await session.get(Poll, channel_poll.id)
            assert stored_poll is not None
            assert stored_poll.counts == expected
            named = (
                await session.scalars(select(PollAnswer).where(PollAnswer.poll_id == companion.id))
            ).all()
            quarantined = (
                await session.scalars(
                    select(InboxUpdate).where(InboxUpdate.quarantined_at.is_not(None))
                )
            ).all()
        assert quarantined == []
        assert len(named) == len(by_user), "each user's vote (and retraction) is kept"


async def test_readers_polls_dice_and_stories_in_a_thread_are_comments(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        forward = h.world.discussion_thread(h.channel_id, posts[0]["message_id"])[1]
        messages = [s["update"]["message"] for s in SAMPLES if "message" in s["update"]]
        kinds: dict[str, dict[str, Any]] = {}
        for field in ("poll", "dice", "forum_topic_created"):
            kinds[field] = next(
                m
                for m in messages
                if field in m
                and not next(s for s in SAMPLES if s["update"].get("message") is m)["unreadable"]
            )
        reader = h.world.add_user("Ann")
        for number, (field, sample) in enumerate(kinds.items(), start=1):
            comment = copy.deepcopy(sample)
            comment.update(
                {
                    "message_id": 90_000 + number,
                    "chat": h.world.chats[h.group_id].public(),
                    "from": reader,
                    "message_thread_id": forward["message_id"],
                }
            )
            if field == "forum_topic_created":
                comment.pop("is_topic_message", None)
            h.world.deliver_raw_update({"message": comment})
        await h.pump()
        async with h.sessions() as session:
            stored = (await session.scalars(select(Comment).order_by(Comment.id))).all()
        assert [c.media_kind for c in stored] == ["poll", "dice"], "a service message is no comment"


async def test_a_comment_is_read_without_its_posts_text_which_stays_stored(
    tmp_path: Path,
) -> None:
    """Every comment carries the whole channel post it answers; the inbox reads the post's
    id, origin and poll but not its text again, and keeps the update as Telegram sent it."""
    async with running_harness(tmp_path) as h:
        await h.publish_sample()
        post = h.channel_posts()[0]
        first = h.world.comment(h.admin_id, h.channel_id, post["message_id"], "first")
        assert first["reply_to_message"]["is_automatic_forward"] is True
        assert first["reply_to_message"]["text"]  # the post, as Telegram sends it
        reply = h.world.reply(h.admin_id, h.group_id, first["message_id"], "a reply")
        await h.pump()
        async with h.sessions() as session:
            stored = {c.text: c for c in (await session.scalars(select(Comment))).all()}
            raw = (await session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id))).all()
        assert stored["first"].segment_id is not None  # found its thread through the post
        assert stored["a reply"].reply_to_message_id == first["message_id"]
        kept = [row.payload["message"] for row in raw if "message" in row.payload]
        comment = next(m for m in kept if m.get("text") == "first")
        assert comment["reply_to_message"]["text"] == first["reply_to_message"]["text"]
        reader = BatchReader(h.newsbot.parts.application.bot)
        read = reader.read({"update_id": 1, "message": comment}).message
        assert read is not None
        assert read.reply_to_message is not None
        assert read.text == "first"
        # A handler reading the post sees it whole, as python-telegram-bot alone reads it.
        assert read.reply_to_message.text == comment["reply_to_message"]["text"]
        whole = Update.de_json({"update_id": 1, "message": comment}, reader._bot)
        assert whole is not None
        assert read.to_dict() == whole.message.to_dict()
        assert read.reply_to_message.is_automatic_forward
        assert read.reply_to_message.forward_origin is not None
        assert (
            read.reply_to_message.forward_origin.chat.id  # type: ignore[attr-defined]
            == comment["reply_to_message"]["forward_origin"]["chat"]["id"]
        )
        assert comment["reply_to_message"]["text"]  # the update was read, not changed
        # The post is read once a batch, yet each comment carries it as its update had it:
        # the same post edited between two comments reads as each comment saw it.
        edited = copy.deepcopy(comment)
        edited["message_id"] += 1000
        edited["reply_to_message"]["date"] += 60
        again = reader.read({"update_id": 2, "message": edited}).message
        once_more = reader.read({"update_id": 3, "message": comment}).message
        assert again is not None
        assert again.reply_to_message is not None
        assert once_more is not None
        assert once_more.reply_to_message is not None
        assert again.message_id == comment["message_id"] + 1000
        assert again.reply_to_message.date != read.reply_to_message.date
        assert once_more.reply_to_message.date == read.reply_to_message.date
        answered = next(m for m in kept if m.get("text") == "a reply")
        assert answered["reply_to_message"]["text"] == "first"
        assert reply["message_id"] == answered["message_id"]


# The my_chat_member shapes the last two years of Bot API versions sent: what the bot is
# told of its own rights is read, whatever the shape, not set aside until the next check.
_NEWER_RESTRICTED_FIELDS = (
    "can_edit_tag", "can_react_to_messages", "can_send_audios", "can_send_documents",
    "can_send_photos", "can_send_videos", "can_send_video_notes", "can_send_voice_notes",
    "can_manage_topics",
)  # fmt: skip
_NEWER_ADMINISTRATOR_FIELDS = ("can_post_stories", "can_edit_stories", "can_delete_stories")


def _older(event: dict[str, Any]) -> dict[str, Any]:
    """The same change as an older server sends it: the newer rights left out."""
    older = copy.deepcopy(event)
    for member in (older["old_chat_member"], older["new_chat_member"]):
        if member["status"] == "restricted":
            for field in _NEWER_RESTRICTED_FIELDS:
                member.pop(field, None)
            member["can_send_media_messages"] = False
        if member["status"] == "administrator":
            for field in _NEWER_ADMINISTRATOR_FIELDS:
                member.pop(field, None)
    return older


@pytest.mark.parametrize("shape", ["current", "older"])
async def test_the_bot_restricted_and_promoted_again_in_its_group_is_read(
    tmp_path: Path, shape: str
) -> None:
    async with running_harness(tmp_path, privacy_mode=True) as h:
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        bot, group = h.world.bot_id, h.group_id

        async def visible() -> bool:
            async with h.sessions() as session:
                channel = await session.scalar(select(Channel))
                assert channel is not None
                return bool(channel.discussion_visible)

        changes: list[tuple[Callable[[], dict[str, Any]], bool]] = [
            (lambda: h.world.restrict(group, bot, can_send_messages=True), False),
            (lambda: h.world.promote(group, bot), True),
            (lambda: h.world.remove_member(group, bot), False),
        ]
        for change, seen in changes:
            event = change()
            if shape == "older":
                h.world.updates.pop()  # Telegram's newer shape, taken back...
                h.world.deliver_raw_update({"my_chat_member": _older(event)})  # ...sent older
            await h.pump()
            assert await visible() is seen, event["new_chat_member"]["status"]
        async with h.sessions() as session:
            set_aside = await session.scalar(
                select(InboxUpdate).where(InboxUpdate.quarantined_at.is_not(None))
            )
        assert set_aside is None
        told = [m.get("text", "") for m in h.world.messages(h.admin_id)]
        assert any("I no longer see the discussion group" in text for text in told)


def test_the_corpus_holds_chat_member_changes_in_older_shapes() -> None:
    changes = [s for s in SAMPLES if "my_chat_member" in s["update"]]
    statuses = {s["update"]["my_chat_member"]["new_chat_member"]["status"] for s in changes}
    assert statuses >= {"kicked", "administrator", "restricted"}
    assert all(sample["license"] == "MIT" for sample in SAMPLES), "only what we may ship"
