"""Webhook mode end to end: the emulator delivers as Telegram does, to an HTTPS address it
routes (playing the reverse proxy) to where newsbot listens."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import NewsBot
from bot.cli import main
from bot.emulator.server import EmulatorServer
from bot.runtime.webhook import SECRET_HEADER, WebhookServer, secret_for
from db.models import Comment, InboxUpdate
from db.queries.inbox import store_updates
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN, wait_until
from tests.harness import Harness, running_harness
from tests.processes import BotProcess, free_ports, news_world, write_config

PUBLIC = "https://bot.example.org"
WEBHOOK = {"url": f"{PUBLIC}/tg", "listen": "127.0.0.1:0"}


async def _until(check: Callable[[], Any], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition did not come true in time")


async def _count(h: Harness, model: Any) -> int:
    async with h.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _has(h: Harness, model: Any, rows: int) -> bool:
    return await _count(h, model) == rows


@asynccontextmanager
async def _serving(h: Harness) -> AsyncIterator[str]:
    """newsbot in webhook mode; yields the local address it listens on."""
    stop, ports = asyncio.Event(), asyncio.Queue[int]()

    def listening(port: int) -> None:
        h.world.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
        ports.put_nowait(port)

    task = asyncio.create_task(h.newsbot.run_webhook(stop, on_listening=listening))
    port = await asyncio.wait_for(ports.get(), 10)
    await _until(lambda: h.world.webhook is not None)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_comments_arrive_by_webhook_and_polling_takes_over_again(tmp_path: Path) -> None:
    async with running_harness(tmp_path, webhook=WEBHOOK) as h:
        h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
        await h.pump()  # no webhook set yet: what came before is fetched as usual
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        post = h.channel_posts()[0]
        reader = h.world.add_user("Wendy")["id"]
        async with _serving(h):
            assert h.world.webhook is not None
            assert h.world.webhook["secret_token"] == secret_for(TEST_TOKEN)
            for number in range(5):
                h.world.comment(reader, h.channel_id, post["message_id"], f"pushed {number}")
            await _until(lambda: not h.world.updates)  # every delivery answered 200
            await _until(lambda: _has(h, Comment, 5))  # and each handled once stored
        # Back to polling: the webhook is removed so getUpdates works again.
        await h.newsbot.stop()
        config = h.config.replace(webhook=type(h.config.webhook)())
        h.newsbot = NewsBot(config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        await h.newsbot.start()
        assert h.world.webhook is None
        h.world.comment(reader, h.channel_id, post["message_id"], "polled again")
        await h.pump()
        assert await _count(h, Comment) == 6


async def test_only_the_right_secret_is_let_in_and_200_means_stored(tmp_path: Path) -> None:
    async with running_harness(tmp_path, webhook=WEBHOOK) as h, _serving(h) as local:
        update = {
            "update_id": 990001,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": 5, "type": "private", "first_name": "Eve"},
                "from": {"id": 5, "is_bot": False, "first_name": "Eve"},
                "text": "/start",
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "guess"}, {SECRET_HEADER: TEST_TOKEN}):
                async with http.post(f"{local}/tg", json=update, headers=headers) as answer:
                    assert answer.status == 403
            assert await _count(h, InboxUpdate) == 0
            good = {SECRET_HEADER: secret_for(TEST_TOKEN)}
            async with http.post(f"{local}/tg", data=b"{not json", headers=good) as answer:
                assert answer.status == 400
            async with http.post(f"{local}/tg", json=update, headers=good) as answer:
                assert answer.status == 200
                # Answered 200 only once stored: the row is there before anything else.
                async with h.sessions() as session:
                    stored = await session.scalar(
                        select(InboxUpdate).where(InboxUpdate.update_id == 990001)
                    )
                assert stored is not None
            async with http.get(f"{local}/healthz") as answer:
                assert answer.status == 200
                assert await answer.text() == "ok"


async def test_an_update_stored_by_a_process_that_died_is_handled_without_a_new_arrival(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind one webhook, a process may store an update (Telegram has its 200) and die
    before handling it: the others look for such updates now and then, not only when
    something new arrives, so the admin still gets an answer."""
    monkeypatch.setattr("bot.app.STRANDED_UPDATES_SECONDS", 0.2)
    async with running_harness(tmp_path, webhook=WEBHOOK) as h:
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        before = len(h.world.messages(h.admin_id))
        stranded = {
            "update_id": 990002,
            "message": {
                "message_id": 99,
                "date": int(h.clock.now().timestamp()),
                "chat": {"id": h.admin_id, "type": "private", "first_name": "Ada"},
                "from": {"id": h.admin_id, "is_bot": False, "first_name": "Ada"},
                "text": "/status",
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
            },
        }
        async with h.sessions.begin() as session:
            await store_updates(session, [stranded], h.clock.now())

        async def handled() -> bool:
            async with h.sessions() as session:
                row = await session.scalar(
                    select(InboxUpdate).where(InboxUpdate.update_id == 990002)
                )
            return row is not None and row.processed_at is not None

        async with _serving(h):
            await _until(handled)
        await h.newsbot.parts.outbox.send_due()
        answers = [m.get("text", "") for m in h.world.messages(h.admin_id)[before:]]
        assert answers == ["Nothing is scheduled. Import an article and /publish it."]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--webhook", "http://bot.example.org/tg"], "--webhook: expected the public HTTPS"),
        (["--webhook", "https://bot.example.org:9000/tg"], "ports 443, 80, 88 or 8443"),
        (["--webhook", "https://bot.example.org/tg", "--listen", "nowhere"], "--listen:"),
        (["--listen", "127.0.0.1:8443"], "--listen: give --webhook URL too"),
    ],
)
def test_run_refuses_a_webhook_telegram_would_not_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], error: str
) -> None:
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'token = "{TEST_TOKEN}"\n'
        f'database_url = "sqlite+aiosqlite:///{tmp_path / "n.db"}"\n'
        "[[channels]]\nchat = -1001\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "run", *arguments]) == 2
    assert error in capsys.readouterr().err
    assert not (tmp_path / "n.db").exists()  # refused before anything started


async def test_newsbot_run_with_webhook_then_polling_as_real_processes(tmp_path: Path) -> None:
    world, admin, channel_id = news_world()
    async with EmulatorServer(world) as server:
        config = write_config(tmp_path / "newsbot.toml", server, channel_id, admin)
        [port] = free_ports(1)
        world.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
        pushed = BotProcess(
            config, tmp_path / "webhook.log", "--webhook", f"{PUBLIC}/tg", "--listen",
            f"127.0.0.1:{port}",
        )  # fmt: skip
        reader = world.add_user("Rita")["id"]

        def answers() -> int:
            return len([m for m in world.messages(reader) if m.get("from", {}).get("is_bot")])

        try:
            pushed.start()
            await wait_until(lambda: world.webhook is not None, timeout=30)
            world.send_private(reader, "/start")
            await wait_until(lambda: answers() == 1, timeout=20)
        finally:
            pushed.stop()
        assert world.webhook is not None  # kept: Telegram holds updates for the next start
        world.send_private(reader, "/start")  # while no process runs
        polled = BotProcess(config, tmp_path / "polling.log", "--polling")
        try:
            polled.start()
            await wait_until(lambda: answers() == 2, timeout=30)
            assert world.webhook is None
        finally:
            polled.stop()
        log = (tmp_path / "webhook.log").read_text(encoding="utf-8")
        assert secret_for(TEST_TOKEN) not in log
        assert TEST_TOKEN not in log


# ----------------------------------------------------------- junk on the webhook
async def _raw_request(port: int, head: bytes, body: bytes) -> int:
    """One HTTP request as raw bytes (a client library would refuse to send some of these
    headers); the status code of the answer."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    try:
        writer.write(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
    finally:
        writer.close()
    return int(status_line.split()[1])


@asynccontextmanager
async def _webhook_server(
    store: Callable[[list[dict[str, Any]]], Awaitable[int]],
) -> AsyncIterator[WebhookServer]:
    """The webhook's HTTP side alone, storing with ``store``, always healthy."""

    async def healthy() -> str | None:
        return None

    server = WebhookServer(
        url=f"{PUBLIC}/tg", listen="127.0.0.1:0", secret="s3cret", store=store, healthy=healthy
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def _webhook_alone() -> AsyncIterator[tuple[int, list[dict[str, Any]]]]:
    stored: list[dict[str, Any]] = []

    async def store(updates: list[dict[str, Any]]) -> int:
        stored.extend(updates)
        return len(updates)

    async with _webhook_server(store) as server:
        yield server.port, stored


def _head(secret: bytes) -> bytes:
    return (
        b"POST /tg HTTP/1.1\r\nHost: bot.example.org\r\nContent-Type: application/json\r\n"
        + SECRET_HEADER.encode()
        + b": "
        + secret
        + b"\r\n"
    )


async def test_junk_on_the_webhook_is_refused_with_4xx_never_500() -> None:
    async with _webhook_alone() as (port, stored):
        assert await _raw_request(port, _head(b"\xff\xfe-not-utf8"), b'{"update_id": 1}') == 403
        deep = b"[" * 100_000 + b"]" * 100_000
        assert (
            await _raw_request(port, _head(b"s3cret"), b'{"update_id": 1, "x": ' + deep + b"}")
            == 400
        )
        nested = b'{"update_id": 2, "x": ' + b"[" * 500 + b"]" * 500 + b"}"
        assert await _raw_request(port, _head(b"s3cret"), nested) == 400
        assert await _raw_request(port, _head(b"s3cret"), b'{"update_id": 1e999}') == 400
        huge = b'{"update_id": 99999999999999999999999}'
        assert await _raw_request(port, _head(b"s3cret"), huge) == 400
        assert await _raw_request(port, _head(b"s3cret"), b"x" * 2_000_000) == 413
        assert stored == []
        good = b'{"update_id": 7, "message": {"text": "hi"}}'
        assert await _raw_request(port, _head(b"s3cret"), good) == 200
        assert [update["update_id"] for update in stored] == [7]


@settings(max_examples=60, deadline=None)
@given(secret=st.binary(max_size=40), body=st.binary(max_size=300))
async def test_fuzzed_webhook_requests_never_get_a_500(secret: bytes, body: bytes) -> None:
    secret = secret.replace(b"\r", b"").replace(b"\n", b"")
    async with _webhook_alone() as (port, _stored):
        assert await _raw_request(port, _head(secret), body) in (400, 403)
        assert await _raw_request(port, _head(b"s3cret"), body) in (200, 400)


async def test_healthz_says_why_the_bot_cannot_work() -> None:
    async def store(updates: list[dict[str, Any]]) -> int:
        return len(updates)

    async def full() -> str | None:
        return "the disk under the database is full"

    server = WebhookServer(
        url=f"{PUBLIC}/tg", listen="127.0.0.1:0", secret="s3cret", store=store, healthy=full
    )
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{server.port}/healthz") as answer,
        ):
            assert answer.status == 503
            assert await answer.text() == "the disk under the database is full"
    finally:
        await server.stop()


async def test_requests_that_arrive_together_are_stored_together_each_answered_once_stored() -> (
    None
):
    """Twenty requests at once cost at most two transactions, not twenty; none hears 200
    before its update is stored; an update whose storing fails (not the database) is
    refused alone, the others of its group stored."""
    groups: list[list[int]] = []
    stored: set[int] = set()
    release = asyncio.Event()

    async def store(updates: list[dict[str, Any]]) -> int:
        ids = [update["update_id"] for update in updates]
        groups.append(ids)
        await release.wait()  # the other requests arrive meanwhile
        if 113 in ids:
            raise ValueError("this one update cannot be stored")
        stored.update(ids)
        return len(ids)

    answers: dict[int, tuple[int, bool]] = {}
    async with _webhook_server(store) as server, aiohttp.ClientSession() as http:

        async def push(update_id: int) -> None:
            async with http.post(
                f"http://127.0.0.1:{server.port}/tg",
                json={"update_id": update_id, "message": {"text": "hi"}},
                headers={SECRET_HEADER: "s3cret"},
            ) as answer:
                answers[update_id] = (answer.status, update_id in stored)

        async def push_at_once(update_ids: range) -> None:
            release.clear()
            pushes = [asyncio.create_task(push(update_id)) for update_id in update_ids]
            try:
                await _until(lambda: sum(map(len, groups)) + server.store.waiting >= 20)
                assert not any(update_id in answers for update_id in update_ids)
            finally:
                release.set()
            await asyncio.gather(*pushes)

        await push_at_once(range(1, 21))
        assert len(groups) <= 2
        assert sorted(update_id for group in groups for update_id in group) == list(range(1, 21))
        assert answers == dict.fromkeys(range(1, 21), (200, True))

        groups.clear()
        await push_at_once(range(101, 121))
    assert answers[113] == (503, False)
    assert all(
        answers[update_id] == (200, True) for update_id in range(101, 121) if update_id != 113
    )
    assert stored == set(range(1, 21)) | set(range(101, 121)) - {113}


async def test_set_webhook_asks_for_the_configured_number_of_connections(tmp_path: Path) -> None:
    webhook = WEBHOOK | {"max_connections": 3}
    async with running_harness(tmp_path, webhook=webhook) as h, _serving(h):
        assert h.world.webhook is not None
        assert h.world.webhook["max_connections"] == 3


async def test_a_set_webhook_that_fails_is_tried_again_not_fatal(tmp_path: Path) -> None:
    async with running_harness(tmp_path, webhook=WEBHOOK) as h:
        h.server.faults.plan("5xx", "setWebhook", times=2)
        async with _serving(h):  # waits until the webhook is set
            assert h.world.webhook is not None
            assert h.world.webhook["url"] == f"{PUBLIC}/tg"
