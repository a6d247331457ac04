"""What any reader gets in a private chat with the bot."""

from __future__ import annotations

from telegram import Update

from bot.publishing.service import channel_names
from bot.telegram_html import escape
from bot.unit_of_work import current_session
from handlers.common import Context, language_of, reply, services


async def start_command(update: Update, context: Context) -> None:
    """/start: what newsbot is and what it keeps about the reader."""
    _ = language_of(update)
    names = await channel_names(current_session(), services(context).config)
    await reply(
        update,
        _(
            "Hello! I publish long articles to {channels} as short posts, with a poll "
            "after each lesson, and I keep the discussion.\n\n"
            "What I store about you: your comments under the channel's posts (text, time, "
            "replies, edits), your name and username as Telegram shows them, and your votes "
            "in polls that show voters' names. Anonymous channel polls never tell me who voted.\n\n"
            "Privacy: /mydata sends you what I store about you; /forget deletes it."
        ).format(channels=escape(", ".join(names))),
    )


async def help_command(update: Update, context: Context) -> None:
    """/help: only the commands the caller may use."""
    _ = language_of(update)
    user = update.effective_user
    lines = [
        _("/start — what this bot is"),
        _("/mydata — what I store about you"),
        _("/forget — delete what I store about you"),
    ]
    svc = services(context)
    if user is not None:
        if await svc.access.is_moderator(current_session(), user.id):
            lines += [
                _("/export [channel|article] [since] [until] [csv|json|jsonl] — comment log"),
                _("/hide [reason] — in reply to a comment: hide it"),
                _("/ban [reason] — in reply to a comment: remove its author"),
                _("/audit — recent moderation and admin actions"),
                _("/unhide ID, /unban USER — undo a /hide or a /ban"),
            ]
        if await svc.access.is_admin(user.id):
            lines += [
                _("/import — send an article file with this caption"),
                _("/articles — imported articles"),
                _("/preview ID — see the posts"),
                _("/publish ID [channel] [start] [every] — schedule an article"),
                _("/pause [ID], /resume [ID] — stop or go on posting"),
                _("/cancel ID — drop what is left of an article"),
                _("/status — what is next, what was posted, what failed"),
                _("/channels — configured channels"),
                _("/summary [channel] [week] — preview the weekly summary"),
                _("/grant moderator USER, /revoke moderator USER — roles"),
            ]
    await reply(update, "\n".join(lines))
