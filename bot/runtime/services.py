"""What handlers reach through ``context.bot_data``: one typed object, made at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.access import Access, Scope
from bot.clock import Clock
from bot.config import Config
from bot.outbox import OutboxSender
from bot.publishing.publisher import Publisher
from bot.summaries.service import SummaryJobs

SERVICES_KEY = "newsbot"


@dataclass
class Services:
    config: Config
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    publisher: Publisher
    access: Access
    summaries: SummaryJobs
    outbox: OutboxSender
    # Ask the scheduler to look at the database again (after a schedule changed).
    wake: Callable[[], None] = lambda: None
    # Ask the sources' loop to fetch now (an admin sent a link, added a feed).
    fetch: Callable[[], None] = lambda: None
    # Set one person's command menu to what their scope allows now (after a /grant).
    refresh_menu: Callable[[Bot, Scope], Awaitable[None]] | None = None
