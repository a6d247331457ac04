"""Poll results (anonymous counts, with a time series) and named answers from companion polls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Poll as TelegramPoll
from telegram import PollAnswer

from bot.responses.comments import remember_user
from db.models import Poll, PollSnapshot
from db.models import PollAnswer as StoredAnswer
from db.queries import responses as queries


async def store_poll_state(
    session: AsyncSession, update: TelegramPoll, at: datetime
) -> Poll | None:
    poll = await queries.poll_by_telegram_id(session, update.id)
    if poll is None:
        return None
    counts = [option.voter_count for option in update.options]
    if counts != poll.counts or update.total_voter_count != poll.total_voters:
        poll.counts = counts
        poll.total_voters = update.total_voter_count
        session.add(
            PollSnapshot(
                poll_id=poll.id, counts=counts, total_voters=update.total_voter_count, taken_at=at
            )
        )
    if update.is_closed:
        poll.closed = True
    await session.flush()
    return poll


async def store_poll_answer(
    session: AsyncSession, answer: PollAnswer, at: datetime
) -> StoredAnswer | None:
    """Every answer is kept; an empty choice is a retraction."""
    poll = await queries.poll_by_telegram_id(session, answer.poll_id)
    if poll is None or answer.user is None or answer.voter_chat is not None:
        # A vote cast as a chat names no person (``user`` is then a placeholder bot, if any);
        # the poll's anonymous counts include it.
        return None
    user = await remember_user(session, answer.user, at)
    stored = StoredAnswer(
        poll_id=poll.id,
        user_id=user.id,
        option_ids=list(answer.option_ids),
        answered_at=at,
        retracted=not answer.option_ids,
    )
    session.add(stored)
    await session.flush()
    return stored
