"""Moderators' commands: /hide and /ban in reply to a comment, /unhide, /unban, /audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.i18n import Translator
from bot.moderation.actions import (
    Hidden,
    ModerationError,
    Person,
    ban_author,
    comment_in_scope,
    describe_user,
    find_people,
    groups_moderated,
    hide_comment,
    unban,
    unhide_comment,
)
from bot.moderation.audit import entry_zones, recent_actions
from bot.notices import tell
from bot.numbers import typed_number
from bot.publishing.report import escape
from bot.telegram.html import bold
from bot.zones import local_time
from db.models import Button, Comment, User
from handlers.buttons import offer
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

    author = await _author(context, target)

    def done(_: Translator) -> str:
        if target.erased_at is not None:
            return _(
                "Hidden: a comment whose author asked to be forgotten. Undo: /unhide {id}"
            ).format(id=target.id)
        return _("Hidden: a comment by {author}: «{text}». Undo: /unhide {id}").format(
            author=author, text=escape(_snippet(target.text)), id=target.id
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

    undo = await _undo_reference(context, target)
    author = await _author(context, target)

    def done(_: Translator) -> str:
        return _(
            "Banned {author} from the discussion group; the comment is hidden. Undo: /unban {undo}"
        ).format(author=author, undo=undo)

    await _moderate(update, context, ban, done)


async def _author(context: Context, comment: Comment) -> str:
    """The comment's author as Telegram shows them (escaped)."""
    if comment.sender_chat_id is not None:
        return escape(comment.sender_chat_title or f"chat:{comment.sender_chat_id}")
    if comment.user_id is None:
        _ = context.translate
        return escape(_("a reader who asked to be forgotten"))
    return escape(await describe_user(context.session, comment.user_id))


async def _undo_reference(context: Context, comment: Comment) -> str:
    """What to type after /unban for this comment's author: @username where there is one."""
    if comment.sender_chat_id is not None:
        return f"chat:{comment.sender_chat_id}"
    user = await context.session.get(User, comment.user_id) if comment.user_id else None
    if user is not None and user.username:
        return escape(f"@{user.username}")
    return str(comment.user_id)


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


async def unhide_command(update: Update, context: Context) -> None:
    """/unhide ID: a hidden comment of the moderator's channels counts again."""
    _ = context.translate
    words = arguments(update, context)
    number = typed_number(words[0]) if len(words) == 1 else None
    if number is None:
        await reply(update, _("Usage: /unhide ID (the number in the /hide confirmation)"))
        return
    unit = context.unit
    comment = await unhide_comment(unit.session, number, context.scope, at=unit.now)
    await reply(
        update,
        _(
            "Comment {id} is back in my records, exports and summaries. Telegram deleted the "
            "message itself; it cannot be brought back there."
        ).format(id=comment.id),
    )


async def unban_command(update: Update, context: Context) -> None:
    """/unban USER: let them write in the moderator's discussion groups again."""
    _ = context.translate
    words = arguments(update, context)
    if not words:
        await reply(update, _("Usage: /unban @username, a name, or chat:ID"))
        return
    channels = await groups_moderated(context.session, context.scope)
    groups = [c.discussion_chat_id for c in channels if c.discussion_chat_id is not None]
    people = await find_people(context.session, " ".join(words), context.scope, groups)
    if len(people) > 1:
        await _ask_which(update, context, people, "unban", lambda p: str(p.id))
        return
    await _unban(update, context, people[0])


async def unban_pressed(update: Update, context: Context, button: Button) -> None:
    """One of several people with the name a moderator typed after /unban."""
    channels = await groups_moderated(context.session, context.scope)
    groups = [c.discussion_chat_id for c in channels if c.discussion_chat_id is not None]
    people = await find_people(context.session, button.argument or "", context.scope, groups)
    await _unban(update, context, people[0])


async def _unban(update: Update, context: Context, person: Person) -> None:
    _ = context.translate
    channels = await groups_moderated(context.session, context.scope)
    await unban(
        context.session,
        context.bot,
        person,
        channels,
        actor_id=context.scope.user_id,
        at=context.now,
    )
    await reply(
        update,
        _("{who} may write in the discussion groups of {channels} again.").format(
            who=escape(person.name), channels=escape(", ".join(c.key for c in channels))
        ),
    )


async def _ask_which(
    update: Update,
    context: Context,
    people: list[Person],
    action_name: str,
    argument: Callable[[Person], str],
) -> None:
    """Several people share the name: a button for each, as Telegram shows them."""
    _ = context.translate
    markup, tokens = offer(
        update, [[(person.name, action_name, argument(person))] for person in people[:10]]
    )
    await reply(update, _("Several people have that name. Whom do you mean?"), markup=markup,
                buttons=tokens)  # fmt: skip


async def audit_command(update: Update, context: Context) -> None:
    """/audit: recent moderation and admin actions in the caller's channels."""
    _ = context.translate
    session = context.session
    lines = [bold(_("Recent actions"))]
    entries = await recent_actions(session, context.scope)
    zones = await entry_zones(session, entries)
    if not entries:
        lines.append(_("Nothing yet."))
    for entry in entries:
        actor = (
            await describe_user(session, entry.actor_id)
            if entry.actor_id is not None
            else "newsbot"
        )
        target = await _target_name(context, entry.target)
        reason = entry.detail.get("reason")
        lines.append(
            escape(
                local_time(entry.created_at, zones.get(entry.channel_id, zones[None]))
                + f" · {entry.action} · {target} · "
                + _("by {who}").format(who=actor)
                + (f" · {reason}" if reason else "")
            )
        )
    await reply(update, "\n".join(lines))


async def _target_name(context: Context, target: str | None) -> str:
    """An audit entry's target in words: a person by name, an article by number."""
    _ = context.translate
    kind, _sep, rest = (target or "").partition(":")
    if kind == "user" and rest.lstrip("-").isdigit():
        return await describe_user(context.session, int(rest))
    if kind == "article":
        return _("article {id}").format(id=rest) if rest.isdigit() else _("all articles")
    if kind == "message":
        return _("a comment")
    return target or ""
