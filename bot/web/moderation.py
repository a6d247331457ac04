"""What a moderator does from the Mini App: hide a comment, ban its author, undo a hide;
the same core functions, rules and audit entries as /hide, /ban and /unhide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from bot.access import Scope
from bot.i18n import N_, Translator
from bot.moderation.actions import (
    ModerationError,
    ban_author,
    hide_comment,
    unhide_comment,
)
from bot.numbers import fits_row_id
from db.models import Comment
from db.queries.responses import channel_by_discussion_chat

ACTIONS = ("hide", "ban", "unhide")


@dataclass(frozen=True)
class Done:
    """What the page shows in place of the comment's buttons."""

    text: str
    undo: bool  # offer [Undo] (a hidden comment can count again)


async def moderate(
    session: AsyncSession,
    bot: Bot,
    scope: Scope,
    action: str,
    comment_id: int,
    *,
    reason: str,
    at: datetime,
    _: Translator,
) -> Done:
    """``ModerationError`` (nothing changed) for a comment outside the caller's groups."""
    if action == "unhide":
        await unhide_comment(session, comment_id, scope, at=at)
        return Done(_("Shown again in the records, exports and summaries."), False)
    comment = await session.get(Comment, comment_id) if fits_row_id(comment_id) else None
    channel = await channel_by_discussion_chat(session, comment.chat_id) if comment else None
    if comment is None or channel is None or not scope.moderates(channel.key):
        raise ModerationError(N_("there is no comment {id}"), id=comment_id)
    if comment.hidden:
        return Done(_("Hidden already."), True)
    if action == "ban":
        done = await ban_author(session, bot, comment, actor_id=scope.user_id, reason=reason, at=at)
        text = _("Hidden, and its author may not write in the group any more.")
    else:
        done = await hide_comment(
            session, bot, comment.chat_id, comment.message_id, actor_id=scope.user_id,
            reason=reason, at=at,
        )  # fmt: skip
        text = _("Hidden.")
    if not done.deleted:
        text += " " + _("Telegram kept the message: {reason}").format(reason=done.refusal)
    return Done(text, True)
