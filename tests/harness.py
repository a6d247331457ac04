"""An emulator, a newsbot on a manual clock, and helpers to act as admins and readers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import NewsBot
from bot.clock import ManualClock
from bot.config import Config, config_from_mapping
from bot.emulator.limits import FloodLimits
from bot.emulator.server import EmulatorServer
from bot.emulator.world import JSON, World
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN
from tests.databases import database_url, seeded_with_the_schema

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class Harness:
    world: World
    server: EmulatorServer
    newsbot: NewsBot
    clock: ManualClock
    config: Config
    channel_id: int
    group_id: int
    admin_id: int
    more_channels: list[tuple[int, int]]

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.newsbot.parts.sessions

    async def pump(self) -> int:
        """Fetch and handle every update the emulator holds for the bot, and send the replies."""
        return await self.newsbot.handle_pending()

    async def command(self, text: str, user_id: int | None = None) -> list[str]:
        """Send a command in a private chat; return the texts the bot answered with."""
        sender = user_id or self.admin_id
        before = len(self.world.messages(sender))
        self.world.send_private(sender, text)
        await self.pump()
        return [m.get("text", "") for m in self.world.messages(sender)[before + 1 :]]

    async def run_until_idle(
        self, limit: int = 200, horizon: timedelta | None = timedelta(days=1)
    ) -> None:
        """Advance the clock to each due moment and run it, until nothing is due soon.

        The default horizon keeps poll closing and weekly summaries out of tests
        about publishing; pass None to run everything.
        """
        stop_at = self.clock.now() + horizon if horizon is not None else None
        for _ in range(limit):
            await self.pump()
            upcoming = await self.newsbot.tick()
            await self.pump()
            if upcoming is None or (stop_at is not None and upcoming > stop_at):
                return
            if upcoming > self.clock.now():
                self.clock.set(upcoming)
        raise AssertionError("publishing did not settle")

    async def publish_sample(self, every: str = "1m") -> list[JSON]:
        """The sample article imported by the admin and published to the end; its posts."""
        self.world.send_document(
            self.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import news"
        )
        await self.pump()
        await self.command(f"/publish 1 now {every}")
        await self.run_until_idle()
        return self.channel_posts()

    def channel_posts(self, channel_id: int | None = None) -> list[JSON]:
        return self.world.messages(channel_id or self.channel_id)


def harness_config(
    server: EmulatorServer,
    database: Path,
    channels: list[dict[str, Any]],
    admin_id: int,
    **extra: Any,
) -> Config:
    data: dict[str, Any] = {
        "token": TEST_TOKEN,
        "api_base_url": server.base_url,
        "admins": [admin_id],
        "moderators": [],
        "database_url": database_url(database.parent, database.stem),
        "channels": channels,
    }
    data.update(extra)
    return config_from_mapping(data, env={})


@asynccontextmanager
async def running_harness(
    tmp_path: Path,
    *,
    channel_extra: dict[str, Any] | None = None,
    extra_channels: int = 0,
    start: datetime = START,
    privacy_mode: bool = False,
    bot_in_group: str = "admin",
    group_username: str | None = None,
    channel_username: str | None = "@news_test",
    use_scheduler: bool = False,
    **config_extra: Any,
) -> AsyncIterator[Harness]:
    """``use_scheduler``: the schedule runs by itself once ``run`` is called, as in
    production; by default tests tick the manual clock themselves. ``channel_username``
    None: a private channel."""
    # Private chats get a larger burst: admins' previews are not what these tests measure.
    tmp_path.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(start)
    world = World(
        TEST_TOKEN,
        clock=lambda: clock.now().timestamp(),
        flood=FloodLimits(private_burst=100),
        privacy_mode=privacy_mode,
    )
    admin = world.add_user("Ada", username="ada_admin")
    channel_id, group_id = world.create_channel(
        "News",
        channel_username,
        owner_id=admin["id"],
        bot_in_group=bot_in_group,
        discussion_username=group_username,
    )
    assert group_id is not None
    server = EmulatorServer(world)
    await server.start()
    channel = {
        "chat": channel_id,
        "name": "news",
        "timezone": "Europe/Berlin",
        "post_spacing": "10m",
    }
    channel.update(channel_extra or {})
    channels = [channel]
    more: list[tuple[int, int]] = []
    for number in range(2, extra_channels + 2):
        other_id, other_group = world.create_channel(f"News {number}", owner_id=admin["id"])
        assert other_group is not None
        more.append((other_id, other_group))
        channels.append({**channel, "chat": other_id, "name": f"news{number}"})
    config = harness_config(server, tmp_path / "newsbot.db", channels, admin["id"], **config_extra)
    await seeded_with_the_schema(config.database_url)
    newsbot = NewsBot(config, clock=clock, use_scheduler=use_scheduler, request_timeout=2.0)
    await newsbot.start()
    harness = Harness(
        world, server, newsbot, clock, config, channel_id, group_id, admin["id"], more
    )
    try:
        yield harness
    finally:
        await harness.newsbot.stop()  # a test may have restarted it
        await server.stop()
