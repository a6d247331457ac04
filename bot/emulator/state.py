"""The emulated world's state: chats, users, messages and the helpers every part shares."""

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
from urllib.parse import urlsplit

from bot.emulator.errors import (
    CHAT_NOT_FOUND,
    bad_request,
)
from bot.emulator.limits import FloodControl, FloodLimits

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
UPDATE_RETENTION_SECONDS = 24 * 3600
DELETE_WINDOW_SECONDS = 48 * 3600
# Telegram documents no figure ("can lag by minutes"); a minute by default, configurable.
REACTION_COUNT_DELAY = 60.0
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
    # Channels banned from writing here as themselves (banChatSenderChat).
    banned_senders: set[int] = field(default_factory=set)
    # user id -> what a restricted member may still do (restrictChatMember).
    restricted: dict[int, JSON] = field(default_factory=dict)
    next_message_id: int = 1
    started_bot: bool = False  # private chats: the user has written to the bot
    # Messages the bot sent with disable_notification: shown to readers, never rung in.
    silent: set[int] = field(default_factory=set)

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


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes


class WorldState:
    """Everything the emulated Telegram holds; the layers above add behaviour by concern."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "newsbot_emulated_bot",
        clock: Callable[[], float] = time.time,
        flood: FloodLimits | None = None,
        flood_clock: Callable[[], float] = time.monotonic,
        privacy_mode: bool = False,
        reaction_count_delay: float = REACTION_COUNT_DELAY,
        test_environment: bool = False,
    ) -> None:
        self.token = token
        # Telegram's test environment: Mini Apps may be plain HTTP on loopback there.
        self.test_environment = test_environment
        # Privacy mode (set in @BotFather): a plain member bot sees only what is meant for it.
        self.privacy_mode = privacy_mode
        # Anonymous reaction counts on channel posts arrive grouped, this many seconds late.
        self.reaction_count_delay = reaction_count_delay
        self.pending_reaction_counts: dict[tuple[int, int], float] = {}
        # When each queued update was made (world clock): Telegram keeps them 24 hours.
        self.queued_at: dict[int, float] = {}
        self.expired_updates = 0
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
        # Message dates; ``advance_clock`` moves it on (a day later, two days later...).
        self.clock_offset = 0.0
        self.clock: Callable[[], float] = lambda: clock() + self.clock_offset
        self.flood_clock = flood_clock  # rate limits, independent of the dates shown
        self.flood = FloodControl(flood or FloodLimits())
        self.flood_refusals = 0
        self.flood_refusals_by_chat: dict[int, int] = {}
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, ChatState] = {}
        self.polls: dict[str, PollState] = {}
        self.files: dict[str, StoredFile] = {}
        self.reactions: dict[tuple[int, int], dict[int, set[str]]] = {}
        self.callback_queries: dict[str, JSON] = {}
        # When each callback query was made (world clock): answered late, it is refused.
        self.callback_query_times: dict[str, float] = {}
        # Custom emoji need a username bought on Fragment; an ordinary bot's are plain.
        self.bot_has_fragment_username = False
        self.commands: dict[str, list[JSON]] = {}
        # setChatMenuButton: by private chat id, None for the default of every chat.
        self.menu_buttons: dict[int | None, JSON] = {}
        self.updates: list[JSON] = []
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.webhook: JSON | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self.webhook_routes: dict[str, list[str]] = {}  # public https base -> local ones
        self._webhook_turn = 0
        self.changed = asyncio.Event()
        # Set when the server stops: a long poll under way answers at once, as the
        # connection it would answer on is going away.
        self.closing = False
        self.log: list[tuple[str, JSON]] = []  # every successful Bot API call, for tests
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(10_000)
        self._poll_ids = itertools.count(5_000_000_000_000_000_001)
        self._poller = 0

    def now(self) -> int:
        return int(self.clock())

    def advance_clock(self, seconds: float) -> int:
        """Let time pass in the emulated Telegram (reader API: a test on a real clock can
        still see 48-hour and 24-hour limits); returns the new time."""
        if seconds < 0:
            raise ReaderError("time only moves forward")
        self.clock_offset += seconds
        return self.now()

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

    def _new_message(self, chat: ChatState, body: JSON) -> JSON:
        message_id = chat.next_message_id
        message: JSON = {"message_id": message_id, "date": self.now(), "chat": chat.public()}
        message.update(body)
        chat.next_message_id += 1
        chat.messages[message_id] = message
        return message

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
        width, height = png_size(stored.content) or (1, 1)
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


ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
)


def _admin_rights(*, post: bool, **overrides: bool) -> JSON:
    rights = {
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
    unknown = set(overrides) - set(ADMIN_RIGHTS)
    if unknown:
        raise ReaderError(f"unknown administrator rights: {sorted(unknown)}")
    rights.update(overrides)
    return rights


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


def png_size(content: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its header; None when it is not a PNG."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return None


def check_web_app_url(url: object, test_environment: bool = False) -> None:
    """Telegram opens Mini Apps over HTTPS only (the Bot API: "An HTTPS URL of a Web App");
    its test environment also takes plain HTTP, which the emulator allows on loopback."""
    parts = urlsplit(str(url or ""))
    local = test_environment and parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if not parts.netloc or not (parts.scheme == "https" or local):
        raise bad_request("BUTTON_URL_INVALID: Web App URLs must use HTTPS")
