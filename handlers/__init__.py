"""Thin Telegram handlers, all registered here in one visible place."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    MessageReactionHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot import unit_of_work
from bot.logs import redact
from bot.outbox import queue_html
from handlers import actions, comments, discussion, membership
from handlers.commands import (
    COMMANDS,
    guarded,
    publish_menus,
    publish_mini_app_button,
    refresh_menu,
)
from handlers.common import Context, language_of
from handlers.context import context_types

__all__ = [
    "apologise",
    "context_types",
    "publish_menus",
    "publish_mini_app_button",
    "refresh_menu",
    "register",
]

log = logging.getLogger(__name__)


async def on_error(_update: object, context: Context) -> None:
    """Log once with context; the inbox rolls the update back and retries or quarantines it."""
    error = context.error
    assert error is not None
    unit_of_work.report_failure(error)
    secrets = context.services.config.secrets
    log.error("update failed: %s", redact(repr(error), secrets), exc_info=error)


def apologise(session: AsyncSession, update: Update, now: datetime) -> None:
    """The inbox gave up on a private-chat update: tell its sender, once."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    _ = language_of(update)
    queue_html(
        session,
        chat.id,
        _("Something went wrong on my side; nothing was changed. Please try again."),
        at=now,
        reply_to=message.message_id if message is not None else None,
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    # Discussion-group messages first: they are nearly all the traffic, and python-telegram-
    # bot tries handlers in order (the private-chat ones below never match them).
    groups = filters.ChatType.GROUPS
    application.add_handler(
        MessageHandler(groups & filters.IS_AUTOMATIC_FORWARD, discussion.automatic_forward)
    )
    application.add_handler(
        MessageHandler(groups & filters.UpdateType.MESSAGE, comments.group_message)
    )
    application.add_handler(
        MessageHandler(groups & filters.UpdateType.EDITED_MESSAGE, discussion.edited_comment)
    )
    # Commands are private-chat business; in a group, comments.group_message decides.
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, guarded(command), filters=private))
    # Every button is a stored, bound token; actions.pressed refuses any other press.
    application.add_handler(CallbackQueryHandler(actions.pressed))
    # A document whose caption is /import (CommandHandler does not read captions).
    importing = next(command for command in COMMANDS if command.name == "import")
    application.add_handler(
        MessageHandler(
            private & filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)"),
            guarded(importing),
        )
    )
    # A link sent alone is an article to import (for an admin; others hear they may not).
    application.add_handler(
        MessageHandler(
            private & filters.TEXT & filters.Regex(r"^\s*https?://\S+\s*$"), guarded(importing)
        )
    )
    application.add_handler(
        ChatMemberHandler(membership.my_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(PollHandler(discussion.poll_state))
    application.add_handler(PollAnswerHandler(discussion.poll_answer))
    application.add_handler(
        MessageReactionHandler(
            discussion.reaction_counts,
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_COUNT_UPDATED,
        )
    )
    application.add_handler(
        MessageReactionHandler(
            discussion.comment_reaction,
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_UPDATED,
        )
    )
    application.add_error_handler(on_error)
