"""Messages and threads: sending, editing, deleting, and readers writing in chats."""

from __future__ import annotations

from telegram.constants import MessageLimit

from bot.emulator import html_mode
from bot.emulator.chats import Chats
from bot.emulator.errors import (
    bad_request,
    too_many_requests,
)
from bot.emulator.html_mode import text_length as utf16_length
from bot.emulator.state import (
    CHANNEL_BOT,
    DELETE_WINDOW_SECONDS,
    GROUP_ANONYMOUS_BOT,
    JSON,
    TELEGRAM_SERVICE_USER,
    ChatState,
    ReaderError,
    _bool,
    _copy,
    _int,
    _json_param,
    _tiny_png,
    _without_reply,
    check_web_app_url,
)


class Messages(Chats):
    def _flood(self, chat: ChatState) -> None:
        retry = self.flood.check(chat.id, chat.type == "private", self.flood_clock())
        if retry is not None:
            self.flood_refusals += 1
            self.flood_refusals_by_chat[chat.id] = self.flood_refusals_by_chat.get(chat.id, 0) + 1
            raise too_many_requests(retry)

    def _reply_target(self, chat: ChatState, params: JSON) -> JSON | None:
        reply = _json_param(params, "reply_parameters")
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        if message_id is None and params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None:
            allow = isinstance(reply, dict) and reply.get("allow_sending_without_reply")
            if allow or _bool(params.get("allow_sending_without_reply")):
                return None
            raise bad_request("message to be replied not found")
        return target

    def _send(self, chat: ChatState, body: JSON, params: JSON) -> JSON:
        """Common tail of every send: buttons, reply, thread, storing, and the channel's
        auto-forward."""
        markup = _json_param(params, "reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            _check_web_app_buttons(chat, markup, self.test_environment)
            body["reply_markup"] = markup
        target = self._reply_target(chat, params)
        if target is not None:
            body["reply_to_message"] = _without_reply(target)
            thread = target.get("message_thread_id")
            if thread is None and target.get("is_automatic_forward"):
                thread = target["message_id"]
            if thread is not None and chat.type == "supergroup":
                body["message_thread_id"] = thread
        elif params.get("message_thread_id") and chat.type == "supergroup":
            body["message_thread_id"] = int(params["message_thread_id"])
        if chat.type == "channel":
            body["sender_chat"] = chat.public()
        else:
            body["from"] = dict(self.bot_user)
        message = self._new_message(chat, body)
        if _bool(params.get("disable_notification")):
            chat.silent.add(message["message_id"])
        if chat.type == "channel":
            self._forward_to_discussion(chat, message)
        return message

    def _forward_to_discussion(self, channel: ChatState, post: JSON) -> None:
        if channel.linked_chat_id is None or channel.linked_chat_id not in self.chats:
            return
        group = self.chats[channel.linked_chat_id]
        copy = {
            key: value
            for key, value in post.items()
            if key not in ("message_id", "date", "chat", "sender_chat", "reply_to_message")
        }
        copy.update(
            {
                "from": dict(TELEGRAM_SERVICE_USER),
                "sender_chat": channel.public(),
                "is_automatic_forward": True,
                "forward_origin": {
                    "type": "channel",
                    "chat": channel.public(),
                    "message_id": post["message_id"],
                    "date": post["date"],
                },
            }
        )
        forwarded = self._new_message(group, copy)
        self._push_group_message(group, "message", forwarded)

    def _text_and_entities(
        self, text: str, parse_mode: str | None, limit: int, what: str, chat: ChatState
    ) -> JSON:
        if parse_mode and parse_mode.upper() == "HTML":

            def mention(user_id: int) -> JSON | None:
                """A mention works for a member of the chat, or someone who wrote to the bot
                (the reference guarantees no more)."""
                known = self.chats.get(user_id)
                if user_id not in self.users or known is None:
                    return None
                if user_id in chat.members or chat.id == user_id or known.started_bot:
                    return dict(self.users[user_id])
                return None

            try:
                parsed = html_mode.parse(
                    text, custom_emoji=self.bot_has_fragment_username, mention=mention
                )
            except html_mode.HTMLModeError as exc:
                raise bad_request(str(exc)) from None
            plain, entities = parsed.text, parsed.entities
        else:
            plain, entities = text.strip(), []
        if not plain:
            raise bad_request(f"{what} text is empty" if what == "message" else f"{what} is empty")
        if utf16_length(plain) > limit:
            raise bad_request(f"{what} is too long")
        return {"text": plain, "entities": entities}

    def send_private(self, user_id: int, text: str, *, reply_to: int | None = None) -> JSON:
        """The user writes to the bot in their private chat (commands included)."""
        _client_limit(text, MessageLimit.MAX_TEXT_LENGTH)
        user = self._user(user_id)
        chat = self.chats[user_id]
        chat.started_bot = True
        body: JSON = {"from": user, "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
            ]
        if reply_to is not None:
            body["reply_to_message"] = _without_reply(chat.messages[reply_to])
        message = self._new_message(chat, body)
        self._push("message", message)
        return message

    def forward_to_bot(self, user_id: int, chat_id: int, message_id: int) -> JSON:
        """The user forwards a message they can see (a comment) into their chat with the bot;
        its author shows as a user origin (their forwarding privacy allowing it)."""
        original = self.chats[chat_id].messages[message_id]
        author = original.get("from") or {}
        chat = self.chats[user_id]
        chat.started_bot = True
        body: JSON = {
            "from": self._user(user_id),
            "text": original.get("text", ""),
            "forward_origin": {"type": "user", "sender_user": author, "date": original["date"]},
        }
        message = self._new_message(chat, body)
        self._push("message", message)
        return message

    def post_in_channel(self, user_id: int, channel_id: int, text: str) -> JSON:
        """A human admin posts in the channel (the bot gets no update, only the forward)."""
        channel = self.chats[channel_id]
        if user_id not in channel.admins:
            raise ReaderError("only channel admins can post")
        message = self._new_message(channel, {"sender_chat": channel.public(), "text": text})
        self._forward_to_discussion(channel, message)
        return message

    def discussion_thread(self, channel_id: int, channel_message_id: int) -> tuple[ChatState, JSON]:
        channel = self.chats[channel_id]
        if channel.linked_chat_id is None:
            raise ReaderError("the channel has no discussion group")
        group = self.chats[channel.linked_chat_id]
        for message in group.messages.values():
            origin = message.get("forward_origin") or {}
            if (
                message.get("is_automatic_forward")
                and origin.get("chat", {}).get("id") == channel_id
                and origin.get("message_id") == channel_message_id
            ):
                return group, message
        raise ReaderError(f"channel post {channel_message_id} has no discussion thread")

    def comment(
        self,
        user_id: int,
        channel_id: int,
        channel_message_id: int,
        text: str | None = None,
        *,
        photo_caption: str | None = None,
        as_chat: int | None = None,
    ) -> JSON:
        """A comment under a channel post: a message in the discussion group's thread."""
        group, forward = self.discussion_thread(channel_id, channel_message_id)
        return self._group_message(
            user_id, group, text, forward, forward["message_id"], photo_caption, as_chat
        )

    def reply(
        self,
        user_id: int,
        group_id: int,
        message_id: int,
        text: str,
        *,
        as_chat: int | None = None,
    ) -> JSON:
        group = self.chats[group_id]
        target = group.messages[message_id]
        thread = target.get("message_thread_id")
        if thread is None and target.get("is_automatic_forward"):
            thread = target["message_id"]
        return self._group_message(user_id, group, text, target, thread, None, as_chat)

    def post_in_group(self, user_id: int, group_id: int, text: str) -> JSON:
        """A message in the group outside any post's thread."""
        return self._group_message(user_id, self.chats[group_id], text, None, None, None, None)

    def _group_message(
        self,
        user_id: int,
        group: ChatState,
        text: str | None,
        reply_to: JSON | None,
        thread: int | None,
        photo_caption: str | None,
        as_chat: int | None,
    ) -> JSON:
        if user_id in group.banned:
            raise ReaderError(f"user {user_id} is banned from {group.title}")
        if as_chat is not None and as_chat in group.banned_senders:
            raise ReaderError(f"chat {as_chat} is banned from writing in {group.title}")
        body: JSON = {}
        if as_chat is not None:
            sender = self.chats[as_chat]
            body["sender_chat"] = sender.public()
            body["from"] = dict(GROUP_ANONYMOUS_BOT if sender.id == group.id else CHANNEL_BOT)
        else:
            body["from"] = self._user(user_id)
            group.members.add(user_id)
        if photo_caption is not None:
            _client_limit(photo_caption, MessageLimit.CAPTION_LENGTH)
            stored = self._store_file(_tiny_png(), "photo.png", "image/png")
            body["photo"] = self._photo_json(stored)
            body["caption"] = photo_caption
        else:
            _client_limit(text or "", MessageLimit.MAX_TEXT_LENGTH)
            body["text"] = text or ""
            if body["text"].startswith("/"):
                command = body["text"].split()[0]
                body["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
                ]
        if reply_to is not None:
            body["reply_to_message"] = _without_reply(reply_to)
        if thread is not None:
            body["message_thread_id"] = thread
        message = self._new_message(group, body)
        self._push_group_message(group, "message", message)
        return message

    def edit(self, user_id: int, chat_id: int, message_id: int, text: str) -> JSON:
        chat = self.chats[chat_id]
        message = chat.messages.get(message_id)
        if message is None or message.get("from", {}).get("id") != user_id:
            raise ReaderError("only the author can edit a message")
        key = "caption" if "caption" in message else "text"
        message[key] = text
        message["edit_date"] = self.now()
        if chat.type == "private":
            self._push("edited_message", dict(message))
        else:
            self._push_group_message(chat, "edited_message", dict(message))
        return message

    def press_button(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        user = self._user(user_id)
        message = self.chats[chat_id].messages[message_id]
        query_id = str(next(self._ids) * 7919)
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(chat_id)),
            "data": data,
        }
        self.callback_queries[query_id] = query
        self.callback_query_times[query_id] = self.clock()
        self._push("callback_query", query)
        return query_id

    def click(self, user_id: int, chat_id: int, message_id: int, label: str) -> str:
        """Press the button labelled ``label`` under a message, as a reader's app does."""
        message = self.chats[chat_id].messages.get(message_id)
        keyboard = (message or {}).get("reply_markup", {}).get("inline_keyboard", [])
        for row in keyboard:
            for button in row:
                if button.get("text") == label and "callback_data" in button:
                    return self.press_button(user_id, chat_id, message_id, button["callback_data"])
        raise ReaderError(f"no button {label!r} under message {message_id}")

    def messages(self, chat_id: int) -> list[JSON]:
        """What the chat shows, oldest first; a message sent without a sound carries
        ``"disable_notification": true`` (the reader's record, not part of the Bot API's
        Message: the bot never sees it)."""
        chat = self.chats[chat_id]
        return [
            chat.messages[k] | {"disable_notification": True}
            if k in chat.silent
            else chat.messages[k]
            for k in sorted(chat.messages)
        ]

    def api_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        self._check_can_send(chat)
        body = self._text_and_entities(
            str(params.get("text") or ""),
            params.get("parse_mode"),
            MessageLimit.MAX_TEXT_LENGTH,
            "message",
            chat,
        )
        if not body["entities"]:
            del body["entities"]
        if (preview := _link_preview(params)) is not None:
            body["link_preview_options"] = preview
        self._flood(chat)
        return self._send(chat, body, params)

    def api_editMessageText(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        chat = self._chat(params.get("chat_id"))
        if chat.type != "private":
            self._check_can_send(chat)
        message = chat.messages.get(_int(params.get("message_id"), 0))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id and not (
            chat.type == "channel" and "sender_chat" in message and "poll" not in message
        ):
            raise bad_request("message can't be edited")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        body = self._text_and_entities(
            str(params.get("text") or ""),
            params.get("parse_mode"),
            MessageLimit.MAX_TEXT_LENGTH,
            "message",
            chat,
        )
        markup = _json_param(params, "reply_markup")
        same_markup = markup == message.get("reply_markup") or (
            not markup and "reply_markup" not in message
        )
        if (
            body["text"] == message["text"]
            and body["entities"] == message.get("entities", [])
            and same_markup
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = body["text"]
        if body["entities"]:
            message["entities"] = body["entities"]
        else:
            message.pop("entities", None)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            _check_web_app_buttons(chat, markup, self.test_environment)
            message["reply_markup"] = markup
        elif not markup:
            message.pop("reply_markup", None)
        message["edit_date"] = self.now()
        return _copy(message)

    def api_deleteMessage(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        message_id = _int(params.get("message_id"), 0)
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        own = message.get("from", {}).get("id") == self.bot_id or (
            chat.type == "channel" and "sender_chat" in message
        )
        rights = self._bot_rights(chat) or {}
        if chat.type != "private" and not own and not rights.get("can_delete_messages"):
            raise bad_request("message can't be deleted")
        # "A message can only be deleted if it was sent less than 48 hours ago."
        if self.now() - int(message.get("date", 0)) >= DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted")
        del chat.messages[message_id]
        return True


def _client_limit(text: str, limit: int) -> None:
    """A Telegram client sends no longer message (it splits one, or refuses): a reader here
    cannot either."""
    if utf16_length(text) > limit:
        raise ReaderError(f"a message of {utf16_length(text)} characters; Telegram allows {limit}")


_PREVIEW_FIELDS = ("url", "prefer_small_media", "prefer_large_media", "show_above_text")


def _link_preview(params: JSON) -> JSON | None:
    """The link preview a message shows when the sender chose one (Message's
    ``link_preview_options``); None when previews are off or left to Telegram. The
    reference is silent on a preview address that is not a web link: refused here."""
    options = _json_param(params, "link_preview_options")
    if not isinstance(options, dict) or options.get("is_disabled"):
        return None
    url = options.get("url")
    if url is not None and not (
        isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) > 8
    ):
        raise bad_request("link preview URL is invalid")
    chosen = {field: options[field] for field in _PREVIEW_FIELDS if options.get(field)}
    return chosen or None


def _check_web_app_buttons(chat: ChatState, markup: JSON, test_environment: bool) -> None:
    """A ``web_app`` button opens over HTTPS only, and only in a private chat (the Bot
    API: "Available only in private chats between a user and the bot")."""
    for row in markup["inline_keyboard"]:
        for button in row:
            if "web_app" not in button:
                continue
            if chat.type != "private":
                raise bad_request("BUTTON_TYPE_INVALID")
            check_web_app_url((button["web_app"] or {}).get("url"), test_environment)
