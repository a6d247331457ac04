"""/grant and /revoke: a channel's admins make people moderators of it and take it back."""

from __future__ import annotations

from telegram import MessageOriginUser, Update

from bot.channels import stored_channel
from bot.i18n import N_
from bot.moderation.actions import (
    ModerationError,
    Person,
    change_role,
    describe_user,
    display_name,
    find_people,
)
from bot.publishing.report import escape
from bot.responses.comments import remember_user
from db.models import Button, Channel
from handlers.buttons import offer
from handlers.common import Context, arguments, reply


async def _role_command(update: Update, context: Context, grant: bool) -> None:
    """/grant moderator USER [channel]: USER is a forwarded message's author (in reply to
    it), an @username, a name seen in the channel's group, or (operators) a numeric id."""
    _ = context.translate
    words = arguments(update, context)
    usage = _(
        "Usage: /grant moderator USER [channel] or /revoke moderator USER [channel]; USER is "
        "an @username or a name seen in the channel's discussion group, or reply to a "
        "message of theirs forwarded to me."
    )
    if not words:
        await reply(update, usage)
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
    scope = context.scope
    words = words[1:]
    keys = [c.key for c in context.services.config.channels if scope.steers(c.key)]
    named = words.pop() if words and words[-1] in keys else None
    channels = [named] if named else keys
    people = await _people(update, context, " ".join(words), channels)
    if people is None:
        await reply(update, usage)
        return
    verb = "grant" if grant else "revoke"
    if len(people) > 1:
        markup, tokens = offer(
            update,
            [[(p.name, "role", f"{verb}|{named or ''}|{p.id}")] for p in people[:10]],
        )
        await reply(
            update, _("Several people have that name. Whom do you mean?"), markup=markup,
            buttons=tokens,
        )  # fmt: skip
        return
    await _in_channel(update, context, grant, named, people[0])


async def _people(
    update: Update, context: Context, reference: str, channels: list[str]
) -> list[Person] | None:
    message = update.effective_message
    replied = message.reply_to_message if message else None
    origin = replied.forward_origin if replied else None
    if not reference and isinstance(origin, MessageOriginUser):
        user = await remember_user(context.session, origin.sender_user, context.now)
        return [Person(user.id, display_name(user) or f"id {user.id}")]
    if not reference:
        return None
    groups = []
    for key in channels:
        row = await stored_channel(context.session, key)
        if row is not None and row.discussion_chat_id is not None:
            groups.append(row.discussion_chat_id)
    return await find_people(context.session, reference, context.scope, groups, unseen_ids=True)


async def _in_channel(
    update: Update, context: Context, grant: bool, key: str | None, person: Person
) -> None:
    """Ask which channel when the admin steers several and named none; then act."""
    _ = context.translate
    scope = context.scope
    keys = [c.key for c in context.services.config.channels if scope.steers(c.key)]
    if key is None and len(keys) > 1:
        verb = "grant" if grant else "revoke"
        markup, tokens = offer(update, [[(k, "role", f"{verb}|{k}|{person.id}")] for k in keys])
        await reply(
            update,
            _("In which channel?") + " " + escape(person.name),
            markup=markup,
            buttons=tokens,
        )
        return
    key = key or keys[0]
    channel = await stored_channel(context.session, key)
    if channel is None:
        await reply(update, _("Nothing from channel {channel} is stored yet.").format(
            channel=escape(key)))  # fmt: skip
        return
    await _change(update, context, grant, channel, person)


async def _change(
    update: Update, context: Context, grant: bool, channel: Channel, person: Person
) -> None:
    _ = context.translate
    changed = await change_role(
        context.session,
        person,
        channel,
        grant=grant,
        actor_id=context.scope.user_id,
        at=context.now,
    )
    if grant:
        text = (
            _("{user} is now a moderator of {channel}.")
            if changed
            else _("{user} already is a moderator of {channel}.")
        )
    else:
        text = (
            _("{user} is no longer a moderator of {channel}.")
            if changed
            else _("{user} was not a moderator of {channel}.")
        )
    await reply(update, text.format(user=escape(person.name), channel=escape(channel.key)))
    services = context.services
    if changed and services.refresh_menu is not None:
        # Their command menu follows the role at once, not at the next start.
        target = await services.access.scope(context.session, person.id)
        await services.refresh_menu(context.bot, target)


async def role_pressed(update: Update, context: Context, button: Button) -> None:
    """A person picked among several with one name, or the channel for a grant: the
    channel is checked against the presser's channels again."""
    verb, key, person_id = (button.argument or "||").split("|")
    if key and not context.scope.steers(key):
        raise ModerationError(N_("you are not an admin of that channel"))
    person = Person(int(person_id), await describe_user(context.session, int(person_id)))
    await _in_channel(update, context, verb == "grant", key or None, person)


async def grant_command(update: Update, context: Context) -> None:
    """/grant moderator USER [channel]."""
    await _role_command(update, context, True)


async def revoke_command(update: Update, context: Context) -> None:
    """/revoke moderator USER [channel]."""
    await _role_command(update, context, False)
