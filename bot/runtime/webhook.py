"""Webhook mode: Telegram pushes updates to an HTTPS address (a reverse proxy terminates
TLS and forwards to the address newsbot listens on).

An update is answered 200 only once it is stored in the inbox, so Telegram keeps and
resends anything newsbot did not store (a crash, a database fault). A request without
the secret token ``setWebhook`` was given is refused. ``GET /healthz`` answers 200 while
the bot can store and handle updates, else 503 with the reason, for the proxy or a load
balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import webhook_secret_for
from bot.logs import log_failure
from bot.runtime.storage import storage_fault

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header's name
Store = Callable[[list[dict[str, Any]]], Awaitable[int]]


def secret_for(token: str) -> str:
    """See ``bot.config.webhook_secret_for`` (kept there: the config needs it at start-up,
    without loading the HTTP server)."""
    return webhook_secret_for(token)


# Telegram's updates nest a few levels (a reply's message inside a message); far deeper
# is junk that would only cost recursion further on.
MAX_NESTING = 64
MAX_UPDATE_ID = 2**63 - 1


def is_update(payload: object) -> bool:
    """A JSON object with an ``update_id`` that fits the database, nested no deeper than
    ``MAX_NESTING`` (measured without recursion)."""
    if not isinstance(payload, dict):
        return False
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return False
    if not 0 <= update_id <= MAX_UPDATE_ID:
        return False
    level: list[tuple[object, int]] = [(payload, 1)]
    while level:
        value, depth = level.pop()
        if depth > MAX_NESTING:
            return False
        if isinstance(value, dict):
            level.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            level.extend((item, depth + 1) for item in value)
    return True


def listen_address(listen: str) -> tuple[str, int]:
    """``127.0.0.1:8443`` or ``[::1]:8443`` as (host, port)."""
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"expected host:port to listen on, like 127.0.0.1:8443, not {listen!r}")
    return host.strip("[]"), int(port)


class GroupedStore:
    """Stores pushed updates in groups, as polling stores a ``getUpdates`` batch: the
    requests that arrive while one group is being stored wait and go in together next,
    in one transaction. Each request is still answered only once its own update is
    stored. A group that fails for a reason of its own (not the database being away) is
    stored again update by update, so one odd update cannot hold up the others."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._storing: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Updates handed in and waiting for the next group."""
        return len(self._waiting)

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Returns once ``payload`` is stored; raises what storing it raised."""
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((payload, stored))
        if self._storing is None or self._storing.done():
            self._storing = asyncio.create_task(self._store_waiting())
        # A request that goes away (the client gave up) leaves its update to the group:
        # Telegram sends it again and the inbox stores it once.
        await asyncio.shield(stored)

    async def _store_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self._store([payload for payload, _stored in group])
            except Exception as exc:  # noqa: BLE001 - each request hears its own outcome
                if len(group) == 1 or storage_fault(exc) is not None:
                    _settle(group, exc)
                    continue
                for one in group:
                    try:
                        await self._store([one[0]])
                    except Exception as alone:  # noqa: BLE001 - as above
                        _settle([one], alone)
                    else:
                        _settle([one], None)
            else:
                _settle(group, None)

    async def drain(self) -> None:
        """Wait until every update handed in so far is stored or refused (on stop)."""
        if self._storing is not None:
            with contextlib.suppress(Exception):
                await self._storing


def _settle(
    group: list[tuple[dict[str, Any], asyncio.Future[None]]], error: BaseException | None
) -> None:
    for _payload, stored in group:
        if stored.done():
            continue
        if error is None:
            stored.set_result(None)
        else:
            stored.set_exception(error)


class WebhookServer:
    """The HTTP side of webhook mode: store, then answer; tell the handler loop."""

    def __init__(
        self,
        *,
        url: str,
        listen: str,
        secret: str,
        store: Store,
        healthy: Callable[[], Awaitable[str | None]],
    ) -> None:
        self.path = urlsplit(url).path or "/"
        self.host, self.port = listen_address(listen)
        self.secret = secret
        self.store = GroupedStore(store)
        self.healthy = healthy
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._update)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # tests ask for a free port
            sockets = site._server.sockets if site._server is not None else []  # type: ignore[attr-defined]
            self.port = sockets[0].getsockname()[1]
        log.info("webhook: listening on %s:%d%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.store.drain()

    async def _update(self, request: web.Request) -> web.StreamResponse:
        # Junk is answered 4xx, never 500: it needs no secret to send, and a 500 would be
        # an invitation to retry. Header bytes that are not UTF-8 arrive surrogate-escaped.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self.secret.encode()):
            return web.Response(status=403, text="wrong secret token")
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):
            return web.Response(status=400, text="not JSON")
        if not is_update(payload):
            return web.Response(status=400, text="not an update")
        try:
            await self.store(payload)
        except Exception as exc:  # noqa: BLE001 - not stored: Telegram must send it again
            # One line a minute however many requests fail (a database outage fails all).
            log_failure(log, "webhook: updates not stored; Telegram sends them again", exc)
            return web.Response(status=503, text="not stored, try again")
        self.arrived.set()
        return web.Response(status=200)

    async def _health(self, _request: web.Request) -> web.StreamResponse:
        problem: str | None = "the bot cannot tell"
        with contextlib.suppress(Exception):
            problem = await self.healthy()
        if problem is None:
            return web.Response(status=200, text="ok")
        return web.Response(status=503, text=problem)
