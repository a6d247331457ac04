"""`newsbot emulator` as a real process: it prints what a newcomer needs and serves it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import load_config


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
