"""Telegram's automatic forwards of channel posts: the key from a post to its comment thread.

A forward also settles a send that was in doubt: it proves the post was
delivered, and carries its channel message id.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, MessageOriginChannel

from db.models import Segment, SegmentState
from db.queries import publishing as queries


async def record_automatic_forward(
    session: AsyncSession, message: Message, poll_close_after: timedelta
) -> Segment | None:
    """Link the forward to its segment (or poll); returns the segment, if it is one of ours."""
    origin = message.forward_origin
    if not message.is_automatic_forward or not isinstance(origin, MessageOriginChannel):
        return None
    channel = await queries.channel_by_chat_id(session, origin.chat.id)
    if channel is None:
        return None
    if channel.discussion_chat_id is None:
        channel.discussion_chat_id = message.chat.id
    if message.poll is not None:
        poll = await queries.poll_by_chat_message(session, origin.chat.id, origin.message_id)
        if poll is None:
            poll = await queries.sending_poll_with_question(
                session, origin.chat.id, message.poll.question
            )
            if poll is not None:  # delivered although the send was in doubt
                poll.state = SegmentState.POSTED
                poll.message_id = origin.message_id
                poll.telegram_poll_id = message.poll.id
                poll.posted_at = origin.date
                poll.close_at = origin.date + poll_close_after
                poll.sending_since = None
        if poll is not None:
            # Readers argue about a lesson under its poll: that thread is collected too.
            poll.discussion_thread_id = message.message_id
        return None
    segment = await queries.segment_by_channel_message(session, channel.id, origin.message_id)
    if segment is None and message.text is not None:
        segment = await queries.sending_segment_with_text(session, channel.id, message.text)
        if segment is not None:  # delivered although the send was in doubt
            segment.state = SegmentState.POSTED
            segment.message_id = origin.message_id
            segment.posted_at = origin.date
            segment.sending_since = None
    if segment is not None:
        segment.discussion_thread_id = message.message_id
    return segment
