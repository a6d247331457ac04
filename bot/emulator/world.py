"""The emulated Telegram: chats, users, messages, polls and the bot's update queue.

Bot API methods are ``api_<name>`` methods taking the request's parameters and
returning the JSON result (or raising ``ApiError`` as Telegram would answer).
Reader actions (``comment``, ``vote``, ``react``...) let a test or the demo act
as people in the chats. Everything is synchronous and single-threaded: the HTTP
server calls in from one event loop.

The world grows by concern, one module a layer, each building on the ones below:
``state`` (what is held), ``updates`` (the bot's queue), ``chats`` (membership and
rights), ``files``, ``messages`` (and threads), ``polls``, ``reactions``, ``account``.
"""

from __future__ import annotations

from bot.emulator.account import Account
from bot.emulator.state import JSON, ChatState, ReaderError, Upload

__all__ = ["JSON", "ChatState", "ReaderError", "Upload", "World"]


class World(Account):
    """One emulated Telegram with one bot in it."""
