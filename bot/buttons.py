"""Inline buttons bound to their user, the message they went out with, and a deadline.

A button's callback data is only a random token; what it does, for whom and on
which message is stored here. A made-up, copied or stale callback query
(another user, another message, a channel post, after the deadline, a second
press) is refused and changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from db.models import Button

PREFIX = "b:"
BUTTON_LIFETIME = timedelta(hours=1)


class ButtonRefused(Exception):
    """The press is not one the button was made for; the reason is for the log."""


def make_button(
    session: AsyncSession,
    *,
    user_id: int,
    chat_id: int,
    action: str,
    at: datetime,
    argument: str | None = None,
    lifetime: timedelta = BUTTON_LIFETIME,
) -> str:
    """A new button's callback data; it learns its message id when the outbox sends it."""
    token = secrets.token_urlsafe(12)
    session.add(
        Button(
            token=token,
            user_id=user_id,
            chat_id=chat_id,
            action=action,
            argument=argument,
            created_at=at,
            expires_at=at + lifetime,
        )
    )
    return PREFIX + token


Choice = tuple[str, str, str | None]  # a button: label, action, argument


def keyboard(
    session: AsyncSession,
    rows: list[list[Choice]],
    *,
    user_id: int,
    chat_id: int,
    at: datetime,
    lifetime: timedelta = BUTTON_LIFETIME,
) -> tuple[InlineKeyboardMarkup, list[str]]:
    """A keyboard of (label, action, argument) buttons for one user in one chat, and the
    tokens the outbox binds to the message it goes out with."""
    markup, data = [], []
    for row in rows:
        line = []
        for label, action, argument in row:
            callback = make_button(
                session, user_id=user_id, chat_id=chat_id, action=action, argument=argument,
                at=at, lifetime=lifetime,
            )  # fmt: skip
            data.append(callback)
            line.append(InlineKeyboardButton(label, callback_data=callback))
        markup.append(line)
    return InlineKeyboardMarkup(markup), buttons_in(*data)


def mini_app_button(url: str, label: str, view: str) -> InlineKeyboardButton:
    """A ``web_app`` button that opens the Mini App (``[web] url``) on ``view``; Telegram
    shows these in private chats only, which is where newsbot offers them."""
    return InlineKeyboardButton(label, web_app=WebAppInfo(f"{url}?view={view}"))


def mini_app_keyboard(url: str | None, label: str, view: str) -> InlineKeyboardMarkup | None:
    """One [Open the discussion] button, or None where no Mini App is served."""
    return InlineKeyboardMarkup([[mini_app_button(url, label, view)]]) if url else None


def token_of(callback_data: str) -> str:
    return callback_data.removeprefix(PREFIX)


async def claim_button(
    session: AsyncSession,
    callback_data: str | None,
    *,
    user_id: int,
    chat_id: int | None,
    message_id: int | None,
    at: datetime,
) -> Button:
    """The button pressed, marked used; ``ButtonRefused`` unless this press is the one it allows."""
    if not callback_data or not callback_data.startswith(PREFIX):
        raise ButtonRefused("not one of newsbot's buttons")
    button = await session.get(Button, token_of(callback_data))
    if button is None:
        raise ButtonRefused("unknown button")
    if button.user_id != user_id:
        raise ButtonRefused("pressed by another user")
    if button.message_id is None or (button.chat_id, button.message_id) != (chat_id, message_id):
        raise ButtonRefused("pressed on another message")
    if button.used_at is not None:
        raise ButtonRefused("already used")
    if at >= button.expires_at:
        raise ButtonRefused("expired")
    button.used_at = at
    return button


def buttons_in(*callback_data: str) -> list[str]:
    """The tokens the outbox attaches to the sent message."""
    return [token_of(data) for data in callback_data]
