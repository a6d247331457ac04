"""Telling admins and moderators: a notice in each one's language, queued in the current
transaction.

Everything the bot needs an admin to act on (a right lost, a post that could not be
confirmed, an update set aside) goes through here, so it is sent once, after the
commit, by the outbox, to every configured admin in the language Telegram reports
for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.i18n import Translator, translator
from bot.outbox import queue_html
from db.models import User


async def tell(
    session: AsyncSession,
    people: Iterable[int],
    render: Callable[[Translator], str],
    at: datetime,
    *,
    markup: Callable[[Translator], InlineKeyboardMarkup | None] | None = None,
) -> None:
    """Queue ``render(_)`` (HTML, user text escaped by the caller) to each of ``people``,
    with ``markup(_)`` under it (buttons without callbacks, such as the Mini App's)."""
    for person in sorted(set(people)):
        user = await session.get(User, person)
        _ = translator(user.language_code if user else None)
        queue_html(session, person, render(_), at=at, markup=markup(_) if markup else None)
