"""The long-polling loop: fetch a batch into the inbox, handle it, and wait out trouble.

Replies go out beside intake (the outbox sender runs as its own task), never in its
way. Flood control waits as long as Telegram says; a network fault backs off up to
30 s; another process polling the same bot is reported, not fought.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram.error import Conflict, NetworkError, RetryAfter

from bot.inbox import Inbox
from bot.logs import redact
from bot.outbox import OutboxSender
from bot.runtime.storage import StorageUnavailable, StorageWatch

log = logging.getLogger(__name__)
STAND_BY_SECONDS = 1.0
# The longest wait between two tries to store, while storing fails: a try is one small
# write and a getUpdates that confirms nothing, cheap enough to notice space coming back
# (and an admin's /status) within seconds.
MAX_STORAGE_WAIT = 5.0


async def poll_until(
    stop: asyncio.Event,
    inbox: Inbox,
    outbox: OutboxSender,
    secrets: tuple[str, ...],
    may_poll: Callable[[], bool] | None = None,
    storage: StorageWatch | None = None,
    while_unstored: Callable[[list[dict[str, Any]]], Awaitable[None]] | None = None,
) -> None:
    """Fetch, store and handle updates until ``stop`` is set. The next batch is on its way
    from Telegram while the current one is handled; it is stored only after that, so the
    two never wait on each other's database lock. A batch is confirmed to Telegram only by
    the request after it, which is made once the batch is stored: overlapping loses nothing.

    When nothing can be stored (a full disk, say), the batch in hand is kept and stored
    again with back-off, and nothing new is confirmed meanwhile; ``while_unstored`` sees
    what Telegram holds (unconfirmed) at each try, for answers that need no storing."""
    backoff = 1.0
    storage_backoff = 1.0
    stopping = asyncio.create_task(stop.wait())
    fetching: asyncio.Task[list[dict[str, Any]]] | None = None
    unstored: list[dict[str, Any]] | None = None
    while not stop.is_set():
        if unstored is not None:
            try:
                await inbox.store(unstored)
                await inbox.process()
            except StorageUnavailable as fault:
                if storage is not None:
                    await storage.failed(fault.reason)
                if while_unstored is not None:
                    with contextlib.suppress(Exception):
                        await while_unstored(await inbox.receive(0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=storage_backoff)
                storage_backoff = min(storage_backoff * 2, MAX_STORAGE_WAIT)
                continue
            unstored, storage_backoff = None, 1.0
            if storage is not None:
                await storage.worked()
            outbox.wake()
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
            batch = done.result()
            try:
                await inbox.store(batch)
            except StorageUnavailable:
                unstored = batch  # kept, and stored again above; nothing more is confirmed
                continue
            if may_poll is None or may_poll():
                fetching = asyncio.create_task(inbox.receive())
            try:
                await inbox.process()
            except StorageUnavailable:
                unstored = []  # stored, not handled: handled once storing works again
                # One getUpdates at a time: the next batch is asked for once this is over.
                await _cancel(fetching)
                fetching = None
                continue
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
    await _cancel(fetching)
    stopping.cancel()


async def _cancel(task: asyncio.Task[Any] | None) -> None:
    """Stop a getUpdates under way; what it would have returned stays unconfirmed."""
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
