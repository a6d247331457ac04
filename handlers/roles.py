"""/grant and /revoke: admins make users moderators and take the role back."""

from __future__ import annotations

from telegram import Update

from bot.moderation.actions import (
    change_role,
    describe_user,
)
from bot.publishing.report import escape
from handlers.common import (
    Context,
    arguments,
    reply,
)


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
    target, changed = await change_role(session, words[1], words[0], grant=grant, actor_id=user.id)
    if grant:
        text = _("{user} is now a moderator.") if changed else _("{user} already is a moderator.")
    else:
        text = (
            _("{user} is no longer a moderator.") if changed else _("{user} was not a moderator.")
        )
    await reply(update, text.format(user=escape(await describe_user(session, target))))
    access = context.services.access
    if changed and not await access.is_admin(target):
        # Their command menu follows the role at once, not at the next start.
        from handlers.commands import publish_menu_for  # the table imports this module

        moderator = await access.is_moderator(session, target)
        await publish_menu_for(
            context.bot, target, ("everyone", "moderator") if moderator else ("everyone",)
        )


async def grant_command(update: Update, context: Context) -> None:
    """/grant moderator USER."""
    await _role_command(update, context, True)


async def revoke_command(update: Update, context: Context) -> None:
    """/revoke moderator USER."""
    await _role_command(update, context, False)
