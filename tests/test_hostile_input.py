"""What a hostile reader, a careless moderator or a broken update can do: the bot goes on,
nothing is lost, and nobody hears from the bot twice."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from telegram import Update

from bot.unit_of_work import current_session
from db.models import Comment, InboxUpdate, Lesson, OutboxMessage
from handlers.common import Context
from tests.conftest import SAMPLE_ARTICLE
from tests.harness import Harness, running_harness


async def _comments(h: Harness) -> list[Comment]:
    async with h.sessions() as session:
        return list((await session.scalars(select(Comment).order_by(Comment.id))).all())


async def _bot_messages_in(h: Harness, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in h.world.messages(chat_id) if m.get("from", {}).get("id") == h.world.bot_id]


async def test_comments_under_lesson_polls_are_tied_to_their_lessons(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        polls = [p for p in posts if "poll" in p]
        assert len(polls) >= 2
        reader = h.world.add_user("Ann", username="ann")["id"]
        for number, poll in enumerate(polls, start=1):
            h.world.comment(reader, h.channel_id, poll["message_id"], f"on poll {number}")
        await h.pump()
        stored = await _comments(h)
        assert [c.text for c in stored] == [f"on poll {n}" for n in range(1, len(polls) + 1)]
        async with h.sessions() as session:
            lessons = {
                lesson.id: lesson.question for lesson in (await session.scalars(select(Lesson)))
            }
        for comment, poll in zip(stored, polls, strict=True):
            assert comment.lesson_id is not None, comment.text
            assert lessons[comment.lesson_id] == poll["poll"]["question"]
        # A reply inside a poll's thread belongs to the same lesson.
        first = h.world.messages(h.group_id)[-len(polls)]
        h.world.reply(h.admin_id, h.group_id, first["message_id"], "why?")
        await h.pump()
        assert (await _comments(h))[-1].lesson_id == stored[0].lesson_id
        h.world.send_private(reader, "/mydata")
        await h.pump()
        mine = h.world.messages(reader)[-1]
        assert "document" in mine
        content = h.world.files[mine["document"]["file_id"]].content.decode()
        assert "on poll 1" in content


async def test_a_poisoned_update_is_quarantined_and_the_rest_stored(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        h.world.send_private(h.admin_id, "/start")
        readers = [h.world.add_user(f"Reader {n}")["id"] for n in range(5)]
        for number in range(100):
            if number == 50:
                # No date, and a chat with no type: python-telegram-bot cannot read it.
                h.world.deliver_raw_update({"message": {"message_id": 9, "chat": {"id": 1}}})
            h.world.comment(
                readers[number % 5], h.channel_id, posts[0]["message_id"], f"comment {number}"
            )
        await h.pump()
        assert len(await _comments(h)) == 100
        async with h.sessions() as session:
            bad = (
                await session.scalars(
                    select(InboxUpdate).where(InboxUpdate.quarantined_at.is_not(None))
                )
            ).all()
        assert len(bad) == 1
        assert (bad[0].error or "").startswith("KeyError"), bad[0].error
        reports = [m for m in h.world.messages(h.admin_id) if "set aside" in m.get("text", "")]
        assert len(reports) == 1
        # A restart neither stops on it nor reports it again.
        await h.newsbot.stop()
        await h.newsbot.start()
        h.world.comment(readers[0], h.channel_id, posts[0]["message_id"], "after the restart")
        await h.pump()
        assert (await _comments(h))[-1].text == "after the restart"
        assert (
            len([m for m in h.world.messages(h.admin_id) if "set aside" in m.get("text", "")]) == 1
        )


FAILURES = ("exception", "telegram", "database")


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_failing_handler_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, failure: str
) -> None:
    moderator_config = {"blocked_words": ["casino"]}
    async with running_harness(tmp_path, moderation=moderator_config) as h:
        posts = await h.publish_sample()
        h.world.send_private(h.admin_id, "/start")
        await h.pump()

        async def fail_on_marker(update: Update, context: Context) -> None:
            message = update.effective_message
            if message is None or "#boom" not in (message.text or ""):
                return
            if failure == "exception":
                raise RuntimeError("a bug in a handler")
            if failure == "telegram":
                await context.bot.send_message(chat_id=-42, text="nowhere")
            await current_session().execute(text("SELECT * FROM no_such_table"))

        from telegram.ext import MessageHandler, filters

        h.newsbot.parts.application.add_handler(
            MessageHandler(filters.ALL, fail_on_marker), group=-1
        )
        reader = h.world.add_user("Ann")["id"]
        post = posts[0]["message_id"]
        h.world.comment(reader, h.channel_id, post, "first")
        h.world.comment(reader, h.channel_id, post, "visit my casino")  # auto-hidden, admins told
        h.world.comment(reader, h.channel_id, post, "#boom")
        h.world.comment(reader, h.channel_id, post, "last")
        await h.pump()
        stored = [c.text for c in await _comments(h)]
        assert stored == ["first", "visit my casino", "last"]
        async with h.sessions() as session:
            failed = (
                await session.scalars(
                    select(InboxUpdate).where(InboxUpdate.quarantined_at.is_not(None))
                )
            ).all()
        assert len(failed) == 1
        assert failed[0].attempts == 3
        expected = {"exception": "RuntimeError", "telegram": "BadRequest", "database": "Error"}
        assert expected[failure] in (failed[0].error or ""), failed[0].error
        notices = [
            m for m in h.world.messages(h.admin_id) if "Hidden automatically" in m.get("text", "")
        ]
        assert len(notices) == 1, "the notice was sent again when the run was replayed"


async def test_stranger_commands_in_a_thread_are_comments_and_get_no_public_reply(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        strangers = [h.world.add_user(f"Stranger {n}")["id"] for n in range(6)]
        for number in range(60):
            h.world.comment(
                strangers[number % 6],
                h.channel_id,
                posts[0]["message_id"],
                ["/publish 1", "/hide", "/export", "/start", "/ban spam", "/status"][number % 6],
            )
        h.world.comment(strangers[0], h.channel_id, posts[0]["message_id"], "a normal comment")
        sends_before = len(h.world.log)
        await h.pump()
        stored = await _comments(h)
        assert len(stored) == 61
        assert stored[-1].text == "a normal comment"
        assert await _bot_messages_in(h, h.group_id) == []
        assert [name for name, _ in h.world.log[sends_before:] if name.startswith("send")] == []


async def test_moderation_does_nothing_outside_the_configured_groups(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await h.publish_sample()
        _other_channel, other_group = h.world.create_channel("Elsewhere", owner_id=h.admin_id)
        assert other_group is not None
        reader = h.world.add_user("Ann")["id"]
        message = h.world.post_in_group(reader, other_group, "hello elsewhere")
        h.world.reply(h.admin_id, other_group, message["message_id"], "/hide")
        h.world.reply(h.admin_id, other_group, message["message_id"], "/ban")
        await h.pump()
        assert message["message_id"] in h.world.chats[other_group].messages
        assert h.world.chats[other_group].banned == set()
        assert await _bot_messages_in(h, other_group) == []
        assert await _comments(h) == []
        # In the configured group, outside newsbot's threads: refused, nothing deleted.
        h.world.send_private(h.admin_id, "/start")
        loose = h.world.post_in_group(reader, h.group_id, "not under a post")
        command = h.world.reply(h.admin_id, h.group_id, loose["message_id"], "/hide")
        await h.pump()
        assert loose["message_id"] in h.world.chats[h.group_id].messages
        assert command["message_id"] not in h.world.chats[h.group_id].messages
        assert await _bot_messages_in(h, h.group_id) == []
        told = h.world.messages(h.admin_id)[-1]["text"]
        assert told == "That is not a comment under one of my posts; I moderate only those."


async def test_forged_button_presses_change_nothing(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        ann = h.world.add_user("Ann")["id"]
        mal = h.world.add_user("Mal")["id"]
        h.world.comment(ann, h.channel_id, posts[0]["message_id"], "my words")
        await h.pump()
        await h.command("/forget", ann)
        question = h.world.messages(ann)[-1]
        yes = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await h.command("/start", mal)
        mal_message = h.world.messages(mal)[-1]
        post_text = posts[0]["text"]
        # Another user pressing Ann's button, on Ann's message or on his own.
        h.world.press_button(mal, ann, question["message_id"], yes)
        h.world.press_button(mal, mal, mal_message["message_id"], yes)
        # Ann's button on another message, on a channel post, and made-up data.
        h.world.press_button(ann, mal, mal_message["message_id"], yes)
        h.world.press_button(ann, h.channel_id, posts[0]["message_id"], yes)
        h.world.press_button(ann, ann, question["message_id"], "forget:yes")
        h.world.press_button(mal, h.channel_id, posts[0]["message_id"], "forget:yes")
        await h.pump()
        assert [c.text for c in await _comments(h)] == ["my words"]
        assert h.channel_posts()[0]["text"] == post_text
        assert h.world.messages(ann)[-1]["text"] == question["text"]
        # After its deadline, the right press on the right message is refused too.
        from datetime import timedelta

        h.clock.advance(timedelta(hours=2))
        h.world.press_button(ann, ann, question["message_id"], yes)
        await h.pump()
        assert [c.text for c in await _comments(h)] == ["my words"]
        # A fresh question, pressed as meant, works exactly once.
        await h.command("/forget", ann)
        fresh = h.world.messages(ann)[-1]
        h.world.click(ann, ann, fresh["message_id"], "Yes, delete")
        h.world.click(ann, ann, fresh["message_id"], "Yes, delete")
        await h.pump()
        assert [c.text for c in await _comments(h)] == [""]
        async with h.sessions() as session:
            edits = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.method == "editMessageText")
            )
        assert edits == 1


async def test_operator_lists_retries_and_drops_quarantined_updates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    async def cli(argv: list[str]) -> int:
        return await asyncio.to_thread(main, argv)

    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        # A reader's vote shaped as an older server sends it is read; a broken one is not.
        broken = h.world.deliver_raw_update({"message": {"message_id": 9, "chat": {"id": 1}}})
        other = h.world.deliver_raw_update({"edited_message": {"message_id": 3}})
        await h.pump()
        h.world.comment(h.admin_id, h.channel_id, posts[0]["message_id"], "still here")
        await h.pump()
        assert [c.text for c in await _comments(h)] == ["still here"]
    config = tmp_path / "cli.toml"
    config.write_text(
        f'token = "{h.config.token.get_secret_value()}"\n'
        f'database_url = "{h.config.database_url}"\n'
        f'[[channels]]\nchat = {h.channel_id}\nname = "news"\n',
        encoding="utf-8",
    )
    assert await cli(["--config", str(config), "status"]) == 0
    assert "Quarantined updates: 2 (newsbot inbox list)" in capsys.readouterr().out
    assert await cli(["--config", str(config), "inbox", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{broken}\tmessage\t" in listing
    assert f"{other}\tedited_message\t" in listing
    assert await cli(["--config", str(config), "inbox", "drop", str(broken)]) == 0
    assert await cli(["--config", str(config), "inbox", "retry", str(other)]) == 0
    assert await cli(["--config", str(config), "inbox", "drop", "12345"]) == 1
    capsys.readouterr()
    assert await cli(["--config", str(config), "inbox", "list"]) == 0
    assert "No quarantined updates." in capsys.readouterr().out
    async with running_harness(tmp_path) as again:
        # The retried update is taken again at start, fails again, and is set aside again.
        async with again.sessions() as session:
            rows = {
                row.update_id: row
                for row in (await session.scalars(select(InboxUpdate))).all()
                if row.update_id in (broken, other)
            }
        assert rows[broken].payload == {"update_id": broken}
        assert rows[broken].processed_at is not None
        assert rows[other].quarantined_at is not None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+asyncpg://newsbot:s3cret-pass@127.0.0.1:9/newsbot",
            "postgresql+asyncpg://newsbot:***@127.0.0.1:9/newsbot",
        ),
        (
            "postgresql+asyncpg://newsbot@127.0.0.1:9/newsbot?password=s3cret-pass",
            "postgresql+asyncpg://newsbot@127.0.0.1:9/newsbot?password=***",
        ),
        (
            "postgresql+asyncpg://newsbot@127.0.0.1:9/newsbot?ssl=disable&password=s3cret-pass",
            "postgresql+asyncpg://newsbot@127.0.0.1:9/newsbot?ssl=disable&password=***",
        ),
        (  # percent-encoded in the URL, plain in the driver's errors
            "postgresql+asyncpg://newsbot:s3cret%2Dpass@127.0.0.1:9/newsbot",
            "postgresql+asyncpg://newsbot:***@127.0.0.1:9/newsbot",
        ),
    ],
)
def test_an_unreachable_database_is_one_line_with_the_password_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, shown: str
) -> None:
    """Wherever the password stands in the URL (asyncpg reads one from the query too),
    check-config and every "cannot use the database" line mask it."""
    from bot.cli import main
    from tests.conftest import TEST_TOKEN

    config = tmp_path / "pg.toml"
    config.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'database_url = "{url}"\n'
        '[[channels]]\nchat = -100123\nname = "news"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "check-config"]) == 0
    checked = capsys.readouterr()
    assert shown in checked.out
    assert "s3cret" not in checked.out + checked.err
    for command in (["status"], ["db", "current"], ["inbox", "list"]):
        assert main(["--config", str(config), *command]) == 1
        failed = capsys.readouterr()
        # status reports the outage as its state (and what a waiting bot does), on stdout.
        said = failed.out if command == ["status"] else failed.err
        lines = said.strip().splitlines()
        assert len(lines) == (2 if command == ["status"] else 1), said
        prefix = "Database: " if command == ["status"] else "newsbot: "
        assert lines[0].startswith(f"{prefix}cannot use the database {shown}")
        assert "s3cret" not in failed.out + failed.err
        assert "Traceback" not in failed.err


def test_db_copy_masks_the_password_of_the_target_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from tests.conftest import TEST_TOKEN

    config = tmp_path / "c.toml"
    config.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'database_url = "sqlite+aiosqlite:///{tmp_path / "here.db"}"\n'
        '[[channels]]\nchat = -100123\nname = "news"\n',
        encoding="utf-8",
    )
    target = "postgresql+asyncpg://newsbot@127.0.0.1:9/newsbot?password=s3cret-pass"
    assert main(["--config", str(config), "db", "copy", "--to", target]) != 0
    out = capsys.readouterr()
    assert "s3cret" not in out.out + out.err


async def _every_stored_value(h: Harness) -> str:
    """Every cell of every table, as text: where a trace of a reader could hide."""
    from db.models import Base

    chunks: list[str] = []
    async with h.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for cell in row:
                    chunks.append(
                        cell.decode("utf-8", "replace") if isinstance(cell, bytes) else repr(cell)
                    )
    return "\n".join(chunks)


async def test_forget_leaves_no_trace_of_the_readers_words_anywhere(tmp_path: Path) -> None:
    async with running_harness(tmp_path, moderation={"blocked_words": ["casino"]}) as h:
        posts = await h.publish_sample()
        h.world.send_private(h.admin_id, "/start")
        zelda = h.world.add_user("Zelda", "Quux", username="zquux")["id"]
        h.world.comment(zelda, h.channel_id, posts[0]["message_id"], "my secret words")
        hidden = h.world.comment(zelda, h.channel_id, posts[0]["message_id"], "casino hush")
        h.world.edit(zelda, h.group_id, hidden["message_id"], "casino hush edited")
        await h.pump()
        await h.command("/mydata", zelda)
        everything = await _every_stored_value(h)
        assert "my secret words" in everything  # stored, before /forget
        await h.command("/forget", zelda)
        h.world.click(zelda, zelda, h.world.messages(zelda)[-1]["message_id"], "Yes, delete")
        await h.pump()
        everything = await _every_stored_value(h)
        for trace in ("my secret words", "casino hush", "Zelda", "Quux", "zquux"):
            assert trace not in everything, trace


async def test_raw_updates_are_deleted_once_their_use_is_over(tmp_path: Path) -> None:
    from datetime import timedelta

    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        h.world.comment(h.admin_id, h.channel_id, posts[0]["message_id"], "kept as a comment")
        h.world.deliver_raw_update({"message": {"message_id": 9, "chat": {"id": 1}}})
        await h.pump()

        async def raw_count() -> tuple[int, int]:
            async with h.sessions() as session:
                rows = (await session.scalars(select(InboxUpdate))).all()
            return (
                sum(1 for r in rows if r.processed_at is not None),
                sum(1 for r in rows if r.quarantined_at is not None),
            )

        handled, set_aside = await raw_count()
        assert handled > 0
        assert set_aside == 1
        h.clock.advance(timedelta(hours=23))
        await h.newsbot.tick()
        assert (await raw_count())[0] == handled, "kept for a day"
        h.clock.advance(timedelta(hours=2))
        await h.newsbot.tick()
        assert await raw_count() == (0, 1), "handled ones gone; the quarantined one kept longer"
        h.clock.advance(timedelta(days=30))
        await h.newsbot.tick()
        assert await raw_count() == (0, 0)
        assert [c.text for c in await _comments(h)] == ["kept as a comment"]


NUMBER_COMMANDS = (
    "/preview {n}", "/publish {n}", "/publish 1 +{n}h", "/publish 1 now every {n}m",
    "/publish 1 in {n}d", "/publish 1 2026-12-{n} 09:00", "/publish 1 {n}:00",
    "/publish 1 {n}-01-01 09:00", "/cancel {n}", "/pause {n}", "/resume {n}",
    "/grant moderator {n}", "/revoke moderator {n} news", "/unhide {n}", "/unban {n}",
    "/unban chat:{n}", "/export {n}", "/export news {n}", "/export news {n}-01-01",
    "/summary news 2026-W{n}", "/summary news {n}-W01", "/summary post news {n}-W01",
)  # fmt: skip
# Zero and signs, the edges of 32 and 64 bits, far past them, and digits int() refuses.
NUMBERS = (
    "0", "-1", "2147483648", "9223372036854775808", "1" + "0" * 60, "²", "1e9",
)  # fmt: skip


async def test_every_number_a_person_types_is_input_not_trust(tmp_path: Path) -> None:
    """Each command's numbers, from zero to far past 64 bits and Unicode digits: an answer
    in words every time, never "Something went wrong", and nothing set aside."""
    # One operator a command, so that no private chat meets flood control.
    operators = [900_001 + index for index in range(len(NUMBER_COMMANDS))]
    async with running_harness(tmp_path, admins=operators) as h:
        for operator in operators:
            h.world.add_user("Op", user_id=operator)
        h.world.send_document(operators[0], "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
        await h.pump()
        before = {operator: len(h.world.messages(operator)) for operator in operators}
        for operator, template in zip(operators, NUMBER_COMMANDS, strict=True):
            for number in NUMBERS:  # sent together, answered in one go
                h.world.send_private(operator, template.format(n=number))
        await h.pump()
        for operator, template in zip(operators, NUMBER_COMMANDS, strict=True):
            chat = h.world.messages(operator)[before[operator] :]
            answers = [m.get("text", "") for m in chat if m["from"]["id"] != operator]
            assert len(answers) >= len(NUMBERS), template
            assert not any("Something went wrong" in a for a in answers), template
        async with h.sessions() as session:
            stuck = await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.quarantined_at.is_not(None) | (InboxUpdate.attempts > 0))
            )
        assert stuck == 0
        answer = await h.command("/preview 99999999999999999999999", operators[0])
        assert answer == ["There is no article 99999999999999999999999; see /articles."]


async def test_a_reaction_count_below_zero_is_refused_at_intake(tmp_path: Path) -> None:
    from db.models import ReactionCount

    async with running_harness(tmp_path) as h:
        posts = await h.publish_sample()
        post = posts[0]

        def counts(values: dict[str, int]) -> dict[str, Any]:
            return {
                "message_reaction_count": {
                    "chat": {"id": h.channel_id, "type": "channel", "title": "News"},
                    "message_id": post["message_id"],
                    "date": int(h.clock.now().timestamp()),
                    "reactions": [
                        {"type": {"type": "emoji", "emoji": emoji}, "total_count": count}
                        for emoji, count in values.items()
                    ],
                }
            }

        h.world.deliver_raw_update(counts({"👍": 3}))
        await h.pump()
        h.world.deliver_raw_update(counts({"👍": -5, "🔥": 2}))
        await h.pump()
        async with h.sessions() as session:
            stored = {
                row.reaction: row.count for row in (await session.scalars(select(ReactionCount)))
            }
        assert stored == {"👍": 3}
