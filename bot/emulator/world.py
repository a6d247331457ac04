"""The emulated Telegram: chats, users, messages, polls and the bot's update queue.

Bot API methods are ``api_<name>`` methods taking the request's parameters and
returning the JSON result (or raising ``ApiError`` as Telegram would answer).
Reader actions (``comment``, ``vote``, ``react``...) let a test or the demo act
as people in the chats. Everything is synchronous and single-threaded: the HTTP
server calls in from one event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.constants import MessageLimit, PollLimit

from bot.emulator.errors import (
    CHAT_NOT_FOUND,
    ApiError,
    bad_request,
    forbidden,
    too_many_requests,
)
from bot.emulator.limits import FloodControl, FloodLimits
from bot.telegram_html import TelegramHTMLError, parse_html, utf16_length

JSON = dict[str, Any]
TELEGRAM_SERVICE_USER = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "chat_join_request",
        "business_message",
    }
)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


class ReaderError(Exception):
    """A reader action that Telegram's apps would not allow (e.g. a banned user commenting)."""


@dataclass
class ChatState:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    linked_chat_id: int | None = None
    # user id -> rights; the creator has status "creator".
    admins: dict[int, JSON] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    banned: set[int] = field(default_factory=set)
    messages: dict[int, JSON] = field(default_factory=dict)
    next_message_id: int = 1
    started_bot: bool = False  # private chats: the user has written to the bot

    def public(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value.lstrip("@") if key == "username" else value
        return data


@dataclass
class PollState:
    poll: JSON
    chat_id: int
    message_id: int
    votes: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    name: str | None
    mime_type: str | None

    @property
    def path(self) -> str:
        return f"documents/{self.file_unique_id}_{self.name or 'file'}"


class World:
    """One emulated Telegram with one bot in it."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "newsbot_emulated_bot",
        clock: Callable[[], float] = time.time,
        flood: FloodLimits | None = None,
        flood_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "newsbot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.clock = clock  # message dates
        self.flood_clock = flood_clock  # rate limits, independent of the dates shown
        self.flood = FloodControl(flood or FloodLimits())
        self.flood_refusals = 0
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, ChatState] = {}
        self.polls: dict[str, PollState] = {}
        self.files: dict[str, StoredFile] = {}
        self.reactions: dict[tuple[int, int], dict[int, set[str]]] = {}
        self.callback_queries: dict[str, JSON] = {}
        self.commands: dict[str, list[JSON]] = {}
        self.updates: list[JSON] = []
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.webhook: JSON | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self.changed = asyncio.Event()
        self.log: list[tuple[str, JSON]] = []  # every successful Bot API call, for tests
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(10_000)
        self._poll_ids = itertools.count(5_000_000_000_000_000_001)
        self._poller = 0

    # ----------------------------------------------------------------- helpers
    def now(self) -> int:
        return int(self.clock())

    def _chat(self, ref: Any) -> ChatState:
        if isinstance(ref, str) and ref.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == ref.lower():
                    return chat
            raise bad_request(CHAT_NOT_FOUND)
        try:
            chat_id = int(ref)
        except (TypeError, ValueError):
            raise bad_request(CHAT_NOT_FOUND) from None
        if chat_id not in self.chats:
            raise bad_request(CHAT_NOT_FOUND)
        return self.chats[chat_id]

    def _user(self, user_id: int) -> JSON:
        if user_id not in self.users:
            raise ReaderError(f"no user {user_id}; create one with add_user()")
        return self.users[user_id]

    def _push(self, kind: str, payload: JSON) -> None:
        if kind not in self.allowed_updates:
            return
        # A snapshot: a later edit must not change what an earlier update said.
        self.updates.append({"update_id": next(self._update_ids), kind: _copy(payload)})
        self.changed.set()

    def deliver_raw_update(self, update: JSON) -> int:
        """Queue an update exactly as given (an older Bot API server's shape, or a broken one),
        with a fresh ``update_id``; returns that id."""
        if not isinstance(update, dict) or len([k for k in update if k != "update_id"]) != 1:
            raise ReaderError("an update has exactly one field besides update_id")
        update_id = next(self._update_ids)
        self.updates.append({**_copy(update), "update_id": update_id})
        self.changed.set()
        return update_id

    def _new_message(self, chat: ChatState, body: JSON) -> JSON:
        message_id = chat.next_message_id
        message: JSON = {"message_id": message_id, "date": self.now(), "chat": chat.public()}
        message.update(body)
        chat.next_message_id += 1
        chat.messages[message_id] = message
        return message

    def _bot_rights(self, chat: ChatState) -> JSON | None:
        return chat.admins.get(self.bot_id)

    def _check_can_send(self, chat: ChatState) -> None:
        if chat.type == "private":
            if not chat.started_bot:
                raise forbidden("bot can't initiate conversation with a user")
            return
        if self.bot_id in chat.banned:
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.type == "channel":
            rights = self._bot_rights(chat)
            if rights is None:
                raise forbidden("bot is not a member of the channel chat")
            if not rights.get("can_post_messages"):
                raise bad_request("need administrator rights in the channel chat")
        elif self.bot_id not in chat.members and self._bot_rights(chat) is None:
            raise forbidden(f"bot is not a member of the {chat.type} chat")

    def _flood(self, chat: ChatState) -> None:
        retry = self.flood.check(chat.id, chat.type == "private", self.flood_clock())
        if retry is not None:
            self.flood_refusals += 1
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
        """Common tail of every send: reply, thread, storing, and the channel's auto-forward."""
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
        self._push("message", forwarded)

    def _text_and_entities(self, text: str, parse_mode: str | None, limit: int, what: str) -> JSON:
        if parse_mode and parse_mode.upper() == "HTML":
            try:
                parsed = parse_html(text)
            except TelegramHTMLError as exc:
                raise bad_request(str(exc)) from None
            plain, entities = parsed.text, [e.to_dict() for e in parsed.entities]
        else:
            plain, entities = text.strip(), []
        if not plain:
            raise bad_request(f"{what} text is empty" if what == "message" else f"{what} is empty")
        if utf16_length(plain) > limit:
            raise bad_request(f"{what} is too long")
        return {"text": plain, "entities": entities}

    # ------------------------------------------------------------ world set-up
    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        user_id: int | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        user_id = user_id or 100_000 + next(self._ids)
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        self.chats[user_id] = ChatState(
            id=user_id,
            type="private",
            first_name=first_name,
            last_name=last_name,
            username=username,
        )
        return user

    def create_channel(
        self,
        title: str,
        username: str | None = None,
        *,
        owner_id: int | None = None,
        discussion_title: str | None = None,
        with_discussion: bool = True,
        bot_can_post: bool = True,
    ) -> tuple[int, int | None]:
        """A channel (with the bot as a posting admin) and, by default, its discussion group."""
        channel_id = -1_001_000_000_000 - next(self._ids)
        owner = owner_id or self.add_user("Owner of " + title)["id"]
        channel = ChatState(id=channel_id, type="channel", title=title, username=username)
        channel.admins[owner] = {"status": "creator"}
        channel.admins[self.bot_id] = _admin_rights(post=bot_can_post)
        channel.members.update({owner, self.bot_id})
        self.chats[channel_id] = channel
        group_id = None
        if with_discussion:
            group_id = -1_001_000_000_000 - next(self._ids)
            group = ChatState(
                id=group_id,
                type="supergroup",
                title=discussion_title or f"{title} chat",
                linked_chat_id=channel_id,
            )
            group.admins[owner] = {"status": "creator"}
            group.admins[self.bot_id] = _admin_rights(post=True)
            group.members.update({owner, self.bot_id})
            self.chats[group_id] = group
            channel.linked_chat_id = group_id
        return channel_id, group_id

    def make_admin(self, chat_id: int, user_id: int, **rights: bool) -> None:
        chat = self.chats[chat_id]
        chat.admins[user_id] = _admin_rights(post=rights.get("can_post_messages", True))
        chat.members.add(user_id)

    def join(self, chat_id: int, user_id: int) -> None:
        self._user(user_id)
        self.chats[chat_id].members.add(user_id)

    # ---------------------------------------------------------- reader actions
    def send_private(self, user_id: int, text: str, *, reply_to: int | None = None) -> JSON:
        """The user writes to the bot in their private chat (commands included)."""
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

    def send_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str = "text/plain",
        chat_id: int | None = None,
    ) -> JSON:
        user = self._user(user_id)
        chat = self.chats[chat_id if chat_id is not None else user_id]
        if chat.type == "private":
            chat.started_bot = True
        stored = self._store_file(content, file_name, mime_type)
        body: JSON = {"from": user, "document": self._document_json(stored)}
        if caption:
            body["caption"] = caption
            if caption.startswith("/"):
                command = caption.split()[0]
                body["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
                ]
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
        body: JSON = {}
        if as_chat is not None:
            sender = self.chats[as_chat]
            body["sender_chat"] = sender.public()
            body["from"] = dict(GROUP_ANONYMOUS_BOT if sender.id == group.id else CHANNEL_BOT)
        else:
            body["from"] = self._user(user_id)
            group.members.add(user_id)
        if photo_caption is not None:
            stored = self._store_file(_tiny_png(), "photo.png", "image/png")
            body["photo"] = self._photo_json(stored)
            body["caption"] = photo_caption
        else:
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
        self._push("message", message)
        return message

    def edit(self, user_id: int, chat_id: int, message_id: int, text: str) -> JSON:
        chat = self.chats[chat_id]
        message = chat.messages.get(message_id)
        if message is None or message.get("from", {}).get("id") != user_id:
            raise ReaderError("only the author can edit a message")
        key = "caption" if "caption" in message else "text"
        message[key] = text
        message["edit_date"] = self.now()
        self._push("edited_message", dict(message))
        return message

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
        """What the chat shows, oldest first."""
        return [self.chats[chat_id].messages[k] for k in sorted(self.chats[chat_id].messages)]

    # ------------------------------------------------------------- files
    def _store_file(self, content: bytes, name: str | None, mime_type: str | None) -> StoredFile:
        digest = hashlib.sha256(content).hexdigest()
        unique = f"U{digest[:14]}"
        file_id = f"F{next(self._ids)}{digest[:20]}"
        stored = StoredFile(file_id, unique, content, name, mime_type)
        self.files[file_id] = stored
        return stored

    def _document_json(self, stored: StoredFile) -> JSON:
        data: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.name:
            data["file_name"] = stored.name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def _photo_json(self, stored: StoredFile) -> list[JSON]:
        width, height = _png_size(stored.content)
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
                "width": width,
                "height": height,
            }
        ]

    def file_content(self, file_path: str) -> bytes | None:
        for stored in self.files.values():
            if stored.path == file_path:
                return stored.content
        return None

    # ------------------------------------------------------------ Bot API
    def api_getMe(self, params: JSON) -> JSON:
        return dict(self.bot_user)

    def api_logOut(self, params: JSON) -> bool:
        return True

    def api_close(self, params: JSON) -> bool:
        return True

    def take_updates(self, params: JSON) -> list[JSON] | None:
        """The non-waiting part of getUpdates; None means 'wait for more'."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = _json_param(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATES
        offset = _int(params.get("offset"), 0)
        limit = min(max(_int(params.get("limit"), 100), 1), 100)
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self.changed.clear()
            return None
        return self.updates[:limit]

    async def api_getUpdates(self, params: JSON) -> list[JSON]:
        self._poller += 1
        me = self._poller
        timeout = min(max(_int(params.get("timeout"), 0), 0), 50)
        deadline = time.monotonic() + timeout
        while True:
            batch = self.take_updates(params)
            if batch is not None:
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, 0.25))
            except TimeoutError:
                pass
            if self._poller != me:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )

    def api_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self.api_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = _json_param(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATES
        if _bool(params.get("drop_pending_updates")):
            self.updates.clear()
        self.webhook = {"url": url, "secret_token": secret}
        self.webhook_last_error = None
        self.changed.set()
        return True

    def api_deleteWebhook(self, params: JSON) -> bool:
        self.webhook = None
        if _bool(params.get("drop_pending_updates")):
            self.updates.clear()
        return True

    def api_getWebhookInfo(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
            "allowed_updates": sorted(self.allowed_updates),
        }
        if self.webhook_last_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    def api_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        self._check_can_send(chat)
        body = self._text_and_entities(
            str(params.get("text") or ""),
            params.get("parse_mode"),
            MessageLimit.MAX_TEXT_LENGTH,
            "message",
        )
        if not body["entities"]:
            del body["entities"]
        markup = _json_param(params, "reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            body["reply_markup"] = markup
        self._flood(chat)
        return self._send(chat, body, params)

    def api_editMessageText(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        chat = self._chat(params.get("chat_id"))
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
        del chat.messages[message_id]
        return True

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
        message = chat.messages.get(_int(params.get("message_id"), 0))
        if message is None or "poll" not in message:
            raise bad_request("message with poll to stop not found")
        state = self.polls[message["poll"]["id"]]
        if state.poll["is_closed"]:
            raise bad_request("poll has already been closed")
        state.poll["is_closed"] = True
        self._push("poll", _copy(state.poll))
        return _copy(state.poll)

    def _send_file(self, params: JSON, field_name: str) -> tuple[ChatState, StoredFile, JSON]:
        chat = self._chat(params.get("chat_id"))
        self._check_can_send(chat)
        upload = params.get(field_name)
        if isinstance(upload, Upload):
            if len(upload.content) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            stored = self._store_file(upload.content, upload.filename, upload.content_type)
        elif isinstance(upload, str) and upload in self.files:
            stored = self.files[upload]
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        body: JSON = {}
        if params.get("caption"):
            caption = self._text_and_entities(
                str(params["caption"]),
                params.get("parse_mode"),
                MessageLimit.CAPTION_LENGTH,
                "message caption",
            )
            body["caption"] = caption["text"]
            if caption["entities"]:
                body["caption_entities"] = caption["entities"]
        self._flood(chat)
        return chat, stored, body

    def api_sendDocument(self, params: JSON) -> JSON:
        chat, stored, body = self._send_file(params, "document")
        body["document"] = self._document_json(stored)
        return self._send(chat, body, params)

    def api_sendPhoto(self, params: JSON) -> JSON:
        chat, stored, body = self._send_file(params, "photo")
        body["photo"] = self._photo_json(stored)
        return self._send(chat, body, params)

    def api_getFile(self, params: JSON) -> JSON:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def api_getChat(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        if (
            chat.type != "private"
            and self.bot_id not in chat.members
            and not chat.admins.get(self.bot_id)
        ):
            raise bad_request(CHAT_NOT_FOUND)
        info = chat.public()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if chat.linked_chat_id is not None:
            info["linked_chat_id"] = chat.linked_chat_id
        return info

    def _member(self, chat: ChatState, user_id: int) -> JSON:
        user = self.bot_user if user_id == self.bot_id else self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if user_id in chat.banned:
            return {"status": "kicked", "user": user, "until_date": 0}
        rights = chat.admins.get(user_id)
        if rights is not None and rights.get("status") == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if rights is not None:
            return {"status": "administrator", "user": user, **rights}
        if user_id in chat.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def api_getChatAdministrators(self, params: JSON) -> list[JSON]:
        chat = self._chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [self._member(chat, user_id) for user_id in chat.admins]

    def api_getChatMember(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        return self._member(chat, _int(params.get("user_id"), 0))

    def api_banChatMember(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        user_id = _int(params.get("user_id"), 0)
        if chat.type == "private":
            raise bad_request("can't ban members in private chats")
        rights = self._bot_rights(chat) or {}
        if not rights.get("can_restrict_members"):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        if user_id in chat.admins:
            raise bad_request("user is an administrator of the chat")
        if user_id not in self.users:
            raise bad_request("user not found")
        chat.banned.add(user_id)
        chat.members.discard(user_id)
        return True

    def api_unbanChatMember(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        chat.banned.discard(_int(params.get("user_id"), 0))
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
        if self.callback_queries.pop(query_id, None) is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return True

    def api_sendChatAction(self, params: JSON) -> bool:
        self._chat(params.get("chat_id"))
        return True


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes


def _admin_rights(*, post: bool) -> JSON:
    return {
        "status": "administrator",
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": False,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": False,
        "can_invite_users": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
        "can_post_messages": post,
        "can_edit_messages": post,
        "can_pin_messages": True,
    }


def _without_reply(message: JSON) -> JSON:
    """Telegram nests one level of reply only."""
    return {key: value for key, value in _copy(message).items() if key != "reply_to_message"}


def _copy(data: JSON) -> JSON:
    copied: JSON = json.loads(json.dumps(data))
    return copied


def _int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid integer value {value!r}") from None


def _bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1")


def _json_param(params: JSON, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {name} JSON object") from None
    return value


def _tiny_png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def _png_size(content: bytes) -> tuple[int, int]:
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 1, 1
