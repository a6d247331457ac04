"""Moderators' commands: /hide and /ban in the discussion group, /export, /audit, roles."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Awaitable, Callable

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType

from bot import outbox, unit_of_work
from bot.export.log import ExportError, temporary_directory
from bot.export.request import USAGE, export_comments, parse_words
from bot.i18n import Translator
from bot.moderation.actions import (
    Hidden,
    ModerationError,
    ban_author,
    change_role,
    comment_in_scope,
    describe_user,
    discussion_groups,
    hide_comment,
    is_discussion_group,
    speaks_for_staff,
    unban,
    unhide_comment,
)
from bot.moderation.audit import recent_actions
from bot.moderation.rules import rule_broken
from bot.notices import tell
from bot.publishing.report import escape
from bot.responses.comments import message_text, store_comment
from bot.telegram_html import bold
from bot.unit_of_work import current_session
from db.models import Comment
from handlers.common import (
    Context,
    arguments,
    moderator_only,
    private_admin_command,
    reply,
)

log = logging.getLogger(__name__)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


async def _is_moderator(update: Update, context: Context) -> bool:
    message, user = update.effective_message, update.effective_user
    if message is not None and message.sender_chat is not None:
        return await speaks_for_staff(context.session, message.chat.id, message.sender_chat.id)
    if user is None:
        return False
    return await context.services.access.is_moderator(context.session, user.id)


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
    command = GROUP_COMMANDS.get(command_name(message, context.bot.username) or "")
    session = context.session
    if (
        command is not None
        and await is_discussion_group(session, message.chat.id)
        and await _is_moderator(update, context)
    ):
        await command(update, context)
        return
    await comment_with_rules(update, context)


async def in_private_only(update: Update, context: Context) -> None:
    """/hide or /ban in a private chat: say where they work."""
    _ = context.translate
    await reply(update, _("Use this in the discussion group, in reply to a comment."))


async def _in_private(update: Update, render: Callable[[Translator], str]) -> None:
    """A moderation command that cannot be carried out leaves no trace in the group: it is
    removed there, and the moderator hears why in a private chat."""
    user = update.effective_user
    await _tidy(update.effective_message)
    if user is not None:
        unit = unit_of_work.current()
        await tell(unit.session, [user.id], render, unit.now)


async def _moderation_target(update: Update) -> Comment | None:
    """The comment a moderator's command replies to, within newsbot's threads."""
    message = update.effective_message
    assert message is not None
    target = message.reply_to_message
    if target is None or target.is_automatic_forward:
        await _in_private(
            update, lambda _: _("Send /hide or /ban in reply to the comment you mean.")
        )
        return None
    comment = await comment_in_scope(current_session(), target.chat.id, target.message_id)
    if comment is None:
        await _in_private(
            update,
            lambda _: _("That is not a comment under one of my posts; I moderate only those."),
        )
    return comment


async def _tidy(message: Message | None) -> None:
    """Remove the moderator's command from the thread once the update commits."""
    if message is not None:
        unit = unit_of_work.current()
        outbox.queue_delete(unit.session, message.chat.id, message.message_id, at=unit.now)


async def _moderate(
    update: Update,
    context: Context,
    act: Callable[[int | None, str], Awaitable[Hidden]],
    done: Callable[[Translator], str],
) -> None:
    """Run a moderation action with the command's reason; tidy the command away after, and
    confirm to the moderator privately (with the undo), saying so when Telegram kept the
    message."""
    user = update.effective_user
    try:
        hidden = await act(user.id if user else None, " ".join(arguments(update, context)))
    except ModerationError as exc:
        refused = exc
        await _in_private(
            update, lambda _: _("Not done: {reason}").format(reason=escape(refused.text(_)))
        )
        return
    await _tidy(update.effective_message)
    if user is None:
        return
    refusal = escape(hidden.refusal or "")

    def confirmation(_: Translator) -> str:
        text = done(_)
        if not hidden.deleted:
            text += "\n" + _(
                "Hidden in my records and exports, but Telegram keeps the message visible "
                "({reason}): a message 48 hours old or older can only be deleted by hand in "
                "the group."
            ).format(reason=refusal)
        return text

    await tell(context.session, [user.id], confirmation, context.services.clock.now())


async def hide_command(update: Update, context: Context) -> None:
    """/hide [reason], in reply to a comment."""
    target = await _moderation_target(update)
    if target is None:
        return

    async def hide(actor: int | None, reason: str) -> Hidden:
        return await hide_comment(
            context.session,
            context.bot,
            target.chat_id,
            target.message_id,
            actor_id=actor,
            reason=reason,
            at=context.services.clock.now(),
        )

    def done(_: Translator) -> str:
        return _("Hidden: a comment by {author}: «{text}». Undo: /unhide {id}").format(
            author=_author(target), text=escape(_snippet(target.text)), id=target.id
        )

    await _moderate(update, context, hide, done)


async def ban_command(update: Update, context: Context) -> None:
    """/ban [reason], in reply to a comment: keep its author (a person or a channel) out."""
    _ = context.translate
    target = await _moderation_target(update)
    if target is None:
        return
    if target.user_id is None and target.sender_chat_id is None:
        await reply(update, _("That message has no person to ban."))
        return

    async def ban(actor: int | None, reason: str) -> Hidden:
        return await ban_author(
            context.session,
            context.bot,
            target,
            actor_id=actor,
            reason=reason,
            at=context.services.clock.now(),
        )

    undo = f"chat:{target.sender_chat_id}" if target.sender_chat_id else str(target.user_id)
    author = _author(target)

    def done(_: Translator) -> str:
        return _(
            "Banned {author} from the discussion group; the comment is hidden. Undo: /unban {undo}"
        ).format(author=author, undo=undo)

    await _moderate(update, context, ban, done)


def _author(comment: Comment) -> str:
    if comment.sender_chat_id is not None:
        return escape(comment.sender_chat_title or str(comment.sender_chat_id))
    return escape(str(comment.user_id)) if comment.user_id is not None else "?"


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@moderator_only
async def unhide_command(update: Update, context: Context) -> None:
    """/unhide ID: a hidden comment counts again in exports and summaries."""
    _ = context.translate
    words = arguments(update, context)
    if len(words) != 1 or not words[0].isdigit():
        await reply(update, _("Usage: /unhide ID (the number in the /hide confirmation)"))
        return
    unit = unit_of_work.current()
    user = update.effective_user
    try:
        await unhide_comment(
            unit.session, int(words[0]), actor_id=user.id if user else None, at=unit.now
        )
    except ModerationError as exc:
        await reply(update, escape(exc.text(context.translate)))
        return
    await reply(
        update,
        _(
            "Comment {id} is back in my records, exports and summaries. Telegram deleted the "
            "message itself; it cannot be brought back there."
        ).format(id=words[0]),
    )


@moderator_only
async def unban_command(update: Update, context: Context) -> None:
    """/unban USER (or chat:ID): let them write in the discussion groups again."""
    _ = context.translate
    words = arguments(update, context)
    if len(words) != 1:
        await reply(update, _("Usage: /unban USER (id or @username) or /unban chat:ID"))
        return
    unit = unit_of_work.current()
    user = update.effective_user
    try:
        await unban(
            unit.session,
            context.bot,
            words[0],
            await discussion_groups(unit.session),
            actor_id=user.id if user else None,
        )
    except ModerationError as exc:
        await reply(update, escape(exc.text(context.translate)))
        return
    await reply(
        update,
        _("{who} may write in the discussion groups again.").format(who=escape(words[0])),
    )


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

    await tell(
        session, set(svc.config.moderators) | set(svc.config.admins), notice, svc.clock.now()
    )


async def export_command(update: Update, context: Context) -> None:
    """/export [channel] [article] [from] [to] [format] [hidden]: always sent privately."""
    _ = context.translate
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    svc = context.services
    if not await svc.access.is_moderator(context.session, user.id):
        await reply(update, _("Sorry, only moderators can do that."))
        return
    channels = [c.key for c in svc.config.channels]
    unit = unit_of_work.current()
    directory = temporary_directory()
    try:
        request = parse_words(arguments(update, context), channels)
        exported = await export_comments(
            unit.session,
            request,
            channels,
            directory,
            upload_limit=svc.config.export.upload_limit_bytes,
            now=unit.now,
        )
        content = exported.file.path.read_bytes()
    except ExportError as exc:
        error = exc

        def refusal(_: Translator) -> str:
            return escape(error.text(_) + "\n" + _(USAGE))

        if chat.type == ChatType.PRIVATE:
            await reply(update, refusal(_))
        else:
            await _in_private(update, refusal)  # no public trace of a malformed command
        return
    finally:
        shutil.rmtree(directory, ignore_errors=True)
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


async def audit_command(update: Update, context: Context) -> None:
    """/audit: recent moderation and admin actions (moderators, in private)."""
    _ = context.translate
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if chat.type != ChatType.PRIVATE or not await context.services.access.is_moderator(
        context.session, user.id
    ):
        await reply(update, _("Sorry, only moderators can do that, in a private chat."))
        return
    lines = [bold(_("Recent actions"))]
    for entry in await recent_actions(context.session):
        lines.append(
            escape(
                f"{entry.created_at:%Y-%m-%d %H:%M} UTC · {entry.action} · {entry.target or ''} · "
                f"by {entry.actor_id if entry.actor_id is not None else 'newsbot'}"
                + (f" · {entry.detail.get('reason')}" if entry.detail.get("reason") else "")
            )
        )
    await reply(update, "\n".join(lines))


async def _role_command(update: Update, context: Context, grant: bool) -> None:
    _ = context.translate
    words = arguments(update, context)
    if len(words) != 2:
        await reply(
            update, _("Usage: /grant moderator USER or /revoke moderator USER (id or @username)")
        )
        return
    if words[0] != "moderator":
        await reply(
            update,
            _(
                "Only the moderator role is granted here. Admins are named in the "
                "configuration (admins) or are the channels' own administrators."
            ),
        )
        return
    user = update.effective_user
    assert user is not None
    session = context.session
    try:
        target, changed = await change_role(
            session, words[1], words[0], grant=grant, actor_id=user.id
        )
    except ModerationError as exc:
        await reply(update, escape(exc.text(context.translate)))
        return
    if grant:
        text = _("{user} is now a moderator.") if changed else _("{user} already is a moderator.")
    else:
        text = (
            _("{user} is no longer a moderator.") if changed else _("{user} was not a moderator.")
        )
    await reply(update, text.format(user=escape(await describe_user(session, target))))


@private_admin_command
async def grant_command(update: Update, context: Context) -> None:
    """/grant moderator USER."""
    await _role_command(update, context, True)


@private_admin_command
async def revoke_command(update: Update, context: Context) -> None:
    """/revoke moderator USER."""
    await _role_command(update, context, False)


GROUP_COMMANDS = {"hide": hide_command, "ban": ban_command, "export": export_command}
