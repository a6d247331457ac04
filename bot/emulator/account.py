"""The bot's own account: getMe, command menus, callback answers."""

from __future__ import annotations

import json

from telegram.constants import CallbackQueryLimit

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.html_mode import text_length as utf16_length
from bot.emulator.reactions import Reactions
from bot.emulator.state import (
    _COMMAND,
    JSON,
    _json_param,
)

# An answer to a button press an hour late is refused (Telegram stops the spinner itself
# long before; it documents no figure, and an hour is the stricter bound).
CALLBACK_ANSWER_WITHIN = 3600.0


class Account(Reactions):
    def set_privacy_mode(self, enabled: bool) -> bool:
        """What @BotFather's /setprivacy does: a plain member bot then sees only commands
        addressed to it, replies to it and service messages."""
        self.privacy_mode = bool(enabled)
        return self.privacy_mode

    def api_getMe(self, _params: JSON) -> JSON:
        return {**self.bot_user, "can_read_all_group_messages": not self.privacy_mode}

    def api_logOut(self, _params: JSON) -> bool:
        return True

    def api_close(self, _params: JSON) -> bool:
        return True

    @staticmethod
    def _commands_key(params: JSON) -> str:
        scope = _json_param(params, "scope") or {"type": "default"}
        language = str(params.get("language_code") or "")
        return json.dumps([scope, language], sort_keys=True)

    def api_setMyCommands(self, params: JSON) -> bool:
        commands = _json_param(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an array of at most 100 BotCommand")
        for command in commands:
            if not _COMMAND.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def api_getMyCommands(self, params: JSON) -> list[JSON]:
        return list(self.commands.get(self._commands_key(params), []))

    def api_deleteMyCommands(self, params: JSON) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def api_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        text = params.get("text")
        if (
            text is not None
            and utf16_length(str(text)) > CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
        ):
            raise bad_request("MESSAGE_TOO_LONG")
        made = self.callback_query_times.pop(query_id, None)
        late = made is not None and self.clock() - made > CALLBACK_ANSWER_WITHIN
        if self.callback_queries.pop(query_id, None) is None or late:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return True

    def api_sendChatAction(self, params: JSON) -> bool:
        # Like a message: refused to a user who never started the bot, or a chat it left.
        self._check_can_send(self._chat(params.get("chat_id")))
        return True
