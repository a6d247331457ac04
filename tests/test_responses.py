"""Reader responses end to end: comments, edits, votes and reactions land where they belong."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from db.models import (
    Comment,
    CommentEdit,
    CommentReaction,
    InboxUpdate,
    Lesson,
    Poll,
    PollAnswer,
    PollSnapshot,
    ReactionCount,
    Segment,
    User,
)
from tests.conftest import SAMPLE_ARTICLE
from tests.harness import Harness, running_harness


async def _published(h: Harness) -> list[dict]:  # type: ignore[type-arg]
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
    await h.pump()
    await h.command("/publish 1 now 1m")
    await h.run_until_idle()  # posted; polls still open
    return h.channel_posts()


async def test_comments_replies_edits_media_and_anonymous_admins(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await _published(h)
        title, lessons_post = posts[0], posts[4]
        ann = h.world.add_user("Ann", "Smith", "ann")["id"]
        bob = h.world.add_user("Bob")["id"]
        first = h.world.comment(ann, h.channel_id, title["message_id"], "Great <b>read</b> & more")
        h.world.reply(bob, h.group_id, first["message_id"], "Agreed")
        h.world.edit(ann, h.group_id, first["message_id"], "Great read, edited")
        h.world.comment(bob, h.channel_id, title["message_id"], None, photo_caption="A map")
        h.world.comment(ann, h.channel_id, title["message_id"], "anon", as_chat=h.group_id)
        h.world.comment(bob, h.channel_id, lessons_post["message_id"], "2. Diplomacy is risky")
        h.world.comment(bob, h.channel_id, lessons_post["message_id"], "All three, really")
        # Not ours: a human's channel post, and chatter outside any thread.
        human_post = h.world.post_in_channel(h.admin_id, h.channel_id, "From the editors")
        h.world.comment(ann, h.channel_id, human_post["message_id"], "ignored")
        h.world.post_in_group(ann, h.group_id, "off-topic")
        await h.pump()
        async with h.sessions() as session:
            comments = (await session.scalars(select(Comment).order_by(Comment.id))).all()
            segments = {s.id: s for s in (await session.scalars(select(Segment))).all()}
            lessons = {row.id: row for row in (await session.scalars(select(Lesson))).all()}
            assert [c.text for c in comments] == [
                "Great read, edited",
                "Agreed",
                "A map",
                "anon",
                "2. Diplomacy is risky",
                "All three, really",
            ]
            first_row, reply_row, photo, anonymous, on_lesson, general = comments
            assert first_row.segment_id is not None
            assert on_lesson.segment_id is not None
            assert segments[first_row.segment_id].position == 0
            assert first_row.user_id == ann
            assert first_row.edited_at is not None
            edits = (await session.scalars(select(CommentEdit))).all()
            assert [e.previous_text for e in edits] == ["Great <b>read</b> & more"]
            assert reply_row.reply_to_message_id == first["message_id"]
            assert (
                reply_row.thread_id
                == first_row.thread_id
                == segments[first_row.segment_id].discussion_thread_id
            )
            assert photo.media_kind == "photo"
            assert anonymous.user_id is None
            assert anonymous.sender_chat_id == h.group_id
            assert segments[on_lesson.segment_id].position == 4
            assert on_lesson.lesson_id is not None
            assert lessons[on_lesson.lesson_id].position == 1
            assert general.lesson_id is None
            assert general.segment_id == on_lesson.segment_id
            user = await session.get(User, ann)
            assert user is not None
            assert (user.first_name, user.last_name, user.username) == (
                "Ann",
                "Smith",
                "ann",
            )
        h.world.users[ann]["first_name"] = "Anne"
        h.world.comment(ann, h.channel_id, title["message_id"], "new name")
        await h.pump()
        async with h.sessions() as session:
            user = await session.get(User, ann)
            assert user is not None
            assert user.first_name == "Anne"


async def test_channel_poll_counts_with_snapshots_and_reactions(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await _published(h)
        poll_message = next(m for m in posts if "poll" in m)
        voters = [h.world.add_user(f"V{i}")["id"] for i in range(3)]
        h.world.vote(voters[0], h.channel_id, poll_message["message_id"], [0])
        h.world.vote(voters[1], h.channel_id, poll_message["message_id"], [0])
        h.world.vote(voters[2], h.channel_id, poll_message["message_id"], [2])
        h.world.vote(voters[2], h.channel_id, poll_message["message_id"], [])
        h.world.react(voters[0], h.channel_id, posts[0]["message_id"], "👍")
        h.world.react(voters[1], h.channel_id, posts[0]["message_id"], "👍")
        h.world.react(voters[2], h.channel_id, posts[0]["message_id"], "🔥")
        await h.pump()
        async with h.sessions() as session:
            early = (await session.execute(select(ReactionCount.reaction))).all()
        assert early == [], "Telegram reports reaction counts late"
        h.clock.advance(timedelta(seconds=h.world.reaction_count_delay))
        await h.pump()
        async with h.sessions() as session:
            poll = await session.scalar(
                select(Poll).where(Poll.message_id == poll_message["message_id"])
            )
            assert poll is not None
            assert poll.counts == [2, 0, 0]
            assert poll.total_voters == 2
            snapshots = (
                await session.scalars(select(PollSnapshot.counts).order_by(PollSnapshot.id))
            ).all()
            assert snapshots == [[1, 0, 0], [2, 0, 0], [2, 0, 1], [2, 0, 0]]
            reactions = dict(
                (await session.execute(select(ReactionCount.reaction, ReactionCount.count))).all()
            )
            assert reactions == {"👍": 2, "🔥": 1}


async def test_companion_polls_record_named_votes_changes_and_retractions(tmp_path: Path) -> None:
    async with running_harness(tmp_path, channel_extra={"companion_polls": True}) as h:
        await _published(h)
        companions = [
            m
            for m in h.world.messages(h.group_id)
            if "poll" in m and not m.get("is_automatic_forward")
        ]
        assert len(companions) == 6
        assert all(not m["poll"]["is_anonymous"] for m in companions)
        first = companions[0]
        assert first["reply_to_message"]["is_automatic_forward"]  # in the lesson post's thread
        ann = h.world.add_user("Ann")["id"]
        h.world.vote(ann, h.group_id, first["message_id"], [0])
        h.world.vote(ann, h.group_id, first["message_id"], [2])
        h.world.vote(ann, h.group_id, first["message_id"], [])
        comment = h.world.reply(ann, h.group_id, first["message_id"], "Why I changed my mind")
        await h.pump()
        async with h.sessions() as session:
            answers = (await session.scalars(select(PollAnswer).order_by(PollAnswer.id))).all()
            assert [(a.user_id, a.option_ids, a.retracted) for a in answers] == [
                (ann, [0], False),
                (ann, [2], False),
                (ann, [], True),
            ]
            stored = await session.scalar(
                select(Comment).where(Comment.message_id == comment["message_id"])
            )
            companion = await session.scalar(
                select(Poll).where(Poll.message_id == first["message_id"])
            )
            assert stored is not None
            assert companion is not None
            assert stored.lesson_id == companion.lesson_id  # a reply to a lesson's poll is about it
            # newsbot's own companion polls are not comments.
            assert await session.scalar(select(func.count()).select_from(Comment)) == 1


async def test_updates_delivered_twice_are_stored_and_handled_once(tmp_path: Path) -> None:
    async with running_harness(tmp_path, moderation={"blocked_words": ["casino"]}) as h:
        posts = await _published(h)
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        ann = h.world.add_user("Ann")["id"]
        h.world.comment(ann, h.channel_id, posts[0]["message_id"], "once, at the casino")
        h.world.send_private(ann, "/mydata")  # a command answered each time it is handled
        offset = h.newsbot.parts.inbox.offset
        await h.newsbot.parts.inbox.fetch(0)
        h.newsbot.parts.inbox.offset = offset  # as if the confirmation never reached Telegram
        await h.newsbot.parts.inbox.fetch(0)
        await h.newsbot.parts.inbox.process()
        await h.pump()
        async with h.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Comment)) == 1
        # Handled once: one answer to the command, one notice of the automatic rule.
        assert len([m for m in h.world.messages(ann) if "document" in m]) == 1
        notices = [
            m for m in h.world.messages(h.admin_id) if "Hidden automatically" in m.get("text", "")
        ]
        assert len(notices) == 1


async def test_start_tells_a_subscriber_what_is_stored(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        reader = h.world.add_user("Rita", language_code="ru")["id"]
        answer = (await h.command("/start", reader))[0]
        assert "/mydata" in answer
        assert "/forget" in answer
        english = h.world.add_user("Ed")["id"]
        assert "What I store about you" in (await h.command("/start", english))[0]


async def test_clean_restart_processes_nothing_twice(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await _published(h)
        ann = h.world.add_user("Ann")["id"]
        for number in range(20):
            h.world.comment(ann, h.channel_id, posts[0]["message_id"], f"c{number}")
        await h.pump()
        replies_before = len(h.world.messages(h.admin_id))
        await h.newsbot.stop()
        from bot.app import NewsBot

        h.newsbot = NewsBot(h.config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        await h.newsbot.start()
        await h.pump()
        async with h.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Comment)) == 20
            unprocessed = await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.processed_at.is_(None))
            )
            assert unprocessed == 0
        assert len(h.world.messages(h.admin_id)) == replies_before  # no command answered twice


async def test_reactions_to_comments_are_kept_per_person(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await _published(h)
        ann = h.world.add_user("Ann")["id"]
        bob = h.world.add_user("Bob")["id"]
        comment = h.world.comment(ann, h.channel_id, posts[0]["message_id"], "A point")
        thread_start = comment["reply_to_message"]["message_id"]
        h.world.react(bob, h.group_id, comment["message_id"], "👍")
        h.world.react(ann, h.group_id, comment["message_id"], "🔥")
        h.world.react(bob, h.group_id, comment["message_id"], "❤")  # changed, still one
        h.world.react(bob, h.group_id, thread_start, "👍")  # the channel's post: not a comment
        await h.pump()

        async def reactions() -> list[tuple[int, list[str]]]:
            async with h.sessions() as session:
                rows = await session.execute(
                    select(CommentReaction.reactor_id, CommentReaction.reactions).order_by(
                        CommentReaction.reactor_id
                    )
                )
                return [(reactor, list(items)) for reactor, items in rows]

        assert await reactions() == sorted([(bob, ["❤"]), (ann, ["🔥"])])
        h.world.react(ann, h.group_id, comment["message_id"], None)  # taken back
        await h.pump()
        assert await reactions() == [(bob, ["❤"])]
