"""What moderators do to comments and people; each action is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import BadRequest

from bot.access import Scope
from bot.errors import NewsbotError
from bot.i18n import N_
from bot.numbers import fits_row_id, fits_telegram_id, typed_number
from db.models import Channel, Comment, RoleName, User
from db.queries import roles
from db.queries.audit import record
from db.queries.moderation import user_by_username, users_seen_in
from db.queries.publishing import channels_with_groups
from db.queries.responses import channel_by_discussion_chat, comment_by_message


class ModerationError(NewsbotError):
    """A moderation request that cannot be carried out; nothing was changed."""


async def channel_of_group(session: AsyncSession, chat_id: int) -> Channel | None:
    """The channel whose discussion group ``chat_id`` is: moderation there is its team's."""
    return await channel_by_discussion_chat(session, chat_id)


async def comment_in_scope(session: AsyncSession, chat_id: int, message_id: int) -> Comment | None:
    """The stored comment moderation may act on: in a configured discussion group, under one of
    newsbot's posts. Anything else (another group the bot administers, a message outside the
    threads) is out of reach, whoever asks."""
    if await channel_by_discussion_chat(session, chat_id) is None:
        return None
    return await comment_by_message(session, chat_id, message_id)


async def speaks_for_staff(session: AsyncSession, chat_id: int, sender_chat_id: int) -> bool:
    """A message sent as a chat comes from staff when it is the group itself (an anonymous
    administrator) or the channel linked to it (a channel administrator)."""
    if sender_chat_id == chat_id:
        return True
    channel = await channel_by_discussion_chat(session, chat_id)
    return channel is not None and channel.chat_id == sender_chat_id


@dataclass(frozen=True)
class Hidden:
    """What hiding did: always hidden in newsbot's records; on Telegram only when it could."""

    comment: Comment | None
    deleted: bool
    refusal: str | None = None  # Telegram's reason for keeping the message


async def hide_comment(
    session: AsyncSession,
    bot: Bot,
    chat_id: int,
    message_id: int,
    *,
    actor_id: int | None,
    reason: str,
    at: datetime,
) -> Hidden:
    """Delete the message in the group and mark the comment hidden (out of exports and
    summaries). Telegram refuses to delete messages 48 hours old or older, or without the
    right: the comment is hidden in newsbot all the same, and the refusal is returned."""
    deleted, refusal = True, None
    try:
        await bot.delete_message(chat_id, message_id)
    except BadRequest as exc:
        if "not found" not in exc.message.lower():
            deleted, refusal = False, exc.message
    comment = await comment_by_message(session, chat_id, message_id)
    if comment is not None:
        comment.hidden = True
        comment.hidden_reason = reason or None
    channel = await channel_by_discussion_chat(session, chat_id)
    await record(
        session,
        actor_id,
        "hide",
        f"message:{chat_id}:{message_id}",
        {
            "reason": reason,
            "at": at.isoformat(),
            "stored": comment is not None,
            "deleted": deleted,
            **({"refusal": refusal} if refusal else {}),
        },
        at=at,
        channel_id=channel.id if channel else None,
    )
    return Hidden(comment, deleted, refusal)


async def ban_author(
    session: AsyncSession,
    bot: Bot,
    comment: Comment,
    *,
    actor_id: int | None,
    reason: str,
    at: datetime,
) -> Hidden:
    """Keep the comment's author out of the group: a person with banChatMember, a channel
    persona with banChatSenderChat. The ban is recorded before the comment is hidden, so a
    delete Telegram refuses never loses it."""
    chat_id = comment.chat_id
    try:
        if comment.sender_chat_id is not None:
            await bot.ban_chat_sender_chat(chat_id, comment.sender_chat_id)
            target = f"chat:{comment.sender_chat_id}"
        elif comment.user_id is not None:
            await bot.ban_chat_member(chat_id, comment.user_id)
            target = f"user:{comment.user_id}"
        else:
            raise ModerationError(N_("that comment has no author left to ban"))
    except BadRequest as exc:
        raise ModerationError(
            N_("Telegram refused the ban: {reason}"), reason=exc.message
        ) from None
    channel = await channel_by_discussion_chat(session, chat_id)
    await record(
        session,
        actor_id,
        "ban",
        target,
        {"chat": chat_id, "reason": reason},
        at=at,
        channel_id=channel.id if channel else None,
    )
    return await hide_comment(
        session, bot, chat_id, comment.message_id, actor_id=actor_id, reason=reason, at=at
    )


async def unhide_comment(
    session: AsyncSession, comment_id: int, scope: Scope, *, at: datetime
) -> Comment:
    """Bring a hidden comment of one of the moderator's channels back into newsbot's
    records, exports and summaries (Telegram's deleted message cannot be brought back). A
    comment of another channel is answered as one that does not exist."""
    comment = await session.get(Comment, comment_id) if fits_row_id(comment_id) else None
    channel = await channel_by_discussion_chat(session, comment.chat_id) if comment else None
    if comment is None or not comment.hidden or channel is None or not scope.moderates(channel.key):
        raise ModerationError(N_("there is no hidden comment {id}"), id=comment_id)
    comment.hidden, comment.hidden_reason, comment.unhidden_at = False, None, at
    await record(
        session, scope.user_id, "unhide", f"message:{comment.chat_id}:{comment.message_id}",
        {"at": at.isoformat()}, at=at, channel_id=channel.id,
    )  # fmt: skip
    return comment


async def groups_moderated(session: AsyncSession, scope: Scope) -> list[Channel]:
    """The moderator's channels that have a discussion group, where moderation acts."""
    return [
        channel for channel in await channels_with_groups(session) if scope.moderates(channel.key)
    ]


async def unban(
    session: AsyncSession,
    bot: Bot,
    target: Person,
    channels: list[Channel],
    *,
    actor_id: int | None,
    at: datetime,
) -> None:
    """Let a person or a channel persona write in these channels' groups again."""
    for channel in channels:
        group_id = channel.discussion_chat_id
        assert group_id is not None
        try:
            if target.is_chat:
                await bot.unban_chat_sender_chat(group_id, target.id)
            else:
                await bot.unban_chat_member(group_id, target.id, only_if_banned=True)
        except BadRequest as exc:
            raise ModerationError(N_("Telegram refused: {reason}"), reason=exc.message) from None
        await record(
            session,
            actor_id,
            "unban",
            f"chat:{target.id}" if target.is_chat else f"user:{target.id}",
            {"group": group_id},
            at=at,
            channel_id=channel.id,
        )


@dataclass(frozen=True)
class Person:
    """Someone a moderator or admin names: a person, or a channel persona (``chat:ID``)."""

    id: int
    name: str  # as Telegram shows them: "Ada Lovelace (@ada)"
    is_chat: bool = False


def display_name(user: User) -> str:
    """First and last name, with the @username where there is one."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    if user.username:
        return f"{name} (@{user.username})" if name else f"@{user.username}"
    return name


async def describe_user(session: AsyncSession, user_id: int) -> str:
    """How to name a user to an admin: as Telegram shows them; the id only for someone the
    bot has never seen."""
    user = await session.get(User, user_id)
    if user is not None and not user.forgotten and display_name(user):
        return display_name(user)
    return f"id {user_id}"


async def find_people(
    session: AsyncSession,
    reference: str,
    scope: Scope,
    group_ids: list[int],
    *,
    unseen_ids: bool = False,
) -> list[Person]:
    """Whom ``reference`` names: ``chat:ID`` (a channel persona), an @username, a name seen
    in these discussion groups, or a numeric id (operators: anyone the bot has seen;
    others: someone seen in their groups; ``unseen_ids``: an operator's id of someone the
    bot has not seen yet, as when granting a role ahead). Several people may share a name;
    nobody known is a ``ModerationError``, never a guess."""
    reference = reference.strip()
    if reference.startswith("chat:"):
        chat_id = typed_number(reference.removeprefix("chat:"), signed=True)
        if chat_id is None or not fits_telegram_id(chat_id):
            raise ModerationError(N_("not a chat id: {reference}"), reference=reference)
        return [Person(chat_id, reference, is_chat=True)]
    users: list[User] = []
    if (user_id := typed_number(reference, signed=True)) is not None:
        if fits_telegram_id(user_id):
            if scope.operator:
                found = await session.get(User, user_id)
                users = [found] if found is not None and not found.forgotten else []
                if not users and unseen_ids:
                    return [Person(user_id, f"id {user_id}")]
            else:
                users = list(await users_seen_in(session, group_ids, user_id=user_id))
    elif reference.startswith("@"):
        found = await user_by_username(session, reference)
        users = [found] if found is not None else []
        if found is not None and not scope.operator:  # only people seen in their groups
            users = list(await users_seen_in(session, group_ids, user_id=found.id))
    else:
        wanted = " ".join(reference.split()).casefold()
        users = [
            user
            for user in await users_seen_in(session, group_ids)
            if wanted
            in (
                " ".join(p for p in (user.first_name, user.last_name) if p).casefold(),
                user.first_name.casefold(),
            )
        ]
    if not users:
        raise ModerationError(N_("no such person is known: {reference}"), reference=reference)
    return [Person(user.id, display_name(user) or f"id {user.id}") for user in users]


async def change_role(
    session: AsyncSession,
    target: Person,
    channel: Channel,
    *,
    grant: bool,
    actor_id: int,
    at: datetime,
) -> bool:
    """Grant or revoke the moderator role in one channel; whether anything changed.

    Admins are not granted here: they are named in the configuration or are the channels'
    own administrators."""
    name = RoleName.MODERATOR
    if grant:
        changed = await roles.grant(session, target.id, name, channel.id, actor_id, at)
    else:
        changed = await roles.revoke(session, target.id, name, channel.id)
    await record(
        session,
        actor_id,
        "grant" if grant else "revoke",
        f"user:{target.id}",
        {"role": name.value, "changed": changed, "channel": channel.key},
        at=at,
        channel_id=channel.id,
    )
    return changed
