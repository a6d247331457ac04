"""Inline buttons offered bound to the user and message (``bot.buttons``); what a press
does is in the button table, ``handlers.actions``."""

from __future__ import annotations

import logging

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError

from bot import unit_of_work
from bot.buttons import Choice, keyboard, mini_app_button

log = logging.getLogger(__name__)


def offer(update: Update, rows: list[list[Choice]]) -> tuple[InlineKeyboardMarkup, list[str]]:
    """A keyboard of (label, action, argument) buttons for the update's user in its chat."""
    unit = unit_of_work.current()
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    return keyboard(unit.session, rows, user_id=user.id, chat_id=chat.id, at=unit.now)


def with_mini_app(
    markup: InlineKeyboardMarkup | None, url: str | None, label: str, view: str
) -> InlineKeyboardMarkup | None:
    """``markup`` with an [Open the discussion] row that opens the Mini App on ``view``
    (when the config serves one: ``[web] url``)."""
    if url is None:
        return markup
    row = [mini_app_button(url, label, view)]
    rows = [list(line) for line in markup.inline_keyboard] if markup is not None else []
    return InlineKeyboardMarkup([*rows, row])


async def answer(query: CallbackQuery, text: str | None) -> None:
    """Stop the button's spinner; a query answered before (on a retry) needs nothing more."""
    try:
        await query.answer(text, show_alert=text is not None)
    except TelegramError as exc:
        log.debug("callback query not answered: %s", exc)
