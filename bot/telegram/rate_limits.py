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


# Just under Telegram's figures (30 a second overall; a burst of 20, then 20 a minute, per
# group or channel): requests reach Telegram a little later or earlier than the limiter let
# them go, and pacing exactly at the limit met flood control now and then.
OVERALL_PER_SECOND = 25
GROUP_BURST, GROUP_PERIOD_SECONDS = 20, 62


class MessageRateLimiter(AIORateLimiter):
    """python-telegram-bot's limiter, at the rates above, for messages only.

    The stock limiter also paces every other call that names a chat (getChat,
    stopPoll...), which would delay closing a batch of polls for no gain.
    """

    def __init__(self, max_retries: int = 0) -> None:
        super().__init__(
            overall_max_rate=OVERALL_PER_SECOND,
            overall_time_period=1,
            group_max_rate=GROUP_BURST,
            group_time_period=GROUP_PERIOD_SECONDS,
            max_retries=max_retries,
        )

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
