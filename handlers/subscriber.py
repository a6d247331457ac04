"""What any reader gets in a private chat with the bot."""

from __future__ import annotations

from telegram import Update

from bot.channels import channels_commented_in, stored_channel
from bot.i18n import counted
from bot.publishing.report import escape
from bot.telegram.html import escape_attribute
from db.models import Channel
from handlers.common import Context, reply


async def start_command(update: Update, context: Context) -> None:
    """/start: what newsbot is, where the reader comments, and what it keeps about them;
    for staff, which channels they run or moderate."""
    _ = context.translate
    user = update.effective_user
    assert user is not None
    text = _(
        "Hello! I publish long articles to channels as short posts, with a poll after each "
        "lesson, and I keep the discussion under them."
    )
    commented = await channels_commented_in(context.session, user.id)
    if commented:
        text += "\n\n" + _("You comment in: {channels}.").format(
            channels=", ".join(_channel_link(channel) for channel in commented)
        )
    text += "\n\n" + _(
        "What I store about you: your comments under the channel's posts (text, time, "
        "replies, edits), your name and username as Telegram shows them, and your votes "
        "in polls that show voters' names. Anonymous channel polls never tell me who voted.\n\n"
        "Privacy: /mydata sends you what I store about you; /forget deletes it."
    )
    await reply(update, text + await _staff_welcome(context))


def _channel_link(channel: Channel) -> str:
    name = escape(channel.title or channel.key)
    if channel.username:
        return f'<a href="https://t.me/{escape_attribute(channel.username)}">{name}</a>'
    return name


async def _staff_welcome(context: Context) -> str:
    """For an admin or a moderator: which channels they run, and what to do first."""
    _ = context.translate
    scope = context.scope
    config = context.services.config
    keys = scope.admin_of or scope.moderator_of
    rows = [await stored_channel(context.session, c.key) for c in config.channels if c.key in keys]
    channels = ", ".join(
        _channel_link(row) if row else escape(key)
        for row, key in zip(rows, [c.key for c in config.channels if c.key in keys], strict=True)
    )
    # Counted, so that languages that name "the channel" or "the channels" can.
    if scope.is_admin:
        return "\n\n" + counted(
            "You are an admin of {channels}. To begin, send me an article file with the "
            "caption /import, or its link; I will show what to do next. /help lists your "
            "commands.",
            "You are an admin of {channels}. To begin, send me an article file with the "
            "caption /import, or its link; I will show what to do next. /help lists your "
            "commands.",
            len(rows),
            _,
            channels=channels,
        )
    if scope.is_moderator:
        return "\n\n" + counted(
            "You are a moderator of {channels}: /hide or /ban in reply to a comment in the "
            "discussion group, /export for the comment log. /help lists your commands.",
            "You are a moderator of {channels}: /hide or /ban in reply to a comment in the "
            "discussion group, /export for the comment log. /help lists your commands.",
            len(rows),
            _,
            channels=channels,
        )
    return ""
