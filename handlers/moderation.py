"""Moderators' commands: /hide and /ban in reply to a comment, /unhide, /unban, /audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.i18n import Translator
from bot.moderation.actions import (
    Hidden,
    ModerationError,
    ban_author,
    comment_in_scope,
    discussion_groups,
    hide_comment,
    unban,
    unhide_comment,
)
from bot.moderation.audit import recent_actions
from bot.notices import tell
from bot.publishing.report import escape
from bot.telegram_html import bold
from db.models import Comment
from handlers.common import (
    Context,
    arguments,
    refuse_in_private,
    reply,
    tidy_away,
)


async def in_private_only(update: Update, context: Context) -> None:
    """/hide or /ban in a private chat: say where they work."""
    _ = context.translate
    await reply(update, _("Use this in the discussion group, in reply to a comment."))


async def _moderation_target(update: Update, context: Context) -> Comment | None:
    """The comment a moderator's command replies to, within newsbot's threads."""
    message = update.effective_message
    assert message is not None
    target = message.reply_to_message
    if target is None or target.is_automatic_forward:
        await refuse_in_private(
            update, lambda _: _("Send /hide or /ban in reply to the comment you mean.")
        )
        return None
    comment = await comment_in_scope(context.session, target.chat.id, target.message_id)
    if comment is None:
        await refuse_in_private(
            update,
            lambda _: _("That is not a comment under one of my posts; I moderate only those."),
        )
    return comment


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
        await refuse_in_private(
            update, lambda _: _("Not done: {reason}").format(reason=escape(refused.text(_)))
        )
        return
    await tidy_away(update.effective_message)
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
    target = await _moderation_target(update, context)
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
    target = await _moderation_target(update, context)
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


async def unhide_command(update: Update, context: Context) -> None:
    """/unhide ID: a hidden comment counts again in exports and summaries."""
    _ = context.translate
    words = arguments(update, context)
    if len(words) != 1 or not words[0].isdigit():
        await reply(update, _("Usage: /unhide ID (the number in the /hide confirmation)"))
        return
    unit = context.unit
    user = update.effective_user
    await unhide_comment(
        unit.session, int(words[0]), actor_id=user.id if user else None, at=unit.now
    )
    await reply(
        update,
        _(
            "Comment {id} is back in my records, exports and summaries. Telegram deleted the "
            "message itself; it cannot be brought back there."
        ).format(id=words[0]),
    )


async def unban_command(update: Update, context: Context) -> None:
    """/unban USER (or chat:ID): let them write in the discussion groups again."""
    _ = context.translate
    words = arguments(update, context)
    if len(words) != 1:
        await reply(update, _("Usage: /unban USER (id or @username) or /unban chat:ID"))
        return
    unit = context.unit
    user = update.effective_user
    await unban(
        unit.session,
        context.bot,
        words[0],
        await discussion_groups(unit.session),
        actor_id=user.id if user else None,
    )
    await reply(
        update,
        _("{who} may write in the discussion groups again.").format(who=escape(words[0])),
    )


async def audit_command(update: Update, context: Context) -> None:
    """/audit: recent moderation and admin actions (moderators, in private)."""
    _ = context.translate
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
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
