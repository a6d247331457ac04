"""`newsbot emulator` as a real process: it prints what a newcomer needs and serves it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
from aiohttp import web
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import load_config
from tests.processes import free_ports


async def test_standalone_emulator_serves_the_printed_channel(tmp_path: Path) -> None:
    config_path = tmp_path / "newsbot.toml"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "emulator",
            "--port",
            "0",
            "--write-config",
            str(config_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = dict(
            line.split(" : ", 1) for line in (process.stdout.readline() for _ in range(7))
        )
        printed = {key.strip(): value.strip() for key, value in printed.items()}
        config = load_config(config_path, env={})
        assert config.api_base_url == printed["Bot API base URL"]
        channel_id = int(printed["channel"].split()[0])
        request = HTTPXRequest()
        bot = Bot(printed["bot token"], base_url=config.api_base_url + "/bot", request=request)
        try:
            chat = await bot.get_chat(channel_id)
            assert chat.linked_chat_id == int(printed["discussion group"])
            sent = await bot.send_message(channel_id, "hello from a test")
            assert sent.chat.id == channel_id
        finally:
            await request.shutdown()
    finally:
        process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


async def test_standalone_emulator_delivers_a_webhook_through_its_route() -> None:
    """`newsbot emulator --webhook-route` plays the TLS proxy, so webhook mode can be tried
    by hand: a webhook set on the public HTTPS address arrives at the local one."""
    received: asyncio.Queue[tuple[str, dict[str, object]]] = asyncio.Queue()

    async def webhook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        await received.put((secret, await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/tg", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    [port] = free_ports(1)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "emulator",
            "--port",
            "0",
            "--webhook-route",
            f"https://bot.example.org=http://127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    request = HTTPXRequest()
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(7)]
        printed = {k.strip(): v.strip() for k, v in (line.split(" : ", 1) for line in lines)}
        assert printed["webhook route"] == f"https://bot.example.org -> http://127.0.0.1:{port}"
        base = printed["Bot API base URL"]
        bot = Bot(printed["bot token"], base_url=base + "/bot", request=request)
        assert await bot.set_webhook("https://bot.example.org/tg", secret_token="s3cret")
        admin = int(printed["admin user"])
        async with httpx.AsyncClient() as reader:
            answer = await reader.post(
                f"{base}/_emulator/send_private", json={"user_id": admin, "text": "/start"}
            )
            assert answer.status_code == 200, answer.text
        secret, update = await asyncio.wait_for(received.get(), 20)
        assert secret == "s3cret"
        message = update["message"]
        assert isinstance(message, dict)
        assert message["text"] == "/start"
    finally:
        await request.shutdown()
        process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        await runner.cleanup()


def test_a_malformed_webhook_route_is_refused_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "emulator", "--webhook-route", "bot.example.org"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("--webhook-route: expected PUBLIC=LOCAL")
