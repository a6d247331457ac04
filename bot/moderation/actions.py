"""What moderators do to comments and people; each action is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import BadRequest

from bot.errors import NewsbotError
from bot.i18n import N_
from db.models import Comment, RoleName, User
from db.queries import roles
from db.queries.audit import record
from db.queries.moderation import user_by_username
from db.queries.publishing import channels_with_groups
from db.queries.responses import channel_by_discussion_chat, comment_by_message


class ModerationError(NewsbotError):
    """A moderation request that cannot be carried out; nothing was changed."""


async def is_discussion_group(session: AsyncSession, chat_id: int) -> bool:
    """Moderation works only in the configured channels' discussion groups."""
    return await channel_by_discussion_chat(session, chat_id) is not None


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
    await record(session, actor_id, "ban", target, {"chat": chat_id, "reason": reason})
    return await hide_comment(
        session, bot, chat_id, comment.message_id, actor_id=actor_id, reason=reason, at=at
    )


async def unhide_comment(
    session: AsyncSession, comment_id: int, *, actor_id: int | None, at: datetime
) -> Comment:
    """Bring a hidden comment back into newsbot's records, exports and summaries (Telegram's
    deleted message cannot be brought back)."""
    comment = await session.get(Comment, comment_id)
    if comment is None or not comment.hidden:
        raise ModerationError(N_("there is no hidden comment {id}"), id=comment_id)
    comment.hidden, comment.hidden_reason = False, None
    await record(
        session, actor_id, "unhide", f"message:{comment.chat_id}:{comment.message_id}",
        {"at": at.isoformat()},
    )  # fmt: skip
    return comment


async def discussion_groups(session: AsyncSession) -> list[int]:
    """The configured channels' discussion groups, where moderation acts."""
    return [
        channel.discussion_chat_id
        for channel in await channels_with_groups(session)
        if channel.discussion_chat_id is not None
    ]


async def unban(
    session: AsyncSession,
    bot: Bot,
    reference: str,
    group_ids: list[int],
    *,
    actor_id: int | None,
) -> int:
    """Let a person (id or @username) or a channel (chat:ID) into the discussion groups again."""
    chat_target = reference.startswith("chat:")
    target_id = (
        int(reference.removeprefix("chat:"))
        if chat_target and reference.removeprefix("chat:").lstrip("-").isdigit()
        else None
    )
    if chat_target and target_id is None:
        raise ModerationError(N_("not a chat id: {reference}"), reference=reference)
    if target_id is None:
        target_id = await resolve_user(session, reference)
    for group_id in group_ids:
        try:
            if chat_target:
                await bot.unban_chat_sender_chat(group_id, target_id)
            else:
                await bot.unban_chat_member(group_id, target_id, only_if_banned=True)
        except BadRequest as exc:
            raise ModerationError(N_("Telegram refused: {reason}"), reason=exc.message) from None
    what = f"chat:{target_id}" if chat_target else f"user:{target_id}"
    await record(session, actor_id, "unban", what, {"groups": group_ids})
    return target_id


async def describe_user(session: AsyncSession, user_id: int) -> str:
    """How to name a user to an admin: @username or the name, with the id."""
    user = await session.get(User, user_id)
    if user is None or user.forgotten:
        return str(user_id)
    if user.username:
        return f"@{user.username} ({user_id})"
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return f"{name} ({user_id})" if name else str(user_id)


async def resolve_user(session: AsyncSession, reference: str) -> int:
    """A user id, or the @username of someone the bot has seen."""
    if reference.lstrip("-").isdigit():
        return int(reference)
    user = await user_by_username(session, reference)
    if user is None:
        raise ModerationError(
            N_("no known user {reference}; use the numeric user id"), reference=reference
        )
    return user.id


async def change_role(
    session: AsyncSession, reference: str, role: str, *, grant: bool, actor_id: int
) -> tuple[int, bool]:
    """Grant or revoke the moderator role; returns (user id, whether anything changed).

    Admins are not granted here: they are named in the configuration or are the channels'
    own administrators, and a granted "admin" role would give no admin rights."""
    if role != RoleName.MODERATOR.value:
        raise ModerationError(N_("only the moderator role is granted here, not {role}"), role=role)
    name = RoleName.MODERATOR
    user_id = await resolve_user(session, reference)
    if grant:
        changed = await roles.grant(session, user_id, name, actor_id)
    else:
        changed = await roles.revoke(session, user_id, name)
    await record(
        session,
        actor_id,
        "grant" if grant else "revoke",
        f"user:{user_id}",
        {"role": name.value, "changed": changed},
    )
    return user_id, changed
