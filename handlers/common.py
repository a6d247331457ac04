"""What every handler needs: its services, its session, the user's language, the guards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot import outbox, unit_of_work
from bot.i18n import Translator, translator
from bot.notices import tell
from handlers.context import NewsbotContext

log = logging.getLogger(__name__)
Context = NewsbotContext
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
# A command in a discussion group: whether it was taken as one (else it is a comment).
GroupHandler = Callable[[Update, Context], Coroutine[Any, Any, bool]]


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
    In a group it quotes what it answers (several people talk there); in a private chat it
    does not, as a person answering in a conversation would not.
    """
    message = update.effective_message
    if message is not None:
        unit = unit_of_work.current()
        outbox.queue_html(
            unit.session,
            message.chat.id,
            text,
            at=unit.now,
            reply_to=message.message_id if message.chat.type != ChatType.PRIVATE else None,
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


async def tidy_away(message: Message | None) -> None:
    """Remove the moderator's command from the thread once the update commits."""
    if message is not None:
        unit = unit_of_work.current()
        outbox.queue_delete(unit.session, message.chat.id, message.message_id, at=unit.now)


async def refuse_in_private(update: Update, render: Callable[[Translator], str]) -> None:
    """A moderation command that cannot be carried out leaves no trace in the group: it is
    removed there, and the moderator hears why in a private chat."""
    user = update.effective_user
    await tidy_away(update.effective_message)
    if user is not None:
        unit = unit_of_work.current()
        await tell(unit.session, [user.id], render, unit.now)
