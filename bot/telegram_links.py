"""Telegram's own addresses for chats and messages, shared by posts' buttons and exports."""

from __future__ import annotations


def bare_chat_id(chat_id: int) -> int:
    """A channel's or supergroup's id without Telegram's ``-100`` prefix, as ``t.me/c/``
    links and Telegram Desktop's exports write it."""
    return int(str(chat_id).removeprefix("-100").lstrip("-"))


def post_link(chat_id: int, username: str | None, message_id: int) -> str:
    """``t.me/<username>/<id>`` for a public chat, ``t.me/c/<id>/<id>`` for a private one
    (which opens for its members only)."""
    if username:
        return f"https://t.me/{username.lstrip('@')}/{message_id}"
    return f"https://t.me/c/{bare_chat_id(chat_id)}/{message_id}"
