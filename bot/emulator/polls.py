"""Polls: sending, voting, counting and closing."""

from __future__ import annotations

from telegram.constants import PollLimit

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.files import Files
from bot.emulator.html_mode import text_length as utf16_length
from bot.emulator.state import (
    JSON,
    PollState,
    ReaderError,
    _bool,
    _copy,
    _int,
    _json_param,
)


class Polls(Files):
    def vote(self, user_id: int, chat_id: int, message_id: int, option_ids: list[int]) -> JSON:
        """Vote (or retract, with an empty list) in a poll shown in ``chat_id``."""
        user = self._user(user_id)
        message = self.chats[chat_id].messages.get(message_id)
        if message is None or "poll" not in message:
            raise ReaderError("no poll in that message")
        state = self.polls[message["poll"]["id"]]
        poll = state.poll
        if poll["is_closed"]:
            raise ReaderError("the poll is closed")
        if any(not 0 <= i < len(poll["options"]) for i in option_ids):
            raise ReaderError("no such option")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ReaderError("the poll allows one answer")
        if option_ids:
            state.votes[user_id] = sorted(set(option_ids))
        else:
            state.votes.pop(user_id, None)
        self._recount(state)
        self._push("poll", _copy(poll))
        if not poll["is_anonymous"]:
            self._push(
                "poll_answer",
                {
                    "poll_id": poll["id"],
                    "user": user,
                    "option_ids": list(option_ids),
                    "option_persistent_ids": [
                        poll["options"][i]["persistent_id"] for i in option_ids
                    ],
                },
            )
        return _copy(poll)

    def _recount(self, state: PollState) -> None:
        poll = state.poll
        for index, option in enumerate(poll["options"]):
            option["voter_count"] = sum(index in votes for votes in state.votes.values())
        poll["total_voter_count"] = len(state.votes)

    def api_sendPoll(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        self._check_can_send(chat)
        question = str(params.get("question") or "").strip()
        if not question:
            raise bad_request("poll question must be non-empty")
        if utf16_length(question) > PollLimit.MAX_QUESTION_LENGTH:
            raise bad_request(
                f"poll question length must not exceed {PollLimit.MAX_QUESTION_LENGTH}"
            )
        raw_options = _json_param(params, "options")
        if not isinstance(raw_options, list):
            raise bad_request("poll options must be an array")
        options = [
            str(o.get("text", "") if isinstance(o, dict) else o).strip() for o in raw_options
        ]
        if len(options) < PollLimit.MIN_OPTION_NUMBER:
            raise bad_request("poll must have at least 2 option")
        if len(options) > PollLimit.MAX_OPTION_NUMBER:
            raise bad_request(f"poll can't have more than {PollLimit.MAX_OPTION_NUMBER} options")
        for option in options:
            if not option:
                raise bad_request("poll options must be non-empty")
            if utf16_length(option) > PollLimit.MAX_OPTION_LENGTH:
                raise bad_request(
                    f"poll options length must not exceed {PollLimit.MAX_OPTION_LENGTH}"
                )
        anonymous = _bool(params.get("is_anonymous"), default=True)
        if chat.type == "channel" and not anonymous:
            raise bad_request("non-anonymous polls can't be sent to channel chats")
        poll_type = str(params.get("type") or "regular")
        if poll_type not in ("regular", "quiz"):
            raise bad_request("poll type is invalid")
        poll_id = str(next(self._poll_ids))
        poll: JSON = {
            "id": poll_id,
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": f"{poll_id}-{index}"}
                for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": anonymous,
            "type": poll_type,
            "allows_multiple_answers": _bool(params.get("allows_multiple_answers")),
            "allows_revoting": True,
            "members_only": False,
        }
        self._flood(chat)
        message = self._send(chat, {"poll": poll}, params)
        self.polls[poll_id] = PollState(poll, chat.id, message["message_id"])
        return _copy(message)

    def api_stopPoll(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        # A bot that left the chat (or lost its rights in a channel) cannot close its polls.
        self._check_can_send(chat)
        message = chat.messages.get(_int(params.get("message_id"), 0))
        if message is None or "poll" not in message:
            raise bad_request("message with poll to stop not found")
        state = self.polls[message["poll"]["id"]]
        if state.poll["is_closed"]:
            raise bad_request("poll has already been closed")
        state.poll["is_closed"] = True
        self._push("poll", _copy(state.poll))
        return _copy(state.poll)
