"""A web site of the test's own on loopback: article pages, feeds and the hostile ones."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

PAGES = Path(__file__).parent / "fixtures" / "pages"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Site:
    """Routes are set per test; ``requests`` records what newsbot asked for."""

    base: str = ""
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[web.Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, body: bytes | str, content_type: str = "text/html") -> None:
        data = body.encode() if isinstance(body, str) else body

        async def serve(_request: web.Request) -> web.StreamResponse:
            return web.Response(body=data, content_type=content_type)

        self.routes[path] = serve

    def fixture(self, path: str, name: str) -> None:
        self.page(path, (PAGES / name).read_bytes(), "text/html")

    def redirect(self, path: str, to: str) -> None:
        async def serve(_request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(to)

        self.routes[path] = serve

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        handler = self.routes.get(request.path_qs) or self.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)


@asynccontextmanager
async def running_site(host: str = "127.0.0.1") -> AsyncIterator[Site]:
    site = Site()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", site._dispatch)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, host, 0)
    await tcp.start()
    port = runner.addresses[0][1]
    site.base = f"http://{host}:{port}"
    try:
        yield site
    finally:
        await runner.cleanup()
