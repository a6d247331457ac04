"""The long-polling loop: fetch a batch into the inbox, handle it, and wait out trouble.

Replies go out beside intake (the outbox sender runs as its own task), never in its
way. Flood control waits as long as Telegram says; a network fault backs off up to
30 s; another process polling the same bot is reported, not fought.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram.error import Conflict, NetworkError, RetryAfter

from bot.inbox import Inbox
from bot.logs import redact
from bot.outbox import OutboxSender

log = logging.getLogger(__name__)


async def poll_until(
    stop: asyncio.Event, inbox: Inbox, outbox: OutboxSender, secrets: tuple[str, ...]
) -> None:
    """Fetch, store and handle updates until ``stop`` is set. The next batch is fetched
    (and stored) while the current one is handled: a batch is confirmed to Telegram only
    by the fetch after it, and only once it is stored, so overlapping loses nothing."""
    backoff = 1.0
    stopping = asyncio.create_task(stop.wait())
    fetching: asyncio.Task[int] | None = None
    while not stop.is_set():
        try:
            if fetching is None:
                fetching = asyncio.create_task(inbox.fetch())
            await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetching.done():
                # Stopping mid long-poll loses nothing: no batch was stored or confirmed.
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetching
                break
            done, fetching = fetching, None
            done.result()
            fetching = asyncio.create_task(inbox.fetch())
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
