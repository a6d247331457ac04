"""What every handler needs: its services, its session, the user's language, the guards."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot import outbox, unit_of_work
from bot.i18n import Translator, translator
from bot.responses.comments import remember_user
from handlers.context import NewsbotContext

log = logging.getLogger(__name__)
Context = NewsbotContext
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def language_of(update: Update) -> Translator:
    user = update.effective_user
    return translator(user.language_code if user else None)


async def reply(
    update: Update,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    buttons: list[str] | None = None,
) -> None:
    """Answer in the chat the update came from, as HTML (all user text is escaped by callers).

    The answer goes into the outbox with the update, so a replayed update never answers twice.
    """
    message = update.effective_message
    if message is not None:
        unit = unit_of_work.current()
        outbox.queue_html(
            unit.session,
            message.chat.id,
            text,
            at=unit.now,
            reply_to=message.message_id,
            markup=markup,
            buttons=buttons,
        )


def arguments(update: Update, context: Context) -> list[str]:
    """Command arguments, also from a caption or a group message (which context.args ignore)."""
    if context.args:
        return list(context.args)
    message = update.effective_message
    text = (message.text or message.caption) if message is not None else None
    if text and text.startswith("/"):
        return text.split()[1:]
    return []


def private_admin_command(handler: Handler) -> Handler:
    """Admin commands work in a private chat, for admins only; anyone else changes nothing."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        _ = context.translate
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.type != ChatType.PRIVATE:
            return  # registered for private chats; never answer in public
        if not await context.services.access.is_admin(user.id):
            log.info("refused %s from user %s", handler.__name__, user.id)
            await reply(update, _("Sorry, only the channel's admins can do that."))
            return
        # An admin's language, so notices that come later (a right lost) are in it too.
        unit = unit_of_work.current()
        await remember_user(unit.session, user, unit.now)
        await handler(update, context)

    return guarded


def moderator_only(handler: Handler) -> Handler:
    """Moderator commands in a private chat (moderators, admins, and users granted the role)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        _ = context.translate
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != ChatType.PRIVATE:
            return
        session = context.session
        if not await context.services.access.is_moderator(session, user.id):
            await reply(update, _("Sorry, only moderators can do that."))
            return
        await handler(update, context)

    return guarded
