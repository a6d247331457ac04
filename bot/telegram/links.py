"""Telegram's own addresses for chats and messages, shared by posts' buttons and exports."""

from __future__ import annotations


def bare_chat_id(chat_id: int) -> int:
    """A channel's or supergroup's id without Telegram's ``-100`` prefix, as ``t.me/c/``
    links and Telegram Desktop's exports write it: such an id is -(10**12 + its own).
    (The exported log writes the same in SQL, ``db.queries.export._link``.)"""
    return -(10**12) - chat_id if chat_id <= -(10**12) else abs(chat_id)


def post_link(chat_id: int, username: str | None, message_id: int) -> str:
    """``t.me/<username>/<id>`` for a public chat, ``t.me/c/<id>/<id>`` for a private one
    (which opens for its members only)."""
    if username:
        return f"https://t.me/{username.lstrip('@')}/{message_id}"
    return f"https://t.me/c/{bare_chat_id(chat_id)}/{message_id}"
