from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel, Comment, Lesson, Poll, ReactionCount, Segment, User


async def channel_by_discussion_chat(session: AsyncSession, chat_id: int) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.discussion_chat_id == chat_id))


async def segment_by_thread(
    session: AsyncSession, channel_id: int, thread_id: int
) -> Segment | None:
    return await session.scalar(
        select(Segment).where(
            Segment.channel_id == channel_id, Segment.discussion_thread_id == thread_id
        )
    )


async def lessons_of(session: AsyncSession, segment_id: int) -> Sequence[Lesson]:
    return (
        await session.scalars(
            select(Lesson).where(Lesson.segment_id == segment_id).order_by(Lesson.position)
        )
    ).all()


async def comment_by_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Comment | None:
    return await session.scalar(
        select(Comment).where(Comment.chat_id == chat_id, Comment.message_id == message_id)
    )


async def poll_by_telegram_id(session: AsyncSession, telegram_poll_id: str) -> Poll | None:
    return await session.scalar(select(Poll).where(Poll.telegram_poll_id == telegram_poll_id))


async def upsert_user(
    session: AsyncSession,
    user_id: int,
    *,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    is_bot: bool,
    seen_at: datetime,
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, first_seen=seen_at)
        session.add(user)
    if not user.forgotten:
        user.first_name = first_name
        user.last_name = last_name
        user.username = username
    user.language_code = language_code
    user.is_bot = is_bot
    user.last_seen = seen_at
    await session.flush()
    return user


async def replace_reactions(
    session: AsyncSession, segment_id: int, counts: dict[str, int], at: datetime
) -> None:
    await session.execute(delete(ReactionCount).where(ReactionCount.segment_id == segment_id))
    for reaction, count in counts.items():
        session.add(
            ReactionCount(segment_id=segment_id, reaction=reaction, count=count, updated_at=at)
        )
    await session.flush()
