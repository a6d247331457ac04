"""/export: the comment log, always delivered in a private chat."""

from __future__ import annotations

import asyncio
import shutil

from telegram import Update
from telegram.constants import ChatType

from bot import outbox
from bot.export.log import temporary_directory
from bot.export.request import export_comments, parse_words, usage
from bot.export.scope import ExportError
from bot.i18n import Translator
from bot.publishing.report import escape
from handlers.common import (
    Context,
    arguments,
    refuse_in_private,
    reply,
)


async def export_command(update: Update, context: Context) -> None:
    """/export [channel] [article] [from] [to] [format] [hidden]: always sent privately."""
    _ = context.translate
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    svc = context.services
    channels = [c.key for c in svc.config.channels if context.scope.moderates(c.key)]
    unit = context.unit
    directory = temporary_directory()
    try:
        request = parse_words(arguments(update, context), channels)
        exported = await export_comments(
            unit.session,
            request,
            channels,
            directory,
            every_channel=len(channels) == len(svc.config.channels),
            upload_limit=svc.config.export.upload_limit_bytes,
            now=unit.now,
        )
        content = await asyncio.to_thread(exported.file.path.read_bytes)
    except ExportError as exc:
        error = exc

        def refusal(_: Translator) -> str:
            return escape(error.text(_) + "\n" + usage(_, channels))

        if chat.type == ChatType.PRIVATE:
            await reply(update, refusal(_))
        else:
            await refuse_in_private(update, refusal)  # no public trace of a malformed command
        return
    finally:
        await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)
    outbox.queue_document(
        unit.session,
        user.id,
        content,
        exported.file.name,
        caption=exported.caption(_),
        at=unit.now,
    )
    if chat.type != ChatType.PRIVATE:
        await reply(
            update,
            _("I am sending the log to you in a private chat (start one with me if you have not)."),
        )
