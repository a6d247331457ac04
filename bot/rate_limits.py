"""Pacing of what the bot sends, so normal publishing never meets flood control."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

# Telegram's flood limits count messages; reading chats or closing polls is not paced.
MESSAGE_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "sendPoll",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "forwardMessage",
        "copyMessage",
        "editMessageText",
    }
)


class MessageRateLimiter(AIORateLimiter):
    """python-telegram-bot's limiter (30/s overall, 20/min a group or channel), for messages only.

    The stock limiter also paces every other call that names a chat (getChat,
    stopPoll...), which would delay closing a batch of polls for no gain.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in MESSAGE_ENDPOINTS:
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
