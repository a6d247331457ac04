"""What every handler needs: its services, its session, the user's language, the guards."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from bot.i18n import Translator, translator
from bot.services import Services, services_of

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def services(context: Context) -> Services:
    return services_of(context.bot_data)


def language_of(update: Update) -> Translator:
    user = update.effective_user
    return translator(user.language_code if user else None)


async def reply(update: Update, text: str) -> None:
    """Answer in the chat the update came from, as HTML (all user text is escaped by callers)."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, disable_web_page_preview=True)


def arguments(update: Update, context: Context) -> list[str]:
    """Command arguments, also from a document's caption (which context.args ignores)."""
    if context.args:
        return list(context.args)
    message = update.effective_message
    caption = message.caption if message is not None else None
    if caption and caption.startswith("/"):
        return caption.split()[1:]
    return []


def private_admin_command(handler: Handler) -> Handler:
    """Admin commands work in a private chat, for admins only; anyone else changes nothing."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        _ = language_of(update)
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.type != ChatType.PRIVATE:
            await reply(update, _("Admin commands work in a private chat with me."))
            return
        if not await services(context).access.is_admin(user.id):
            log.info("refused %s from user %s", handler.__name__, user.id)
            await reply(update, _("Sorry, only the channel's admins can do that."))
            return
        await handler(update, context)

    return guarded


async def send_html(context: Context, chat_id: int, text: str, **kwargs: Any) -> None:
    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, **kwargs)
