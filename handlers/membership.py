"""The bot's own membership: Telegram reports a change of its place or rights in a chat."""

from __future__ import annotations

from telegram import Update

from bot.rights import on_my_membership
from bot.unit_of_work import current
from handlers.common import Context


async def my_membership(update: Update, context: Context) -> None:
    """Added, removed, promoted or demoted in a channel or group: pause, resume, tell."""
    change = update.my_chat_member
    assert change is not None
    unit = current()
    privacy_off = bool(context.bot.bot.can_read_all_group_messages)
    await on_my_membership(unit.session, context.services.access, change, privacy_off, unit.now)
