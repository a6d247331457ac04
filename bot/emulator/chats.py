"""Chats, membership and rights: who is in which chat, and what the bot may do there."""

from __future__ import annotations

from bot.emulator.errors import (
    CHAT_NOT_FOUND,
    bad_request,
    forbidden,
)
from bot.emulator.state import (
    JSON,
    ChatState,
    _admin_rights,
    _int,
)
from bot.emulator.updates import UpdateQueue


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
