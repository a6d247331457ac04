"""The Mini App's web server, on aiohttp beside the bot: a shell page, its script and
style, and views rendered on the server for the person the initData names.

The shell is the same for everyone (a browser never sends the address's fragment, where
Telegram puts the initData); its script sends the initData with each view request, and
each view checks it, then the caller's roles per channel. Pages escape all text
(Jinja2's autoescape); the Content-Security-Policy allows this server's own script and
style only, nothing inline.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.access import Access, Scope
from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator, translator
from bot.moderation.actions import ModerationError
from bot.web.article import article_page
from bot.web.channels import channels_page
from bot.web.hidden import hidden_page
from bot.web.init_data import InitDataError, WebAppUser, validate_init_data
from bot.web.lesson import lesson_page
from bot.web.moderation import moderate

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
INIT_DATA_HEADER = "X-Telegram-Init-Data"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' https:; base-uri 'none'; form-action 'self'; frame-ancestors https:"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BASE = web.AppKey("base", str)  # where the app is mounted, for its links


_VIEW = re.compile(r"^(channels|hidden|(article|lesson)/[0-9]{1,18})$")


def _first_view(asked: str) -> str:
    """The view a link opens on (``?view=article/7`` from a button under a message)."""
    return asked if _VIEW.match(asked) else "channels"


class MiniApp:
    def __init__(
        self,
        config: Config,
        sessions: async_sessionmaker[AsyncSession],
        access: Access,
        clock: Clock,
        bot: Bot,
    ) -> None:
        self.config, self.sessions, self.access, self.clock = config, sessions, access, clock
        self.bot = bot
        self.bot_username = bot.username
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
        )
        self.max_age: timedelta = config.web.init_data_max_age

    def application(self, base: str = "/app") -> web.Application:
        app = web.Application(middlewares=[self._headers])
        app.router.add_get(f"{base}/", self._shell)
        app.router.add_get(f"{base}/view/channels", self._channels)
        app.router.add_get(f"{base}/view/article/{{article_id:[0-9]{{1,18}}}}", self._article)
        app.router.add_get(f"{base}/view/lesson/{{lesson_id:[0-9]{{1,18}}}}", self._lesson)
        app.router.add_get(f"{base}/view/hidden", self._hidden)
        app.router.add_post(f"{base}/act/{{action:hide|ban|unhide}}", self._act)
        app.router.add_static(f"{base}/static", HERE / "static")
        app[BASE] = base
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def _shell(self, request: web.Request) -> web.StreamResponse:
        language = request.headers.get("Accept-Language", "en")[:2]
        _ = translator(language)
        return self._html(
            "shell.html",
            language=language,
            title=_("Discussion"),
            outside=_("Open this page from the bot in Telegram:"),
            bot_link=f"https://t.me/{self.bot_username}",
            base=request.app[BASE],
            first=_first_view(request.query.get("view", "")),
        )

    def _caller(self, request: web.Request) -> WebAppUser:
        try:
            return validate_init_data(
                request.headers.get(INIT_DATA_HEADER, ""),
                self.config.token.get_secret_value(),
                max_age=self.max_age,
                now=self.clock.now(),
            )
        except InitDataError as exc:
            log.info("Mini App request refused: %s", exc)
            raise web.HTTPUnauthorized(text="open the Mini App from the bot") from None

    async def _visit(
        self, request: web.Request, session: AsyncSession
    ) -> tuple[WebAppUser, Translator, Scope]:
        """Who asks (refused without valid initData), in their language, and what they
        may see and do now."""
        user = self._caller(request)
        return user, translator(user.language_code), await self.access.scope(session, user.id)

    def _html(self, template: str, **context: object) -> web.Response:
        html = self.templates.get_template(template).render(**context)
        return web.Response(text=html, content_type="text/html")

    async def _article(self, request: web.Request) -> web.StreamResponse:
        async with self.sessions() as session:
            _user, _, scope = await self._visit(request, session)
            page = await article_page(session, int(request.match_info["article_id"]), scope, _)
        if page is None:
            return web.Response(status=404, text=_("There is no such article in your channels."))
        return self._html("article.html", page={"article": page, "back": _("All channels")})

    async def _lesson(self, request: web.Request) -> web.StreamResponse:
        async with self.sessions() as session:
            _user, _, scope = await self._visit(request, session)
            page = await lesson_page(
                session, int(request.match_info["lesson_id"]), scope, self.config, _,
                dict(request.query),
            )  # fmt: skip
        if page is None:
            return web.Response(status=404, text=_("There is no such article in your channels."))
        return self._html("lesson.html", page=page)

    async def _act(self, request: web.Request) -> web.StreamResponse:
        """A moderator's action, a POST carrying the initData (never a link): the answer
        replaces the comment's buttons."""
        try:
            async with self.sessions.begin() as session:
                _user, _, scope = await self._visit(request, session)
                try:
                    body = await request.json()
                    comment_id = int(body["comment"])
                    reason = str(body.get("reason") or "")[:200]
                except (ValueError, KeyError, TypeError):
                    return web.Response(status=400, text=_("That request could not be read."))
                done = await moderate(
                    session, self.bot, scope, request.match_info["action"], comment_id,
                    reason=reason, at=self.clock.now(), _=_,
                )  # fmt: skip
        except ModerationError as error:
            return web.Response(status=404, text=error.text(_))
        return self._html("acted.html", done=done, comment=comment_id, undo=_("Undo"))

    async def _hidden(self, request: web.Request) -> web.StreamResponse:
        async with self.sessions.begin() as session:
            _user, _, scope = await self._visit(request, session)
            if not scope.is_moderator:
                refusal = _("This page is for the channel's moderators.")
                return web.Response(status=403, text=refusal)
            page = await hidden_page(session, scope, self.config, _, self.clock.now())
        return self._html("hidden.html", page=page, back=_("All channels"))

    async def _channels(self, request: web.Request) -> web.StreamResponse:
        async with self.sessions.begin() as session:
            _user, _, scope = await self._visit(request, session)
            if not (scope.is_admin or scope.is_moderator):
                refusal = _("This page is for the channel's admins and moderators.")
                return web.Response(status=403, text=refusal)
            page = await channels_page(session, scope, self.config, _, self.clock.now())
        return self._html("channels.html", page=page)


async def serve(app: MiniApp, url: str, listen: str, stop: asyncio.Event) -> None:
    """Serve the Mini App at ``listen`` until ``stop``, mounted at ``url``'s path (a
    reverse proxy may forward ``https://bot.example.org/app/`` there)."""
    base = urlsplit(url).path.rstrip("/") or "/app"
    runner = web.AppRunner(app.application(base), access_log=None, handle_signals=False)
    await runner.setup()
    host, _, port = listen.rpartition(":")
    site = web.TCPSite(runner, host, int(port))
    try:
        await site.start()
        log.info("the Mini App is served at %s (%s)", url, listen)
        await stop.wait()
    finally:
        await runner.cleanup()
