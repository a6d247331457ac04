"""Inline buttons: offered bound to the user and message (``bot.buttons``), and pressed.

Every press comes through ``pressed``: a made-up, copied, stale or someone else's press
is answered with a short notice and changes nothing; an admin's button checks, at the
press, that its presser is still an admin.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import unit_of_work
from bot.buttons import ButtonRefused, buttons_in, claim_button, make_button
from bot.errors import NewsbotError
from bot.telegram.html import escape
from db.models import Button
from handlers.common import Context, reply

log = logging.getLogger(__name__)
Action = Callable[[Update, Context, Button], Awaitable[None]]
ACTIONS: dict[str, Action] = {}
ADMIN_ACTIONS: set[str] = set()


def action(name: str, *, admin: bool = False) -> Callable[[Action], Action]:
    """Register what a button named ``name`` does when pressed."""

    def register(handler: Action) -> Action:
        ACTIONS[name] = handler
        if admin:
            ADMIN_ACTIONS.add(name)
        return handler

    return register


def offer(
    update: Update, rows: list[list[tuple[str, str, str | None]]]
) -> tuple[InlineKeyboardMarkup, list[str]]:
    """A keyboard of (label, action, argument) buttons for the update's user in its chat."""
    unit = unit_of_work.current()
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    keyboard, data = [], []
    for row in rows:
        line = []
        for label, name, argument in row:
            callback = make_button(
                unit.session,
                user_id=user.id,
                chat_id=chat.id,
                action=name,
                argument=argument,
                at=unit.now,
            )
            data.append(callback)
            line.append(InlineKeyboardButton(label, callback_data=callback))
        keyboard.append(line)
    return InlineKeyboardMarkup(keyboard), buttons_in(*data)


async def pressed(update: Update, context: Context) -> None:
    """A button press: acted on only as the button was made for."""
    _ = context.translate
    query = update.callback_query
    assert query is not None
    unit = context.unit
    message = query.message
    try:
        button = await claim_button(
            unit.session,
            query.data,
            user_id=query.from_user.id,
            chat_id=message.chat.id if message else None,
            message_id=message.message_id if message else None,
            at=unit.now,
        )
        if button.action not in ACTIONS:
            raise ButtonRefused(f"no action {button.action}")
        # Checked again at the press: the action acts within the presser's channels now.
        context.scope = await context.services.access.scope(unit.session, query.from_user.id)
        if button.action in ADMIN_ACTIONS and not context.scope.is_admin:
            raise ButtonRefused("no longer an admin")
    except ButtonRefused as refused:
        log.info("refused a button press by %s: %s", query.from_user.id, refused)
        await answer(query, _("This button is not for you, or it has expired."))
        return
    await answer(query, None)
    try:
        await ACTIONS[button.action](update, context, button)
    except NewsbotError as error:  # the user's mistake, answered in their language
        await reply(update, escape(error.text(_)))


async def answer(query: CallbackQuery, text: str | None) -> None:
    """Stop the button's spinner; a query answered before (on a retry) needs nothing more."""
    try:
        await query.answer(text, show_alert=text is not None)
    except TelegramError as exc:
        log.debug("callback query not answered: %s", exc)
