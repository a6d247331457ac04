"""Reactions on messages: anonymous counts on channel posts, per-user reactions in groups.

As Telegram describes it: ``message_reaction_count`` (channel posts, anonymous) reaches
an administrator bot grouped and late, one update with the latest totals per post
after ``reaction_count_delay`` seconds; ``message_reaction`` (per user, groups) reaches an
administrator bot that listed it in ``allowed_updates``. Neither reaches a bot that is
not an administrator of the chat.
"""

from __future__ import annotations

from bot.emulator.polls import Polls
from bot.emulator.state import JSON, ReaderError


def _emoji(items: set[str]) -> list[JSON]:
    return [{"type": "emoji", "emoji": item} for item in sorted(items)]


class Reactions(Polls):
    def set_reaction_count_delay(self, seconds: float) -> float:
        """How late anonymous reaction counts on channel posts arrive from now on."""
        if seconds < 0:
            raise ReaderError("a delay is not negative")
        self.reaction_count_delay = seconds
        return seconds

    def react(self, user_id: int, chat_id: int, message_id: int, emoji: str | None) -> None:
        """Set (or, with None, remove) the user's reaction."""
        user = self._user(user_id)
        chat = self.chats[chat_id]
        if message_id not in chat.messages:
            raise ReaderError("no such message")
        per_user = self.reactions.setdefault((chat_id, message_id), {})
        old = set(per_user.get(user_id, set()))
        if emoji is None:
            per_user.pop(user_id, None)
        else:
            per_user[user_id] = {emoji}
        if self._bot_rights(chat) is None:
            return
        if chat.type == "channel":
            # Grouped: a pending count is sent once, with whatever the totals are by then.
            self.pending_reaction_counts.setdefault(
                (chat_id, message_id), self.clock() + self.reaction_count_delay
            )
            self._release_reaction_counts(self.clock())
            return
        self._push(
            "message_reaction",
            {
                "chat": chat.public(),
                "message_id": message_id,
                "user": user,
                "date": self.now(),
                "old_reaction": _emoji(old),
                "new_reaction": _emoji(per_user.get(user_id, set())),
            },
        )

    def _release_reaction_counts(self, now: float) -> None:
        for key, due in sorted(self.pending_reaction_counts.items()):
            if due > now:
                continue
            del self.pending_reaction_counts[key]
            chat_id, message_id = key
            totals: dict[str, int] = {}
            for emojis in self.reactions.get(key, {}).values():
                for item in emojis:
                    totals[item] = totals.get(item, 0) + 1
            self._push(
                "message_reaction_count",
                {
                    "chat": self.chats[chat_id].public(),
                    "message_id": message_id,
                    "date": self.now(),
                    "reactions": [
                        {"type": {"type": "emoji", "emoji": item}, "total_count": count}
                        for item, count in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
                    ],
                },
            )
