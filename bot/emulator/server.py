"""The emulator over HTTP: the Bot API at ``/bot<token>/<method>``, files at
``/file/bot<token>/<path>``, and the reader side at ``/_emulator/...``.

See docs/emulator.md for the reader-side endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
from collections import Counter
from email.utils import formatdate
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator.errors import NOT_FOUND, UNAUTHORIZED, ApiError
from bot.emulator.limits import Faults
from bot.emulator.world import JSON, ReaderError, Upload, World

log = logging.getLogger(__name__)
# Methods that never take faults: the reader side and downloads are the test's own.
_SEND_METHODS = frozenset({"sendmessage", "sendpoll", "senddocument", "sendphoto"})


class EmulatorServer:
    """Runs a ``World`` on a loopback port; ``start`` returns the base URL."""

    def __init__(
        self, world: World, *, faults: Faults | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.world = world
        self.faults = faults or Faults()
        self.host = host
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.in_flight: Counter[str] = Counter()  # requests being answered, by method
        self._webhook_task: asyncio.Task[None] | None = None
        self._methods = {
            name[4:].lower(): getattr(world, name) for name in dir(world) if name.startswith("api_")
        }

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """What python-telegram-bot's ``base_url`` wants (it appends the token)."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.base_url}/file/bot"

    async def start(self, port: int = 0) -> str:
        self.world.closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.on_response_prepare.append(self._stamp_date)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_get("/_emulator/chats", self._reader_chats)
        app.router.add_get("/_emulator/chats/{chat_id}", self._reader_chat)
        app.router.add_post("/_emulator/{action}", self._reader_action)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, port)
        await site.start()
        server = site._server
        assert server is not None
        assert server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        return self.base_url

    async def stop(self) -> None:
        self.world.closing = True  # long polls end now, not at their timeout
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------- Bot API
    async def _stamp_date(self, _request: web.Request, response: web.StreamResponse) -> None:
        """Every answer dated by the emulated world's clock, as Telegram's are by its own:
        ``advance_clock`` shows in the Date header."""
        response.headers["Date"] = formatdate(self.world.clock(), usegmt=True)

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.world.token:
            return _answer(UNAUTHORIZED.to_dict(), 401)
        method = request.match_info["method"].lower()
        handler = self._methods.get(method)
        if handler is None:
            return _answer(NOT_FOUND.to_dict(), 404)
        try:
            params = await _params(request)
        except ApiError as exc:
            return _answer(exc.to_dict(), exc.code)
        self.in_flight[method] += 1
        try:
            return await self._answer_call(request, method, handler, params)
        finally:
            self.in_flight[method] -= 1

    async def _answer_call(
        self, request: web.Request, method: str, handler: Any, params: JSON
    ) -> web.StreamResponse:
        fault = self.faults.draw(method)
        if fault is not None and fault.kind == "429":
            return _answer(ApiError(429, "Too Many Requests: retry after 1", 1).to_dict(), 429)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(self.faults.slow_seconds)
        if fault is not None and fault.kind == "5xx" and not fault.after_effect:
            return _answer({"ok": False, "error_code": 502, "description": "Bad Gateway"}, 502)
        if fault is not None and fault.kind in ("timeout", "drop") and not fault.after_effect:
            return await self._fail(request, fault.kind)
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            return _answer(exc.to_dict(), exc.code)
        self.world.log.append((method, params if method in _SEND_METHODS else {}))
        if fault is not None and fault.kind in ("timeout", "drop", "5xx"):
            # The call took effect; the client is left not knowing it.
            if fault.kind == "5xx":
                return _answer(
                    {"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500
                )
            return await self._fail(request, fault.kind)
        return _answer({"ok": True, "result": result}, 200)

    async def _fail(self, request: web.Request, kind: str) -> web.StreamResponse:
        if kind == "timeout":
            await asyncio.sleep(self.faults.timeout_seconds)
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=500)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.world.token:
            return web.Response(status=401)
        content = self.world.file_content(request.match_info["path"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # ------------------------------------------------------------ webhooks
    async def _deliver_webhooks(self) -> None:
        """POST pending updates to the webhook as Telegram does: several at once, up to the
        webhook's ``max_connections`` (so they may arrive out of order), each retried until
        answered 200."""
        in_flight: dict[int, asyncio.Task[None]] = {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            try:
                while True:
                    self.world.changed.clear()  # before looking: a change after it wakes us
                    webhook = self.world.webhook
                    self.world.settle_queue()
                    if webhook is not None:
                        limit = int(webhook.get("max_connections") or 40)
                        for update in list(self.world.updates):
                            if len(in_flight) >= limit:
                                break
                            if update["update_id"] not in in_flight:
                                in_flight[update["update_id"]] = asyncio.create_task(
                                    self._deliver_one(session, webhook, update)
                                )
                    changed = asyncio.create_task(self.world.changed.wait())
                    try:
                        await asyncio.wait(
                            {changed, *in_flight.values()},
                            timeout=0.5,
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                    finally:
                        changed.cancel()
                    for update_id in [k for k, task in in_flight.items() if task.done()]:
                        del in_flight[update_id]
            finally:
                for task in in_flight.values():
                    task.cancel()

    async def _deliver_one(
        self, session: aiohttp.ClientSession, webhook: JSON, update: JSON
    ) -> None:
        headers = {}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(webhook["secret_token"])
        target = self.world.webhook_delivery_url()
        try:
            if target is None:
                raise aiohttp.ClientConnectionError("the address cannot be resolved")
            async with session.post(target, json=update, headers=headers) as answer:
                ok = answer.status == 200
                error = f"Wrong response from the webhook: {answer.status} {answer.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, error = False, f"Connection failed: {exc.__class__.__name__}"
        if ok:
            self.world.updates = [u for u in self.world.updates if u is not update]
        else:
            self.world.webhook_last_error = (int(time.time()), error)
            await asyncio.sleep(0.2)  # then it is taken again

    # --------------------------------------------------------- reader side
    async def _reader_chats(self, _request: web.Request) -> web.StreamResponse:
        chats = [
            chat.public() | {"linked_chat_id": chat.linked_chat_id}
            for chat in self.world.chats.values()
        ]
        return _answer({"ok": True, "result": chats}, 200)

    async def _reader_chat(self, request: web.Request) -> web.StreamResponse:
        try:
            chat_id = int(request.match_info["chat_id"])
            messages = self.world.messages(chat_id)
        except (ValueError, KeyError):
            return _answer({"ok": False, "description": "no such chat"}, 404)
        return _answer({"ok": True, "result": messages}, 200)

    async def _reader_action(self, request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]
        handler = READER_ACTIONS.get(action)
        if handler is None:
            return _answer({"ok": False, "description": f"unknown action {action!r}"}, 404)
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ReaderError("the body is a JSON object of the action's arguments")
            _refuse_malformed(body)
            result = handler(self.world, body)
        except (ReaderError, KeyError, TypeError, ValueError) as exc:
            return _answer({"ok": False, "description": f"{exc.__class__.__name__}: {exc}"}, 400)
        return _answer({"ok": True, "result": result}, 200)


def _refuse_malformed(value: Any) -> None:
    """Text Telegram's apps could never send: a lone UTF-16 surrogate (it would break
    getUpdates' JSON for everyone after it)."""
    if isinstance(value, str):
        if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
            raise ReaderError("text with a lone UTF-16 surrogate is not valid Unicode")
    elif isinstance(value, dict):
        for item in value.values():
            _refuse_malformed(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_malformed(item)


def _answer(payload: JSON, status: int) -> web.Response:
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json"
    )


async def _params(request: web.Request) -> JSON:
    params: JSON = dict(request.query)
    if request.method not in ("POST", "PUT") or not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise ApiError(400, "Bad Request: can't parse JSON") from None
        if isinstance(body, dict):
            params.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                content = await part.read(decode=False)
                params[part.name] = Upload(
                    part.filename, part.headers.get("Content-Type"), bytes(content)
                )
            else:
                params[part.name] = await part.text()
    else:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    # Attached files are referenced as "attach://name" by some clients.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.get(value.removeprefix("attach://"), value)
    return params


READER_ACTIONS: dict[str, Any] = {
    "add_user": lambda w, b: w.add_user(**b),
    "create_channel": lambda w, b: dict(
        zip(("channel_id", "group_id"), w.create_channel(**b), strict=True)
    ),
    "send_private": lambda w, b: w.send_private(**b),
    "send_document": lambda w, b: w.send_document(
        **{**b, "content": str(b["content"]).encode("utf-8")}
    ),
    "comment": lambda w, b: w.comment(**b),
    "reply": lambda w, b: w.reply(**b),
    "post_in_group": lambda w, b: w.post_in_group(**b),
    "edit": lambda w, b: w.edit(**b),
    "vote": lambda w, b: w.vote(**b),
    "react": lambda w, b: w.react(**b),
    "press_button": lambda w, b: w.press_button(**b),
    "click": lambda w, b: w.click(**b),
    "open_web_app": lambda w, b: w.open_web_app(**b),
    "deliver_raw_update": lambda w, b: w.deliver_raw_update(**b),
    "make_admin": lambda w, b: w.make_admin(**b),
    "add_member": lambda w, b: w.add_member(**b),
    "remove_member": lambda w, b: w.remove_member(**b),
    "promote": lambda w, b: w.promote(**b),
    "restrict": lambda w, b: w.restrict(**b),
    "forward_to_bot": lambda w, b: w.forward_to_bot(**b),
    "demote": lambda w, b: w.demote(**b),
    "link_discussion": lambda w, b: w.link_discussion(**b),
    "create_group": lambda w, b: w.create_group(**b),
    "set_privacy_mode": lambda w, b: w.set_privacy_mode(**b),
    "advance_clock": lambda w, b: w.advance_clock(float(b["seconds"])),
    "set_reaction_count_delay": lambda w, b: w.set_reaction_count_delay(float(b["seconds"])),
}
