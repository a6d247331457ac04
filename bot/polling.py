"""The long-polling loop: fetch a batch into the inbox, handle it, and wait out trouble.

Replies go out beside intake (the outbox sender runs as its own task), never in its
way. Flood control waits as long as Telegram says; a network fault backs off up to
30 s; another process polling the same bot is reported, not fought.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram.error import Conflict, NetworkError, RetryAfter

from bot.inbox import Inbox
from bot.logs import redact
from bot.outbox import OutboxSender

log = logging.getLogger(__name__)
STAND_BY_SECONDS = 1.0


async def poll_until(
    stop: asyncio.Event,
    inbox: Inbox,
    outbox: OutboxSender,
    secrets: tuple[str, ...],
    may_poll: Callable[[], bool] | None = None,
) -> None:
    """Fetch, store and handle updates until ``stop`` is set. The next batch is on its way
    from Telegram while the current one is handled; it is stored only after that, so the
    two never wait on each other's database lock. A batch is confirmed to Telegram only by
    the request after it, which is made once the batch is stored: overlapping loses nothing."""
    backoff = 1.0
    stopping = asyncio.create_task(stop.wait())
    fetching: asyncio.Task[list[dict[str, Any]]] | None = None
    while not stop.is_set():
        if fetching is None and may_poll is not None and not may_poll():
            # One of several processes, and not the one holding the lease: Telegram answers
            # one poller only. Stand by; stored updates are handled all the same.
            await inbox.process()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=STAND_BY_SECONDS)
            continue
        try:
            if fetching is None:
                fetching = asyncio.create_task(inbox.receive())
            await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetching.done():
                # Stopping mid long-poll loses nothing: no batch was stored or confirmed.
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetching
                break
            done, fetching = fetching, None
            await inbox.store(done.result())
            if may_poll is None or may_poll():
                fetching = asyncio.create_task(inbox.receive())
            await inbox.process()
            outbox.wake()
            backoff = 1.0
            continue
        except RetryAfter as exc:
            delay = (
                exc.retry_after.total_seconds()
                if isinstance(exc.retry_after, timedelta)
                else float(exc.retry_after)
            )
        except Conflict as exc:
            log.error("another instance is polling this bot: %s", exc)
            delay = 5.0
        except NetworkError as exc:
            log.warning("Telegram unreachable: %s", redact(str(exc), secrets))
            delay, backoff = backoff, min(backoff * 2, 30.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
    if fetching is not None and not fetching.done():
        fetching.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await fetching
    stopping.cancel()
