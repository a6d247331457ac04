"""Chats, membership and rights: who is in which chat, and what the bot may do there."""

from __future__ import annotations

from collections.abc import Callable

from bot.emulator.errors import (
    CHAT_NOT_FOUND,
    bad_request,
    forbidden,
)
from bot.emulator.state import (
    JSON,
    ChatState,
    ReaderError,
    _admin_rights,
    _int,
)
from bot.emulator.updates import UpdateQueue

# A restricted member's rights, as ChatMemberRestricted lists them (Bot API 10.0).
RESTRICTABLE = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
)


class Chats(UpdateQueue):
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
        discussion_username: str | None = None,
        with_discussion: bool = True,
        bot_can_post: bool = True,
        bot_in_group: str = "admin",
    ) -> tuple[int, int | None]:
        """A channel (with the bot as a posting admin) and, by default, its discussion group,
        where the bot is an ``admin``, a plain ``member`` or ``absent``."""
        channel_id = -1_001_000_000_000 - next(self._ids)
        owner = owner_id or self.add_user("Owner of " + title)["id"]
        channel = ChatState(id=channel_id, type="channel", title=title, username=username)
        channel.admins[owner] = {"status": "creator"}
        channel.admins[self.bot_id] = _admin_rights(post=bot_can_post)
        channel.members.update({owner, self.bot_id})
        self.chats[channel_id] = channel
        group_id = None
        if with_discussion:
            group_id = self.create_group(
                discussion_title or f"{title} chat",
                owner_id=owner,
                bot=bot_in_group,
                username=discussion_username,
            )
            self.chats[group_id].linked_chat_id = channel_id
            channel.linked_chat_id = group_id
        return channel_id, group_id

    def make_admin(self, chat_id: int, user_id: int, **rights: bool) -> None:
        """Promote a user or the bot (a ``chat_member`` / ``my_chat_member`` update follows)."""
        self.promote(chat_id, user_id, **rights)

    def join(self, chat_id: int, user_id: int) -> None:
        self.add_member(chat_id, user_id)

    # ------------------------------------------------------- membership changes
    def add_member(self, chat_id: int, user_id: int, *, by: int | None = None) -> JSON:
        """A user (or the bot) joins or is added; a banned one must be unbanned first."""
        chat = self.chats[chat_id]
        if user_id != self.bot_id:
            self._user(user_id)
        if user_id in chat.banned:
            raise ReaderError(f"{user_id} is banned from {chat.title}")
        return self._change_member(chat, user_id, by, lambda: chat.members.add(user_id))

    def remove_member(
        self, chat_id: int, user_id: int, *, by: int | None = None, ban: bool = False
    ) -> JSON:
        """A user (or the bot) leaves, or is removed (``ban``: kicked and kept out)."""
        chat = self.chats[chat_id]

        def remove() -> None:
            chat.members.discard(user_id)
            chat.admins.pop(user_id, None)
            if ban:
                chat.banned.add(user_id)

        return self._change_member(chat, user_id, by, remove)

    def promote(self, chat_id: int, user_id: int, *, by: int | None = None, **rights: bool) -> JSON:
        """Make an administrator with the given rights (others as Telegram's defaults)."""
        chat = self.chats[chat_id]
        post = rights.pop("can_post_messages", True)

        def make() -> None:
            chat.members.add(user_id)
            chat.restricted.pop(user_id, None)
            chat.admins[user_id] = _admin_rights(post=post, **rights)

        return self._change_member(chat, user_id, by, make)

    def restrict(
        self, chat_id: int, user_id: int, *, by: int | None = None, **allowed: bool
    ) -> JSON:
        """Restrict a member of a group (the bot included): they keep only ``allowed`` (every
        right not named is taken away); an administrator restricted is one no more."""
        chat = self.chats[chat_id]
        if chat.type not in ("group", "supergroup"):
            raise ReaderError("members are restricted in groups only")
        unknown = set(allowed) - set(RESTRICTABLE)
        if unknown:
            raise ReaderError(f"unknown rights: {', '.join(sorted(unknown))}")

        def limit() -> None:
            chat.members.add(user_id)
            chat.admins.pop(user_id, None)
            chat.restricted[user_id] = {right: allowed.get(right, False) for right in RESTRICTABLE}

        return self._change_member(chat, user_id, by, limit)

    def demote(self, chat_id: int, user_id: int, *, by: int | None = None) -> JSON:
        """An administrator becomes a plain member (in a channel: a subscriber)."""
        chat = self.chats[chat_id]
        if chat.admins.get(user_id, {}).get("status") == "creator":
            raise ReaderError("the creator cannot be demoted")
        return self._change_member(chat, user_id, by, lambda: chat.admins.pop(user_id, None))

    def _change_member(
        self, chat: ChatState, user_id: int, by: int | None, change: Callable[[], object]
    ) -> JSON:
        """Apply ``change`` and tell the bot as Telegram does: ``my_chat_member`` about itself
        (always), ``chat_member`` about others (only to an administrator bot that asked)."""
        old = self._member(chat, user_id)
        change()
        new = self._member(chat, user_id)
        actor_id = by if by is not None else self._creator_of(chat)
        actor = self.bot_user if actor_id == self.bot_id else self.users.get(actor_id, {})
        event: JSON = {
            "chat": chat.public(),
            "from": actor,
            "date": self.now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        if user_id == self.bot_id:
            self._push("my_chat_member", event)
        elif self._bot_rights(chat) is not None:
            self._push("chat_member", event)
        return event

    def _creator_of(self, chat: ChatState) -> int:
        for user_id, rights in chat.admins.items():
            if rights.get("status") == "creator":
                return user_id
        return next(iter(chat.admins), 0)

    def link_discussion(self, channel_id: int, group_id: int | None) -> None:
        """The channel's owner links another group, or none (comments off). Telegram tells
        the bot nothing; it must read getChat(channel).linked_chat_id again."""
        channel = self.chats[channel_id]
        if channel.type != "channel":
            raise ReaderError("only a channel links a discussion group")
        if channel.linked_chat_id in self.chats:
            self.chats[channel.linked_chat_id].linked_chat_id = None
        channel.linked_chat_id = group_id
        if group_id is not None:
            group = self.chats[group_id]
            if group.type != "supergroup":
                raise ReaderError("a discussion group is a supergroup")
            group.linked_chat_id = channel_id

    def create_group(
        self, title: str, *, owner_id: int, bot: str = "admin", username: str | None = None
    ) -> int:
        """A supergroup of its own (to link to a channel later); the bot as ``admin``,
        ``member`` or ``absent``; public when it has a ``username``."""
        if bot not in ("admin", "member", "absent"):
            raise ReaderError("the bot is an admin, a member or absent")
        group_id = -1_001_000_000_000 - next(self._ids)
        group = ChatState(id=group_id, type="supergroup", title=title, username=username)
        group.admins[owner_id] = {"status": "creator"}
        group.members.add(owner_id)
        if bot == "admin":
            group.admins[self.bot_id] = _admin_rights(post=True)
        if bot != "absent":
            group.members.add(self.bot_id)
        self.chats[group_id] = group
        return group_id

    # ------------------------------------------------------------ what the bot sees
    def _bot_sees(self, chat: ChatState, message: JSON) -> bool:
        """Whether Telegram gives the bot this group message (core.telegram.org/bots/features
        #privacy-mode): nothing from a group it is not in; everything but other bots' messages
        as an administrator or with privacy mode off; otherwise only commands addressed to it
        by name, replies to its own messages and service messages. (Telegram also passes a
        bare /command when the bot spoke last in the group; the stricter rule is kept.)"""
        if self.bot_id in chat.banned or (
            self.bot_id not in chat.members and self._bot_rights(chat) is None
        ):
            return False
        sender = message.get("from") or {}
        if (
            sender.get("is_bot")
            and sender.get("id") != self.bot_id
            and not (message.get("sender_chat"))
        ):
            return False
        if self._bot_rights(chat) is not None or not self.privacy_mode:
            return True
        if message.get("is_automatic_forward"):
            return False
        replied = message.get("reply_to_message") or {}
        if (replied.get("from") or {}).get("id") == self.bot_id:
            return True
        text = str(message.get("text") or message.get("caption") or "")
        command = text.split()[0] if text.startswith("/") and text.split() else ""
        if command.lower().endswith("@" + str(self.bot_user.get("username", "")).lower()):
            return True
        return not any(key in message for key in ("text", "caption", "photo", "document", "poll"))

    def _push_group_message(self, chat: ChatState, kind: str, message: JSON) -> None:
        if self._bot_sees(chat, message):
            self._push(kind, message)

    # ------------------------------------------------------------ sender chats
    def api_banChatSenderChat(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        sender_chat_id = _int(params.get("sender_chat_id"), 0)
        if chat.type not in ("supergroup", "channel"):
            raise bad_request("method is available only for supergroups and channel")
        rights = self._bot_rights(chat) or {}
        if not rights.get("can_restrict_members"):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        if sender_chat_id not in self.chats:
            raise bad_request(CHAT_NOT_FOUND)
        chat.banned_senders.add(sender_chat_id)
        return True

    def api_unbanChatSenderChat(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        rights = self._bot_rights(chat) or {}
        if not rights.get("can_restrict_members"):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        chat.banned_senders.discard(_int(params.get("sender_chat_id"), 0))
        return True

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
        elif not chat.restricted.get(self.bot_id, {}).get("can_send_messages", True):
            raise bad_request("not enough rights to send text messages to the chat")

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
        # A member's user object is a plain User: getMe's extra fields are getMe's alone.
        bot_as_user = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        user = bot_as_user if user_id == self.bot_id else self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if user_id in chat.banned:
            return {"status": "kicked", "user": user, "until_date": 0}
        rights = chat.admins.get(user_id)
        if rights is not None and rights.get("status") == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if rights is not None:
            return {"status": "administrator", "user": user, **rights}
        if user_id in chat.restricted:
            return {
                "status": "restricted",
                "user": user,
                "is_member": user_id in chat.members,
                **chat.restricted[user_id],
                "until_date": 0,
            }
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
        self.remove_member(chat.id, user_id, by=self.bot_id, ban=True)
        return True

    def api_unbanChatMember(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id"))
        rights = self._bot_rights(chat) or {}
        if chat.type != "private" and not rights.get("can_restrict_members"):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        chat.banned.discard(_int(params.get("user_id"), 0))
        return True
