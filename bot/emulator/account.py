"""The bot's own account: getMe, command menus, callback answers."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

from telegram.constants import CallbackQueryLimit

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.html_mode import text_length as utf16_length
from bot.emulator.reactions import Reactions
from bot.emulator.state import (
    _COMMAND,
    JSON,
    ReaderError,
    _json_param,
    check_web_app_url,
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

    def api_setChatMenuButton(self, params: JSON) -> bool:
        button = _json_param(params, "menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind == "web_app":
            check_web_app_url((button.get("web_app") or {}).get("url"), self.test_environment)
            if not str(button.get("text") or ""):
                raise bad_request("menu button text is empty")
        elif kind not in ("default", "commands"):
            raise bad_request("unsupported menu button type")
        chat_id = params.get("chat_id")
        if chat_id is not None and self._chat(chat_id).type != "private":
            raise bad_request("menu button can be set only in private chats")
        key = None if chat_id is None else self._chat(chat_id).id
        self.menu_buttons[key] = button
        return True

    def api_getChatMenuButton(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else self._chat(chat_id).id
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "default"}

    def open_web_app(
        self,
        user_id: int,
        url: str | None = None,
        chat_id: int | None = None,
        message_id: int | None = None,
        label: str | None = None,
        start_param: str | None = None,
    ) -> JSON:
        """What a Telegram app does when a person opens the bot's Mini App: from the menu
        button (nothing else given), from a ``web_app`` button under a message (``chat_id``,
        ``message_id``, ``label``) or by a link (``url``). The page's address with
        ``#tgWebAppData=...`` signed with the bot's token as Telegram signs it."""
        user = self._user(user_id)
        if chat_id is not None and message_id is not None:
            message = self.chats[chat_id].messages.get(message_id) or {}
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            found = [b for row in rows for b in row if b.get("text") == label and "web_app" in b]
            if not found:
                raise ReaderError(f"no web_app button {label!r} under message {message_id}")
            url = found[0]["web_app"]["url"]
        elif url is None:
            button = self.menu_buttons.get(user_id) or self.menu_buttons.get(None) or {}
            if button.get("type") != "web_app":
                raise ReaderError("the bot's menu button opens no Mini App")
            url = button["web_app"]["url"]
        assert url is not None
        fields = {
            "user": json.dumps(
                {key: user[key] for key in ("id", "first_name", "last_name", "username",
                                            "language_code") if key in user},
                separators=(",", ":"), ensure_ascii=False,
            ),
            "auth_date": str(int(self.clock())),
            "query_id": f"AA{user_id:x}{int(self.clock()):x}",
        }  # fmt: skip
        if start_param:
            fields["start_param"] = start_param
        check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
        secret = hmac.new(b"WebAppData", self.token.encode(), hashlib.sha256).digest()
        fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
        fragment = urlencode(
            {
                "tgWebAppData": urlencode(fields, quote_via=quote),
                "tgWebAppVersion": "8.0",
                "tgWebAppPlatform": "android",
                "tgWebAppThemeParams": json.dumps(
                    {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
                     "link_color": "#2481cc", "button_color": "#2481cc",
                     "button_text_color": "#ffffff"}, separators=(",", ":"),
                ),
            },
            quote_via=quote,
        )  # fmt: skip
        return {"url": f"{url}#{fragment}"}

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
