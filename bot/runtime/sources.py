"""Where articles come from by themselves: admins' links to fetch and the channels' feeds.

One loop of its own beside the schedule, since a page may take seconds to answer and
publishing must not wait for it. It wakes when an admin sends a link (``wake``), when a
feed is due, and every half minute; each link and each feed check is claimed in the
database, so with several processes each is done once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from bot.articles.feeds import FeedJobs
from bot.articles.links import LinkJobs
from bot.clock import Clock
from bot.logs import log_failure

log = logging.getLogger(__name__)
SAFETY_TICK = timedelta(seconds=30)


class Sources:
    def __init__(self, links: LinkJobs, feeds: FeedJobs, clock: Clock) -> None:
        self.links, self.feeds, self.clock = links, feeds, clock
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run_due(self) -> int:
        """Import the links admins sent and check the feeds that are due; how many."""
        done = 0
        try:
            done += await self.links.run_pending()
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "importing links failed", exc)
        try:
            done += await self.feeds.run_due()
        except Exception as exc:  # noqa: BLE001 - the loop goes on; logged once a minute
            log_failure(log, "checking feeds failed", exc)
        return done

    async def run(self, stop: asyncio.Event, on_done: Callable[[], None] | None = None) -> None:
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wakeup.clear()
                if await self.run_due() and on_done is not None:
                    on_done()
                wait = SAFETY_TICK
                try:
                    upcoming = await self.feeds.next_check()
                except Exception as exc:  # noqa: BLE001 - looked at again next time
                    log_failure(log, "checking feeds failed", exc)
                    upcoming = None
                if upcoming is not None:
                    wait = min(wait, max(upcoming - self.clock.now(), timedelta(0)))
                waking = asyncio.ensure_future(self._wakeup.wait())
                await asyncio.wait(
                    {waking, stopping},
                    timeout=wait.total_seconds(),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                waking.cancel()
        finally:
            stopping.cancel()
