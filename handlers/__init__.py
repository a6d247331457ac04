"""Thin Telegram handlers, all registered here in one visible place."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    MessageReactionHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot import unit_of_work
from bot.logs import redact
from handlers import admin, discussion, moderation, privacy, subscriber, summary
from handlers.common import Context, language_of, reply, services

log = logging.getLogger(__name__)

ADMIN_COMMANDS = {
    "import": admin.import_command,
    "articles": admin.articles_command,
    "preview": admin.preview_command,
    "publish": admin.publish_command,
    "pause": admin.pause_command,
    "resume": admin.resume_command,
    "cancel": admin.cancel_command,
    "status": admin.status_command,
    "channels": admin.channels_command,
    "summary": summary.summary_command,
    "grant": moderation.grant_command,
    "revoke": moderation.revoke_command,
}
MODERATOR_COMMANDS = {
    "hide": moderation.hide_command,
    "ban": moderation.ban_command,
    "export": moderation.export_command,
    "audit": moderation.audit_command,
}
SUBSCRIBER_COMMANDS = {
    "start": subscriber.start_command,
    "help": subscriber.help_command,
    "mydata": privacy.mydata_command,
    "forget": privacy.forget_command,
}


async def on_error(update: object, context: Context) -> None:
    """Log once with context; roll the update back; tell the user it failed."""
    error = context.error
    assert error is not None
    unit_of_work.report_failure(error)
    token = services(context).config.token.get_secret_value()
    log.error("update failed: %s", redact(repr(error), (token,)), exc_info=error)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        _ = language_of(update)
        try:
            await reply(
                update, _("Something went wrong on my side; nothing was changed. Please try again.")
            )
        except Exception:  # noqa: BLE001 - the reply is a courtesy; the log has the cause
            log.warning("could not tell the user about the failure")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    commands = {**ADMIN_COMMANDS, **MODERATOR_COMMANDS, **SUBSCRIBER_COMMANDS}
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(privacy.forget_answer, pattern=r"^forget:"))
    # A document whose caption is /import (CommandHandler does not read captions).
    application.add_handler(
        MessageHandler(
            private & filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)"),
            admin.import_command,
        )
    )
    groups = filters.ChatType.GROUPS
    application.add_handler(
        MessageHandler(groups & filters.IS_AUTOMATIC_FORWARD, discussion.automatic_forward)
    )
    application.add_handler(
        MessageHandler(
            groups & filters.UpdateType.MESSAGE & ~filters.COMMAND, moderation.comment_with_rules
        )
    )
    application.add_handler(
        MessageHandler(groups & filters.UpdateType.EDITED_MESSAGE, discussion.edited_comment)
    )
    application.add_handler(PollHandler(discussion.poll_state))
    application.add_handler(PollAnswerHandler(discussion.poll_answer))
    application.add_handler(
        MessageReactionHandler(
            discussion.reaction_counts,
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_COUNT_UPDATED,
        )
    )
    application.add_error_handler(on_error)
