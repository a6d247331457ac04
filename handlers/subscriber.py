"""What any reader gets in a private chat with the bot."""

from __future__ import annotations

from telegram import Update

from bot.publishing.service import channel_names
from bot.telegram_html import escape
from handlers.common import Context, reply


async def start_command(update: Update, context: Context) -> None:
    """/start: what newsbot is and what it keeps about the reader."""
    _ = context.translate
    names = await channel_names(context.session, context.services.config)
    await reply(
        update,
        _(
            "Hello! I publish long articles to {channels} as short posts, with a poll "
            "after each lesson, and I keep the discussion.\n\n"
            "What I store about you: your comments under the channel's posts (text, time, "
            "replies, edits), your name and username as Telegram shows them, and your votes "
            "in polls that show voters' names. Anonymous channel polls never tell me who voted.\n\n"
            "Privacy: /mydata sends you what I store about you; /forget deletes it."
        ).format(channels=escape(", ".join(names)))
        + await _staff_welcome(update, context, names),
    )


async def _staff_welcome(update: Update, context: Context, names: list[str]) -> str:
    """For an admin or a moderator: what they are here, and what to do first."""
    _ = context.translate
    user = update.effective_user
    svc = context.services
    if user is None:
        return ""
    channels = escape(", ".join(names))
    if await svc.access.is_admin(user.id):
        return "\n\n" + _(
            "You are an admin of {channels}. To begin, send me an article file with the "
            "caption /import; I will show what to do next. /help lists your commands."
        ).format(channels=channels)
    if await svc.access.is_moderator(context.session, user.id):
        return "\n\n" + _(
            "You are a moderator of {channels}: /hide or /ban in reply to a comment in the "
            "discussion group, /export for the comment log. /help lists your commands."
        ).format(channels=channels)
    return ""
