"""The python-telegram-bot application newsbot talks to Telegram (or the emulator) with.

No updater: updates come through the durable inbox, which polls by itself. Requests
retry flood-control answers through newsbot's rate limiter; the long poll has its own
connection with a read timeout longer than the poll. Both connections share one TLS
context: each context loads every trusted certificate authority, 0.8 MiB a copy.
Telegram's answers are read with msgspec, python-telegram-bot's documented way to
change how they are parsed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.config import Config
from bot.telegram.rate_limits import MessageRateLimiter


class TelegramRequest(HTTPXRequest):
    """python-telegram-bot's HTTP client, reading JSON with msgspec: a batch of 100
    updates was json.loads' 4% of intake's main thread (py-spy), msgspec reads it in a
    third of the time."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = msgspec.json.decode(payload)
        except (msgspec.DecodeError, UnicodeDecodeError):
            # What msgspec refuses (bad UTF-8, NaN) python-telegram-bot reads as before,
            # or turns into its "Invalid server response".
            return HTTPXRequest.parse_json_payload(payload)
        return parsed


def build_application(
    config: Config,
    *,
    poll_timeout: int,
    request_timeout: float,
    context_types: ContextTypes[Any, Any, Any, Any],
    on_server_date: Callable[[str | None], None] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """``on_server_date``: given each answer's Date header (``ServerClock.observe``)."""
    # python-telegram-bot 23 makes RetryAfter.retry_after a timedelta; opt in now (it is
    # read when an error is made, so setting it before the first request is enough).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    base = config.api_base_url
    # What httpx makes for each client by default, and httpx's public event hooks.
    client: dict[str, Any] = {"verify": httpx.create_ssl_context()}
    if on_server_date is not None:

        async def read_date(response: httpx.Response) -> None:
            on_server_date(response.headers.get("date"))

        client["event_hooks"] = {"response": [read_date]}
    return (
        ApplicationBuilder()
        .token(config.token.get_secret_value())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .request(
            TelegramRequest(
                connect_timeout=5.0,
                read_timeout=request_timeout,
                write_timeout=request_timeout,
                connection_pool_size=16,
                httpx_kwargs=client,
            )
        )
        .get_updates_request(
            TelegramRequest(
                connect_timeout=5.0, read_timeout=poll_timeout + 15.0, httpx_kwargs=client
            )
        )
        # No retries inside the limiter: its retry pauses every request of the bot for the
        # retry_after (a channel under flood control held up every reply). The outbox holds
        # only the chat Telegram named, the publisher reschedules only that post.
        .rate_limiter(MessageRateLimiter(max_retries=0))
        .updater(None)
        .context_types(context_types)
        .build()
    )
