"""Reactions on messages."""

from __future__ import annotations

from bot.emulator.polls import Polls
from bot.emulator.state import (
    ReaderError,
)


class Reactions(Polls):
    def react(self, user_id: int, chat_id: int, message_id: int, emoji: str | None) -> None:
        """Set (or, with None, remove) the user's reaction; channels report anonymous counts."""
        self._user(user_id)
        chat = self.chats[chat_id]
        if message_id not in chat.messages:
            raise ReaderError("no such message")
        per_user = self.reactions.setdefault((chat_id, message_id), {})
        if emoji is None:
            per_user.pop(user_id, None)
        else:
            per_user[user_id] = {emoji}
        totals: dict[str, int] = {}
        for emojis in per_user.values():
            for item in emojis:
                totals[item] = totals.get(item, 0) + 1
        if self._bot_rights(chat) is None:
            return
        self._push(
            "message_reaction_count",
            {
                "chat": chat.public(),
                "message_id": message_id,
                "date": self.now(),
                "reactions": [
                    {"type": {"type": "emoji", "emoji": item}, "total_count": count}
                    for item, count in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            },
        )
