"""python-telegram-bot's real Bot against the emulator: objects parse, errors match Telegram."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    MenuButtonWebApp,
    ReactionTypeEmoji,
    ReplyParameters,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatMemberStatus, MessageLimit
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.emulator.limits import FloodControl, FloodLimits
from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from tests.conftest import TEST_TOKEN, make_bot, wait_until

Emulator = tuple[World, EmulatorServer]


async def _updates(bot: Any, offset: int | None = None, **kwargs: Any) -> list[Update]:
    return list(await bot.get_updates(offset=offset, timeout=0, **kwargs))


async def test_get_me_and_bad_token(emulator: Emulator) -> None:
    world, server = emulator
    async with make_bot(server) as bot:
        me = await bot.get_me()
        assert me.is_bot
        assert me.id == world.bot_id
        assert me.username == "newsbot_emulated_bot"
    request = HTTPXRequest()
    wrong = Bot("111:wrongwrongwrongwrongwrong", base_url=server.api_base_url, request=request)
    try:
        with pytest.raises(InvalidToken):
            await wrong.get_me()
    finally:
        await request.shutdown()


async def test_unknown_method_answers_not_found(emulator: Emulator) -> None:
    _, server = emulator
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.api_base_url}{TEST_TOKEN}/fly") as answer:
            assert answer.status == 404
            assert await answer.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        # Method names are case-insensitive, like Telegram's.
        async with http.get(f"{server.api_base_url}{TEST_TOKEN}/GETME") as answer:
            assert (await answer.json())["result"]["id"] == int(TEST_TOKEN.split(":")[0])


async def test_channel_post_is_forwarded_into_the_discussion_thread(emulator: Emulator) -> None:
    world, server = emulator
    channel_id, group_id = world.create_channel("News", "@news_channel")
    assert group_id is not None
    reader = world.add_user("Ann", username="ann")
    async with make_bot(server) as bot:
        post = await bot.send_message(
            channel_id,
            '<b>Bold</b> &amp; <i>it</i> 😀 <a href="https://x.org">x</a>',
            parse_mode="HTML",
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        assert post.text == "Bold & it 😀 x"
        assert [(e.type, e.offset, e.length) for e in post.entities] == [
            ("bold", 0, 4),
            ("italic", 7, 2),
            ("text_link", 13, 1),
        ]
        assert post.sender_chat is not None
        assert post.sender_chat.id == channel_id
        by_username = await bot.send_message("@news_channel", "second")
        assert by_username.message_id == post.message_id + 1

        updates = await _updates(bot)
        forwards = [u.message for u in updates if u.message]
        assert len(forwards) == 2
        forward = forwards[0]
        assert forward is not None
        assert forward.is_automatic_forward
        assert forward.chat.id == group_id
        assert forward.sender_chat.id == channel_id
        assert forward.forward_origin.message_id == post.message_id

        world.comment(reader["id"], channel_id, post.message_id, "First!")
        comment = (await _updates(bot, offset=updates[-1].update_id + 1))[0].message
        assert comment is not None
        assert comment.text == "First!"
        assert comment.message_thread_id == forward.message_id
        assert comment.reply_to_message is not None
        assert comment.reply_to_message.forward_origin.message_id == post.message_id

        world.reply(reader["id"], group_id, comment.message_id, "Replying to myself")
        world.edit(reader["id"], group_id, comment.message_id, "First! (edited)")
        world.comment(reader["id"], channel_id, post.message_id, None, photo_caption="Look")
        world.comment(reader["id"], channel_id, post.message_id, "anon", as_chat=group_id)
        later = await _updates(bot, offset=updates[-1].update_id + 2)
        reply, edited, photo, anonymous = later
        assert reply.message.message_thread_id == forward.message_id
        assert reply.message.reply_to_message.message_id == comment.message_id
        assert edited.edited_message.text == "First! (edited)"
        assert edited.edited_message.edit_date
        assert photo.message.caption == "Look"
        assert photo.message.photo
        assert anonymous.message.sender_chat.id == group_id
        assert anonymous.message.from_user.username == "GroupAnonymousBot"


async def test_get_updates_offset_confirms_and_limit(emulator: Emulator) -> None:
    world, server = emulator
    user = world.add_user("Bob")
    for text in ("one", "two", "three"):
        world.send_private(user["id"], text)
    async with make_bot(server) as bot:
        first = await _updates(bot, limit=2)
        assert [u.message.text for u in first] == ["one", "two"]
        # Not confirmed yet: delivered again.
        assert [u.message.text for u in await _updates(bot)] == ["one", "two", "three"]
        confirmed = await _updates(bot, offset=first[-1].update_id + 1)
        assert [u.message.text for u in confirmed] == ["three"]
        assert [u.message.text for u in await _updates(bot, offset=first[0].update_id)] == [
            "three"
        ]  # an offset below a confirmed id never brings it back
        assert await _updates(bot, offset=confirmed[-1].update_id + 1) == []
        world.send_private(user["id"], "late")
        assert [u.message.text for u in await bot.get_updates(timeout=2)] == ["late"]


async def test_long_poll_wakes_when_an_update_arrives(emulator: Emulator) -> None:
    import asyncio

    world, server = emulator
    user = world.add_user("Cy")
    async with make_bot(server) as bot:
        waiting = asyncio.create_task(bot.get_updates(timeout=20))
        await asyncio.sleep(0.1)
        world.send_private(user["id"], "/start")
        updates = await asyncio.wait_for(waiting, 5)
        assert updates[0].message.text == "/start"
        assert updates[0].message.entities[0].type == "bot_command"


async def test_polls_anonymous_counts_and_named_answers(emulator: Emulator) -> None:
    world, server = emulator
    channel_id, group_id = world.create_channel("News")
    assert group_id is not None
    ann, bob = world.add_user("Ann")["id"], world.add_user("Bob")["id"]
    async with make_bot(server) as bot:
        message = await bot.send_poll(channel_id, "Do you agree?", ["Agree", "Partly", "Disagree"])
        assert message.poll is not None
        assert message.poll.is_anonymous
        assert message.poll.options[0].persistent_id
        start = (await _updates(bot))[-1].update_id + 1  # the automatic forward
        world.vote(ann, channel_id, message.message_id, [0])
        world.vote(bob, channel_id, message.message_id, [2])
        updates = await _updates(bot, offset=start)
        assert [u.poll.options[0].voter_count for u in updates] == [1, 1]
        assert updates[-1].poll.total_voter_count == 2
        assert not any(u.poll_answer for u in updates)

        named = await bot.send_poll(group_id, "Named?", ["Yes", "No"], is_anonymous=False)
        start = updates[-1].update_id + 1
        world.vote(ann, group_id, named.message_id, [1])
        world.vote(ann, group_id, named.message_id, [])
        answers = [u.poll_answer for u in await _updates(bot, offset=start) if u.poll_answer]
        assert [(a.user.id, tuple(a.option_ids)) for a in answers] == [(ann, (1,)), (ann, ())]

        stopped = await bot.stop_poll(channel_id, message.message_id)
        assert stopped.is_closed
        assert [o.voter_count for o in stopped.options] == [1, 0, 1]
        with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
            await bot.stop_poll(channel_id, message.message_id)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda b, c, g: b.send_message(c, "<div>x</div>", parse_mode="HTML"),
            BadRequest,
            "can't parse entities",
        ),
        (
            lambda b, c, g: b.send_message(c, "x" * (MessageLimit.MAX_TEXT_LENGTH + 1)),
            BadRequest,
            "message is too long",
        ),
        (lambda b, c, g: b.send_message(-100999, "x"), BadRequest, "chat not found"),
        (lambda b, c, g: b.send_message("@nobody_here", "x"), BadRequest, "chat not found"),
        (lambda b, c, g: b.edit_message_text("x", c, 999), BadRequest, "message to edit not found"),
        (lambda b, c, g: b.delete_message(c, 999), BadRequest, "message to delete not found"),
        (
            lambda b, c, g: b.send_poll(c, "q" * 301, ["a", "b"]),
            BadRequest,
            "poll question length must not exceed 300",
        ),
        (
            lambda b, c, g: b.send_poll(c, "q", ["a" * 101, "b"]),
            BadRequest,
            "poll options length must not exceed 100",
        ),
        (
            lambda b, c, g: b.send_poll(c, "q", [str(i) for i in range(13)]),
            BadRequest,
            "more than 12 options",
        ),
        (
            lambda b, c, g: b.send_poll(c, "q", ["a", "b"], is_anonymous=False),
            BadRequest,
            "non-anonymous polls can't be sent to channel chats",
        ),
        (
            lambda b, c, g: b.send_message(c, "x", reply_parameters=ReplyParameters(999)),
            BadRequest,
            "message to be replied not found",
        ),
    ],
)
async def test_errors_as_telegram_answers_them(
    emulator: Emulator, call: Any, error: type[Exception], message: str
) -> None:
    world, server = emulator
    channel_id, group_id = world.create_channel("News")
    async with make_bot(server) as bot:
        with pytest.raises(error, match=r"(?i)" + message):
            await call(bot, channel_id, group_id)
    assert world.chats[channel_id].messages == {}


async def test_rights_edit_and_not_modified(emulator: Emulator) -> None:
    world, server = emulator
    readonly, _ = world.create_channel("Read only", bot_can_post=False)
    stranger_channel = world.create_channel("Not ours")[0]
    del world.chats[stranger_channel].admins[world.bot_id]
    user = world.add_user("Dee")["id"]
    async with make_bot(server) as bot:
        with pytest.raises(BadRequest, match=r"(?i)need administrator rights in the channel chat"):
            await bot.send_message(readonly, "x")
        with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the channel chat"):
            await bot.send_message(stranger_channel, "x")
        with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
            await bot.send_message(user, "hello")
        world.send_private(user, "hi")
        sent = await bot.send_message(user, "<b>hello</b>", parse_mode="HTML")
        edited = await bot.edit_message_text(
            "<b>hello!</b>", user, sent.message_id, parse_mode="HTML"
        )
        assert edited.text == "hello!"
        assert edited.edit_date is not None
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("<b>hello!</b>", user, sent.message_id, parse_mode="HTML")
        assert await bot.delete_message(user, sent.message_id)
        assert [m["text"] for m in world.messages(user)] == ["hi"]


async def test_chat_info_admins_members_and_ban(emulator: Emulator) -> None:
    world, server = emulator
    channel_id, group_id = world.create_channel("News", "@news")
    assert group_id is not None
    ann = world.add_user("Ann")["id"]
    world.make_admin(channel_id, ann)
    troll = world.add_user("Troll")["id"]
    world.join(group_id, troll)
    async with make_bot(server) as bot:
        info = await bot.get_chat(channel_id)
        assert info.linked_chat_id == group_id
        assert info.username == "news"
        assert (await bot.get_chat(group_id)).linked_chat_id == channel_id
        admins = await bot.get_chat_administrators(channel_id)
        assert {a.user.id for a in admins} >= {ann, world.bot_id}
        assert {a.status for a in admins} == {
            ChatMemberStatus.OWNER,
            ChatMemberStatus.ADMINISTRATOR,
        }
        assert (await bot.get_chat_member(group_id, troll)).status == ChatMemberStatus.MEMBER
        assert await bot.ban_chat_member(group_id, troll)
        assert (await bot.get_chat_member(group_id, troll)).status == ChatMemberStatus.BANNED
        with pytest.raises(BadRequest, match=r"(?i)user is an administrator"):
            await bot.ban_chat_member(channel_id, ann)


async def test_documents_photos_and_file_download(emulator: Emulator) -> None:
    world, server = emulator
    # The file limits are under test here, not flood control: room for a dozen sends.
    world.flood = FloodControl(FloodLimits(private_burst=20))
    user = world.add_user("Eve")["id"]
    uploaded = world.send_document(user, "article.txt", b"Title\nBody", caption="/import")
    async with make_bot(server) as bot:
        update = (await _updates(bot))[0]
        assert update.message.caption == "/import"
        assert update.message.document.file_name == "article.txt"
        file = await bot.get_file(uploaded["document"]["file_id"])
        assert bytes(await file.download_as_bytearray()) == b"Title\nBody"
        sent = await bot.send_document(
            user, InputFile(b"a,b\n1,2\n", filename="log.csv"), caption="log"
        )
        assert sent.document.file_name == "log.csv"
        assert sent.caption == "log"
        png = _png(3, 2)
        photo = await bot.send_photo(
            user, InputFile(png, filename="chart.png"), caption="<b>c</b>", parse_mode="HTML"
        )
        assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
        with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
            await bot.send_photo(user, InputFile(png, filename="c.png"), caption="x" * 1025)
        # Telegram's photo limits: width and height at most 10000 in total, ratio at most 20.
        for width, height in ((1280, 8721), (21, 1)):
            with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
                await bot.send_photo(user, InputFile(_png(width, height), filename="c.png"))
        tallest = await bot.send_photo(user, InputFile(_png(1280, 8720), filename="c.png"))
        assert tallest.photo[-1].height == 8720
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await bot.send_photo(user, InputFile(b"not an image", filename="c.png"))


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def test_commands_per_scope_and_callback_queries(emulator: Emulator) -> None:
    world, server = emulator
    user = world.add_user("Fay")["id"]
    async with make_bot(server) as bot:
        await bot.set_my_commands(
            [BotCommand("start", "About")], scope=BotCommandScopeAllPrivateChats()
        )
        await bot.set_my_commands(
            [BotCommand("publish", "Publish")], scope=BotCommandScopeChat(user)
        )
        assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(user))] == [
            "publish"
        ]
        assert [
            c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
        ] == ["start"]
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Bad Command", "x")])
        world.send_private(user, "hi")
        sent = await bot.send_message(user, "Sure?")
        query_id = world.press_button(user, user, sent.message_id, "forget:yes")
        query = next(u for u in await _updates(bot) if u.callback_query).callback_query
        assert query.data == "forget:yes"
        assert query.chat_instance
        assert await bot.answer_callback_query(query_id, "Done")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query_id)


async def test_reaction_counts_only_when_asked_for_grouped_and_late() -> None:
    clock = [1_800_000_000.0]
    world = World(TEST_TOKEN, clock=lambda: clock[0], reaction_count_delay=90)
    channel_id, _ = world.create_channel("News")
    ann, bob = world.add_user("Ann")["id"], world.add_user("Bob")["id"]
    async with EmulatorServer(world) as server, make_bot(server) as bot:
        post = await bot.send_message(channel_id, "react to me")
        seen = await _updates(bot)
        world.react(ann, channel_id, post.message_id, "👍")
        clock[0] += 100
        assert await _updates(bot, offset=seen[-1].update_id + 1) == []  # not in allowed_updates
        await bot.get_updates(
            offset=seen[-1].update_id + 1,
            timeout=0,
            allowed_updates=["message", "poll", "message_reaction_count"],
        )
        world.react(ann, channel_id, post.message_id, "🔥")
        world.react(bob, channel_id, post.message_id, "🔥")
        clock[0] += 60
        assert await _updates(bot, offset=seen[-1].update_id + 1) == [], "not before the delay"
        clock[0] += 31
        counts = [
            u.message_reaction_count for u in await _updates(bot, offset=seen[-1].update_id + 1)
        ]
        assert len(counts) == 1, "two reactions, one grouped update"
        assert counts[0] is not None
        assert [
            (r.type.emoji if isinstance(r.type, ReactionTypeEmoji) else None, r.total_count)
            for r in counts[0].reactions
        ] == [("🔥", 2)]


async def test_flood_control_answers_429_with_retry_after() -> None:
    clock = [1000.0]
    world = World(TEST_TOKEN, flood_clock=lambda: clock[0], flood=FloodLimits(group_per_minute=20))
    channel_id, _ = world.create_channel("News")
    async with EmulatorServer(world) as server, make_bot(server) as bot:
        for number in range(20):
            await bot.send_message(channel_id, f"post {number}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(channel_id, "one too many")
        assert caught.value.retry_after.total_seconds() == 3
        clock[0] += 3
        await bot.send_message(channel_id, "after waiting")
        assert len(world.chats[channel_id].messages) == 21


async def test_faults_5xx_timeout_and_dropped_connection(emulator: Emulator) -> None:
    world, server = emulator
    user = world.add_user("Gus")["id"]
    world.send_private(user, "hi")
    server.faults.timeout_seconds = 2.0
    async with make_bot(server, read_timeout=0.5) as bot:
        server.faults.plan("5xx", "sendMessage")
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
            await bot.send_message(user, "lost")
        server.faults.plan("timeout", "sendMessage", after_effect=True)
        with pytest.raises(TimedOut):
            await bot.send_message(user, "delivered but timed out")
        server.faults.plan("drop", "sendMessage")
        with pytest.raises(NetworkError):
            await bot.send_message(user, "dropped")
        await bot.send_message(user, "fine")
    texts = [m.get("text") for m in world.messages(user)]
    assert texts == ["hi", "delivered but timed out", "fine"]


async def test_random_fault_share_is_seeded(emulator: Emulator) -> None:
    world, server = emulator
    user = world.add_user("Hal")["id"]
    world.send_private(user, "hi")
    world.flood.limits.enabled = False
    server.faults.error_rate = 0.5
    async with make_bot(server) as bot:
        outcomes = []
        for _ in range(20):
            try:
                await bot.send_message(user, "x")
                outcomes.append(True)
            except NetworkError:
                outcomes.append(False)
    assert 3 <= outcomes.count(False) <= 17


async def test_webhook_delivery_with_secret_and_get_updates_conflict(emulator: Emulator) -> None:
    world, server = emulator
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    user = world.add_user("Ivy")["id"]
    try:
        async with make_bot(server) as bot:
            with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
                await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
            with pytest.raises(BadRequest, match="ports 80, 88, 443 or 8443"):
                await bot.set_webhook("https://bot.example.org:9000/hook")
            world.route_webhook("https://bot.example.org", f"http://127.0.0.1:{port}")
            await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
            assert (await bot.get_webhook_info()).url.endswith("/hook")
            with pytest.raises(Conflict):
                await bot.get_updates(timeout=0)
            world.send_private(user, "via webhook")
            await wait_until(lambda: received)
            secret, payload = received[0]
            assert secret == "s3cret"
            assert Update.de_json(payload, bot).message.text == "via webhook"
            await wait_until(lambda: not world.updates)
            await bot.delete_webhook()
            assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()


async def test_reader_side_over_http(emulator: Emulator) -> None:
    _world, server = emulator
    async with aiohttp.ClientSession() as http:

        async def act(action: str, **body: Any) -> Any:
            async with http.post(f"{server.base_url}/_emulator/{action}", json=body) as answer:
                payload = await answer.json()
                assert payload["ok"], payload
                return payload["result"]

        user = await act("add_user", first_name="Jo")
        chats = await act("create_channel", title="News")
        async with make_bot(server) as bot:
            post = await bot.send_message(chats["channel_id"], "post")
        comment = await act(
            "comment",
            user_id=user["id"],
            channel_id=chats["channel_id"],
            channel_message_id=post.message_id,
            text="hello",
        )
        assert comment["message_thread_id"] is not None
        async with http.get(f"{server.base_url}/_emulator/chats/{chats['group_id']}") as answer:
            shown = (await answer.json())["result"]
        assert [m.get("text") for m in shown] == ["post", "hello"]
        async with http.post(f"{server.base_url}/_emulator/vote", json={"user_id": 1}) as answer:
            assert answer.status == 400


async def test_every_update_kind_round_trips_through_python_telegram_bot(
    emulator: Emulator,
) -> None:
    world, server = emulator
    world.allowed_updates = frozenset(world.allowed_updates | {"message_reaction_count"})
    channel_id, group_id = world.create_channel("News")
    assert group_id is not None
    user = world.add_user("Kim", "Lee", "kim")["id"]
    async with make_bot(server) as bot:
        post = await bot.send_message(channel_id, "post")
        poll = await bot.send_poll(channel_id, "Q?", ["a", "b"])
        named = await bot.send_poll(group_id, "Named?", ["a", "b"], is_anonymous=False)
        comment = world.comment(user, channel_id, post.message_id, "c")
        world.edit(user, group_id, comment["message_id"], "c2")
        world.vote(user, channel_id, poll.message_id, [1])
        world.vote(user, group_id, named.message_id, [0])
        world.react(user, channel_id, post.message_id, "👍")
        world.send_document(user, "a.md", b"# T\n\nx")
        world.press_button(user, group_id, named.message_id, "x")
        kinds = []
        for raw in world.updates:
            parsed = Update.de_json(json.loads(json.dumps(raw)), bot)
            assert parsed is not None
            assert parsed.update_id == raw["update_id"]
            # Each update carries exactly one payload, and PTB reads it into that field.
            (kind,) = [key for key in raw if key != "update_id"]
            assert getattr(parsed, kind) is not None, kind
            kinds.append(kind)
        assert {"message", "edited_message", "poll", "poll_answer", "callback_query"} <= set(kinds)


async def test_json_and_form_parameters_are_accepted(emulator: Emulator) -> None:
    world, server = emulator
    channel_id, _ = world.create_channel("News")
    url = f"{server.api_base_url}{TEST_TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, json={"chat_id": channel_id, "text": "<b>json</b>", "parse_mode": "HTML"}
        ) as answer:
            sent = await answer.json()
        assert sent["ok"]
        assert sent["result"]["entities"][0]["type"] == "bold"
        async with http.post(url, data={"chat_id": str(channel_id), "text": "form"}) as answer:
            assert (await answer.json())["result"]["text"] == "form"
        async with http.post(
            url, data="{not json", headers={"Content-Type": "application/json"}
        ) as answer:
            assert answer.status == 400
            assert (await answer.json())["error_code"] == 400


async def test_callback_answers_too_long_or_an_hour_late_are_refused(emulator: Emulator) -> None:
    world, server = emulator
    user = world.add_user("Fay")["id"]
    world.send_private(user, "hi")
    async with make_bot(server) as bot:
        sent = await bot.send_message(user, "Sure?")
        first = world.press_button(user, user, sent.message_id, "a")
        with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
            await bot.answer_callback_query(first, "x" * 201)
        assert await bot.answer_callback_query(first, "x" * 200)
        late = world.press_button(user, user, sent.message_id, "b")
        world.advance_clock(3601)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(late)


@pytest.mark.parametrize(
    "markup",
    [
        "<code><b>bold in code</b></code>",
        "<pre>x <i>y</i></pre>",
        "<blockquote>a <blockquote>b</blockquote></blockquote>",
        '<a href="https://a.example">a <a href="https://b.example">b</a></a>',
    ],
)
async def test_entities_nested_as_the_reference_forbids_are_refused(
    emulator: Emulator, markup: str
) -> None:
    world, server = emulator
    user = world.add_user("Fay")["id"]
    world.send_private(user, "hi")
    async with make_bot(server) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(user, markup, parse_mode="HTML")
        # What the reference allows still goes: bold around code, a language for pre.
        await bot.send_message(
            user, '<b>x <code>y</code></b> <pre><code class="language-py">z</code></pre>',
            parse_mode="HTML",
        )  # fmt: skip


async def test_custom_emoji_and_user_links_are_shaped_as_telegram_shows_them(
    emulator: Emulator,
) -> None:
    world, server = emulator
    user = world.add_user("Fay")["id"]
    stranger = world.add_user("Sam")["id"]
    world.send_private(user, "hi")
    async with make_bot(server) as bot:
        plain = await bot.send_message(
            user, '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> ok', parse_mode="HTML"
        )
        assert plain.text == "👍 ok"
        assert not plain.entities  # an ordinary bot's custom emoji is the plain emoji
        mentioned = await bot.send_message(
            user,
            f'<a href="tg://user?id={user}">Fay</a> and <a href="tg://user?id={stranger}">Sam</a>',
            parse_mode="HTML",
        )
        assert [(e.type, e.user.id if e.user else None) for e in mentioned.entities] == [
            ("text_mention", user)  # Sam never wrote to the bot: his name stays plain
        ]


async def test_readers_cannot_send_more_than_a_client_would(emulator: Emulator) -> None:
    from bot.emulator.world import ReaderError

    world, _server = emulator
    user = world.add_user("Fay")["id"]
    owner = world.add_user("Owen")["id"]
    channel_id, _group = world.create_channel("News", owner_id=owner)
    with pytest.raises(ReaderError):
        world.send_private(user, "x" * 4097)
    world.send_private(user, "x" * 4096)
    post = world.post_in_channel(owner, channel_id, "A post")
    with pytest.raises(ReaderError):
        world.comment(user, channel_id, post["message_id"], "y" * 4097)
    with pytest.raises(ReaderError):
        world.comment(user, channel_id, post["message_id"], photo_caption="c" * 1025)
    world.comment(user, channel_id, post["message_id"], "y" * 4096)


async def test_a_chosen_link_preview_is_kept_and_a_bad_address_refused(emulator: Emulator) -> None:
    world, server = emulator
    channel_id, _group = world.create_channel("News", "@news_channel")
    async with make_bot(server) as bot:
        shown = LinkPreviewOptions(
            url="https://example.org/lead.jpg", prefer_large_media=True, show_above_text=True
        )
        post = await bot.send_message(channel_id, "With a picture", link_preview_options=shown)
        assert post.link_preview_options == shown
        plain = await bot.send_message(
            channel_id, "Without", link_preview_options=LinkPreviewOptions(is_disabled=True)
        )
        assert plain.link_preview_options is None
        with pytest.raises(BadRequest, match=r"(?i)link preview url is invalid"):
            await bot.send_message(
                channel_id, "x", link_preview_options=LinkPreviewOptions(url="javascript:x")
            )
    assert [m["text"] for m in world.messages(channel_id)] == ["With a picture", "Without"]


async def test_the_mini_app_opens_signed_as_telegram_signs_it(emulator: Emulator) -> None:
    world, server = emulator
    ada = world.add_user("Ada", username="ada", language_code="ru")
    channel_id, _group = world.create_channel("News", "@news_channel", owner_id=ada["id"])
    world.send_private(ada["id"], "/start")
    async with make_bot(server) as bot:
        with pytest.raises(BadRequest, match=r"(?i)https"):
            await bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp("Open", WebAppInfo("http://example.org/app"))
            )
        await bot.set_chat_menu_button(
            chat_id=ada["id"],
            menu_button=MenuButtonWebApp("Discussion", WebAppInfo("https://bot.example.org/app")),
        )
        assert (await bot.get_chat_menu_button(ada["id"])).text == "Discussion"  # type: ignore[attr-defined]
        button = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Open", web_app=WebAppInfo("https://bot.example.org/a/1"))]]
        )
        with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
            await bot.send_message(channel_id, "x", reply_markup=button)
        sent = await bot.send_message(ada["id"], "Article 1", reply_markup=button)
    opened = world.open_web_app(ada["id"])["url"]
    from_button = world.open_web_app(
        ada["id"], chat_id=ada["id"], message_id=sent.message_id, label="Open"
    )["url"]
    assert opened.startswith("https://bot.example.org/app#tgWebAppData=")
    assert from_button.startswith("https://bot.example.org/a/1#")
    fragment = dict(parse_qsl(urlsplit(opened).fragment))
    assert fragment["tgWebAppPlatform"] == "android"
    assert json.loads(fragment["tgWebAppThemeParams"])["bg_color"] == "#ffffff"
    fields = dict(parse_qsl(fragment["tgWebAppData"]))
    given = fields.pop("hash")
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hmac.new(b"WebAppData", TEST_TOKEN.encode(), hashlib.sha256).digest()
    assert given == hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    assert json.loads(fields["user"])["id"] == ada["id"]
    assert json.loads(fields["user"])["language_code"] == "ru"
