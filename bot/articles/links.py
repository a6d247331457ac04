"""An admin's link to an article: stored with their message, fetched and imported by the
link job (``bot.runtime.sources``), and answered as an imported file is.

A page may take seconds to answer: fetching it inside the updates' transaction would
hold every other update (and, on SQLite, the write lock) that long. The request is a
row instead, so a restart between the message and the fetch resumes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.articles.errors import ArticleError
from bot.articles.fetching import FetchPolicy, check_address
from bot.articles.importer import ImportResult
from bot.articles.web import fetch_page, import_page, read_page
from bot.buttons import Choice, keyboard
from bot.channels import ensure_channel
from bot.clock import Clock
from bot.config import ChannelConfig, Config
from bot.i18n import N_, Translator, translator
from bot.outbox import queue_html
from bot.publishing import report
from db.models import LinkImport, User
from db.queries import feeds as queries

# Longer than any fetch: a process that died holding a link leaves it to another then.
CLAIM = timedelta(minutes=5)


def check_link(url: str, config: Config) -> str:
    """The link, if it can be fetched at all (scheme and host; addresses are checked when
    it is fetched); ``ArticleError`` at once otherwise."""
    if len(url) > 2048:
        raise ArticleError(N_("that link is longer than 2,048 characters"))
    check_address(url, FetchPolicy.of(config.articles))
    return url


async def request_import(
    session: AsyncSession,
    channel: ChannelConfig,
    url: str,
    *,
    lessons: str | None,
    requested_by: int,
    at: datetime,
) -> None:
    """Store the link; the link job fetches it and tells ``requested_by`` how it went."""
    row = await ensure_channel(session, channel, at)
    queries.add_link_import(session, row.id, url, lessons, requested_by, at)


@dataclass(frozen=True)
class LinkOutcome:
    result: ImportResult | None
    error: ArticleError | None


async def import_link(
    sessions: async_sessionmaker[AsyncSession],
    config: Config,
    channel: ChannelConfig,
    url: str,
    *,
    lessons: str | None = None,
    actor_id: int | None,
    clock: Clock,
    then: Callable[[AsyncSession, LinkOutcome], Awaitable[None]] | None = None,
) -> LinkOutcome:
    """Fetch (outside any transaction), read, and store the page's article; ``then`` runs
    in the storing transaction (to tell the admin and close the request with it)."""
    try:
        page = await fetch_page(url, config.articles)
        built = await asyncio.to_thread(read_page, page, config, channel.language, lessons)
    except ArticleError as exc:
        outcome = LinkOutcome(None, exc)
        async with sessions.begin() as session:
            if then is not None:
                await then(session, outcome)
        return outcome
    async with sessions.begin() as session:
        result = await import_page(session, page, built, channel, actor_id=actor_id, at=clock.now())
        outcome = LinkOutcome(result, None)
        if then is not None:
            await then(session, outcome)
    return outcome


class LinkJobs:
    """Runs the stored link requests, each once, and tells each admin how it went."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], config: Config, clock: Clock
    ) -> None:
        self.sessions, self.config, self.clock = sessions, config, clock

    async def run_pending(self) -> int:
        done = 0
        while True:
            now = self.clock.now()
            async with self.sessions.begin() as session:
                claimed = await queries.claim_link_import(session, now, now + CLAIM)
            if claimed is None:
                return done
            request, key = claimed
            done += 1
            try:
                channel = self.config.channel(key)
            except KeyError:  # the channel left the configuration meanwhile
                async with self.sessions.begin() as session:
                    await queries.finish_link_import(session, request.id, self.clock.now())
                continue

            await import_link(
                self.sessions, self.config, channel, request.url, lessons=request.lessons,
                actor_id=request.requested_by, clock=self.clock,
                then=partial(self._finish, request),
            )  # fmt: skip

    async def _finish(
        self, request: LinkImport, session: AsyncSession, outcome: LinkOutcome
    ) -> None:
        """Close the request and tell its admin, in the transaction that stored the article."""
        await queries.finish_link_import(session, request.id, self.clock.now())
        await tell_import(session, request.requested_by, request.url, outcome, self.clock.now())


async def tell_import(
    session: AsyncSession, person: int, url: str, outcome: LinkOutcome, at: datetime
) -> None:
    """The admin's answer, as for a file: the article with [Preview] and its next steps,
    or the one line that says why not."""
    user = await session.get(User, person)
    _ = translator(user.language_code if user else None)
    if outcome.error is not None:
        text = _("Could not import {url}: {reason}").format(
            url=report.escape(url), reason=report.escape(outcome.error.text(_))
        )
        queue_html(session, person, text, at=at)
        return
    result = outcome.result
    assert result is not None
    text = report.import_text(_, result.article, result.created, result.posts)
    if not result.created:
        text += "\n" + (
            _("The page has changed since it was imported.")
            if result.changed
            else _("The page has not changed since it was imported.")
        )
    rows = article_choices(_, result.article.id, report.article_state(result.article))
    markup, tokens = keyboard(session, rows, user_id=person, chat_id=person, at=at)
    queue_html(session, person, text, at=at, markup=markup, buttons=tokens)


def article_choices(_: Translator, article_id: int, state: str) -> list[list[Choice]]:
    """[Preview] and the next steps for the article's state."""
    steps = report.next_steps(_, article_id, state)
    preview: Choice = (_("Preview"), "preview", str(article_id))
    return [[preview, *steps[0]], *steps[1:]] if steps else [[preview]]
