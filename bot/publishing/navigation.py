"""Buttons under a post that lead a reader who arrives at part 6 back to part 1.

URL buttons cost none of the post's 4096 characters. Links are Telegram's public
post links: ``t.me/<username>/<id>`` for a public channel, ``t.me/c/<id>/<id>`` for a
private one (which opens for its subscribers).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator
from bot.telegram.links import post_link


def navigation(
    chat_id: int,
    username: str | None,
    language: str,
    first_id: int | None,
    previous_id: int | None,
) -> InlineKeyboardMarkup | None:
    """[Part 1] [Previous part] under a later post; nothing under the first."""
    _ = translator(language)
    buttons = []
    if first_id is not None:
        buttons.append(
            InlineKeyboardButton(_("⏮ Part 1"), url=post_link(chat_id, username, first_id))
        )
    if previous_id is not None and previous_id != first_id:
        buttons.append(
            InlineKeyboardButton(
                _("◀ Previous part"), url=post_link(chat_id, username, previous_id)
            )
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None
