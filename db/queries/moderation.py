from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Comment, CommentEdit, CommentReaction, PollAnswer, User


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    name = username.lstrip("@").lower()
    return await session.scalar(select(User).where(func.lower(User.username) == name))


async def comments_of(session: AsyncSession, user_id: int) -> Sequence[Comment]:
    return (
        await session.scalars(
            select(Comment).where(Comment.user_id == user_id).order_by(Comment.created_at)
        )
    ).all()


async def answers_of(session: AsyncSession, user_id: int) -> Sequence[PollAnswer]:
    return (
        await session.scalars(
            select(PollAnswer).where(PollAnswer.user_id == user_id).order_by(PollAnswer.id)
        )
    ).all()


async def reactions_of(session: AsyncSession, user_id: int) -> Sequence[CommentReaction]:
    return (
        await session.scalars(
            select(CommentReaction)
            .where(CommentReaction.reactor_id == user_id)
            .order_by(CommentReaction.updated_at, CommentReaction.id)
        )
    ).all()


async def erase_user(session: AsyncSession, user_id: int, at: datetime) -> int:
    """Blank the user's comment texts, drop their edit history, named votes and reactions to
    comments, and withdraw any consent to be quoted; returns the comments erased."""
    ids = select(Comment.id).where(Comment.user_id == user_id).scalar_subquery()
    await session.execute(delete(CommentEdit).where(CommentEdit.comment_id.in_(ids)))
    result = await session.execute(
        update(Comment)
        .where(Comment.user_id == user_id)
        .values(text="", media_kind=None, user_id=None, erased_at=at)
    )
    await session.execute(delete(PollAnswer).where(PollAnswer.user_id == user_id))
    await session.execute(delete(CommentReaction).where(CommentReaction.reactor_id == user_id))
    user = await session.get(User, user_id)
    if user is not None:
        user.forgotten = True
        user.first_name, user.last_name, user.username, user.language_code = "", None, None, None
        user.quote_consent = None
    await session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


async def erase_older_than(session: AsyncSession, cutoff: datetime, at: datetime) -> int:
    """Retention: comments older than ``cutoff`` keep only what counts need."""
    old = select(Comment.id).where(Comment.created_at < cutoff).scalar_subquery()
    await session.execute(delete(CommentEdit).where(CommentEdit.comment_id.in_(old)))
    values: dict[str, Any] = {
        "text": "",
        "media_kind": None,
        "user_id": None,
        "sender_chat_title": None,
        "erased_at": at,
    }
    result = await session.execute(
        update(Comment)
        .where(Comment.created_at < cutoff, (Comment.text != "") | Comment.user_id.is_not(None))
        .values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def users_seen_in(
    session: AsyncSession, group_ids: Sequence[int], *, user_id: int | None = None
) -> Sequence[User]:
    """People who wrote in these discussion groups (one of them, with ``user_id``)."""
    query = select(User).where(
        User.id.in_(select(Comment.user_id).where(Comment.chat_id.in_(list(group_ids)))),
        User.forgotten.is_(False),
    )
    if user_id is not None:
        query = query.where(User.id == user_id)
    return (await session.scalars(query.order_by(User.id))).all()
