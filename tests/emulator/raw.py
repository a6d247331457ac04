"""The emulator over its raw HTTP API: Bot API calls and reader actions, as plain JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from tests.conftest import TEST_TOKEN

JSON = dict[str, Any]


@dataclass
class Raw:
    world: World
    server: EmulatorServer
    http: aiohttp.ClientSession

    async def call(self, method: str, **params: Any) -> tuple[int, JSON]:
        """A Bot API call; the HTTP status and Telegram's JSON answer."""
        async with self.http.post(
            f"{self.server.api_base_url}{TEST_TOKEN}/{method}", json=params
        ) as r:
            return r.status, await r.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, answer = await self.call(method, **params)
        assert status == 200, answer
        assert answer["ok"] is True, answer
        return answer["result"]

    async def refused(self, method: str, **params: Any) -> tuple[int, str]:
        status, answer = await self.call(method, **params)
        assert answer["ok"] is False, answer
        assert answer["error_code"] == status
        return status, str(answer["description"])

    async def reader(self, action: str, **body: Any) -> tuple[int, JSON]:
        async with self.http.post(f"{self.server.base_url}/_emulator/{action}", json=body) as r:
            return r.status, await r.json()

    async def updates(self, **params: Any) -> list[JSON]:
        """Everything queued now, confirmed (getUpdates with the next offset)."""
        found: list[JSON] = await self.ok("getUpdates", timeout=0, **params)
        if found:
            await self.ok("getUpdates", timeout=0, offset=found[-1]["update_id"] + 1)
        return found


@asynccontextmanager
async def raw_emulator(**world_options: Any) -> AsyncIterator[Raw]:
    world = World(TEST_TOKEN, **world_options)
    async with EmulatorServer(world) as server, aiohttp.ClientSession() as http:
        yield Raw(world, server, http)
