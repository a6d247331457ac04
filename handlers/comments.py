"""Messages in the discussion groups: a moderator's command to the bot, or a comment,
stored and checked against the automatic rules."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update

from bot.i18n import Translator
from bot.moderation.actions import channel_of_group, hide_comment
from bot.moderation.rules import rule_broken
from bot.notices import tell
from bot.publishing.report import escape
from bot.responses.comments import message_text, store_comment
from handlers.commands import GROUP_COMMANDS
from handlers.common import Context


def command_name(message: Message, bot_username: str) -> str | None:
    """The command a group message gives this bot, if it starts with one addressed to it."""
    entities = message.entities
    if not message.text or not entities or entities[0].type != MessageEntity.BOT_COMMAND:
        return None
    if entities[0].offset != 0:
        return None
    name, _at, addressee = message.text[1 : entities[0].length].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return name.lower()


async def group_message(update: Update, context: Context) -> None:
    """A message in a group: a moderator's command to me, or else a comment (a stranger's
    "/publish" included), stored without a word in public."""
    message = update.message
    assert message is not None
    # A moderator's command, behind the command table's guard for the group's channel.
    command = GROUP_COMMANDS.get(command_name(message, context.bot.username) or "")
    if command is not None and await command(update, context):
        return
    await comment_with_rules(update, context)


async def comment_with_rules(update: Update, context: Context) -> None:
    """Store a discussion message; hide it at once when it breaks a rule, and tell moderators
    (and that Telegram kept it, when it would not delete it)."""
    message = update.message
    assert message is not None
    svc = context.services
    session = context.session
    comment = await store_comment(session, message, context.bot.id)
    if comment is None or comment.hidden:
        return
    broken = rule_broken(message_text(message), svc.config.moderation)
    if broken is None:
        return
    hidden = await hide_comment(
        session,
        context.bot,
        message.chat.id,
        message.message_id,
        actor_id=None,
        reason=f"auto: {broken}",
        at=svc.clock.now(),
    )
    author = escape(
        message.sender_chat.title or "?"
        if message.sender_chat
        else message.from_user.full_name
        if message.from_user
        else "?"
    )
    rule, text = escape(broken), escape(message_text(message)[:300])
    refusal = escape(hidden.refusal or "")

    def notice(_: Translator) -> str:
        told = "🛡 " + _("Hidden automatically ({rule}): {author}: {text}").format(
            rule=rule, author=author, text=text
        )
        if not hidden.deleted:
            told += "\n" + _(
                "Telegram would not delete it ({reason}); it stays visible in the group "
                "until a person deletes it."
            ).format(reason=refusal)
        return told

    channel = await channel_of_group(session, message.chat.id)
    moderators = (
        await svc.access.moderators_of(session, svc.config.channel(channel.key))
        if channel is not None and channel.key in {c.key for c in svc.config.channels}
        else svc.access.operators
    )
    await tell(session, moderators, notice, svc.clock.now())
