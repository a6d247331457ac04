"""A delivered send's record, and telling admins how an article is going: started,
finished (with links), or stuck.

Called in the transaction that records the send, so each notice goes out once, through
the outbox, in each admin's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Access
from bot.buttons import mini_app_keyboard
from bot.i18n import Translator, counted
from bot.notices import tell
from bot.publishing.report import shorten
from bot.telegram.html import escape, escape_attribute
from bot.telegram.links import post_link
from db.models import Article, Channel, Poll, Segment, SegmentState
from db.queries import publishing as queries


def record_delivered(
    item: Segment | Poll,
    message_id: int,
    at: datetime,
    poll_close_after: timedelta,
    telegram_poll_id: str | None = None,
) -> None:
    """Posted, as whichever learnt it first says: the publisher from Telegram's answer, or
    the channel's automatic forward of a send that was in doubt."""
    item.state = SegmentState.POSTED
    item.message_id = message_id
    item.posted_at = at
    item.sending_since = None
    item.last_error = None
    if isinstance(item, Poll):
        item.telegram_poll_id = telegram_poll_id
        item.close_at = at + poll_close_after


async def after_posted(
    session: AsyncSession, access: Access, item: Segment | Poll, now: datetime
) -> None:
    """The first post of an article: it started; its last post or poll: it is finished."""
    if isinstance(item, Poll) and item.companion:
        return
    article_id = await _article_id(session, item)
    article = await session.get(Article, article_id)
    channel = (
        await session.get(Channel, article.channel_id) if article and article.channel_id else None
    )
    if article is None or channel is None or channel.chat_id is None:
        return
    title, key = escape(shorten(article.title)), escape(channel.key)
    team = await access.team_of(channel.key)
    posted = await queries.posted_before(session, article_id, 10**6)
    links = [post_link(channel.chat_id, channel.username, message_id) for _, message_id in posted]
    if isinstance(item, Segment) and item.position == 0 and links:
        first = escape_attribute(links[0])
        await tell(
            session,
            team,
            lambda _: _(
                'Article {id} «{title}» has started in {channel}: <a href="{link}">part 1</a>.'
            ).format(id=article_id, title=title, channel=key, link=first),
            now,
        )
    if await queries.items_left(session, article_id) == 0:

        def finished(_: Translator) -> str:
            parts = " · ".join(
                f'<a href="{escape_attribute(link)}">{number}</a>'
                for number, link in enumerate(links, start=1)
            )
            return _(
                "Article {id} «{title}» is finished in {channel}: {posts}. Parts: {parts}"
            ).format(
                id=article_id,
                title=title,
                channel=key,
                posts=counted("{count} post", "{count} posts", len(links), _),
                parts=parts,
            )

        url, view = access.config.web.url, f"article/{article_id}"
        await tell(
            session, team, finished, now,
            markup=lambda _: mini_app_keyboard(url, _("Open the discussion"), view),
        )  # fmt: skip


async def after_failed(
    session: AsyncSession, access: Access, item: Segment | Poll, error: str, now: datetime
) -> None:
    """A post or poll Telegram refused: what follows waits; the admins hear why at once."""
    article_id = await _article_id(session, item)
    team = await access.team_of(await _channel_key(session, article_id))
    reason = escape(error)
    if isinstance(item, Segment):
        number = item.position + 1
        await tell(
            session,
            team,
            lambda _: _(
                "Post {post} of article {id} failed: {reason}. What follows waits; fix the "
                "cause and /resume {id}."
            ).format(post=number, id=article_id, reason=reason),
            now,
        )
    else:
        await tell(
            session,
            team,
            lambda _: _(
                "A lesson poll of article {id} failed: {reason}. What follows waits; fix the "
                "cause and /resume {id}."
            ).format(id=article_id, reason=reason),
            now,
        )


async def _article_id(session: AsyncSession, item: Segment | Poll) -> int:
    if isinstance(item, Segment):
        return item.article_id
    return await queries.article_of_poll(session, item.id)


async def _channel_key(session: AsyncSession, article_id: int) -> str | None:
    article = await session.get(Article, article_id)
    channel = (
        await session.get(Channel, article.channel_id) if article and article.channel_id else None
    )
    return channel.key if channel else None
