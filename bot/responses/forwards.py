"""Telegram's automatic forwards of channel posts: the key from a post to its comment thread.

A forward also settles a send that was in doubt: it proves the post was delivered
and carries its channel message id. It is matched to the post in doubt by what it
says, not by identical text: Telegram's HTML parser, not newsbot's, made the
delivered text, and whitespace or entity edges may differ (see ``same_words``).

A forward from a group other than the one on record means the channel's owner
linked another discussion group: comments are collected there from now on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from difflib import SequenceMatcher
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, MessageOriginChannel

from bot.access import Access
from bot.publishing.progress import after_posted, record_delivered
from db.models import Channel, Poll, Segment, SegmentState
from db.queries import publishing as queries

log = logging.getLogger(__name__)
Item = TypeVar("Item", Segment, Poll)
# How alike two texts must be, once whitespace is folded, to be the same post.
SAME_WORDS = 0.9


async def record_automatic_forward(
    session: AsyncSession, message: Message, access: Access, now: datetime
) -> Segment | None:
    """Link the forward to its segment (or poll); returns the segment, if it is one of ours.

    A forward that settles a send is the send's outcome, as the publisher's own record
    would be: the admins hear that the article started or finished from whichever of the
    two comes first (the rows are locked, so never from both)."""
    origin = message.forward_origin
    if not message.is_automatic_forward or not isinstance(origin, MessageOriginChannel):
        return None
    channel = await queries.channel_by_chat_id(session, origin.chat.id)
    if channel is None:
        return None
    _note_discussion_group(channel, message.chat.id)
    if message.poll is not None:
        polls = await queries.polls_for_forward(session, origin.chat.id, origin.message_id)
        poll = next((p for p in polls if p.message_id == origin.message_id), None)
        if poll is None:
            poll = _settled(polls, message.poll.question, lambda p: p.lesson.question)
            if poll is not None:  # delivered although the send was in doubt
                record_delivered(
                    poll,
                    origin.message_id,
                    origin.date,
                    access.config.publishing.poll_close_after,
                    message.poll.id,
                )
                await session.flush()
                await after_posted(session, access, poll, now)
        if poll is not None:
            # Readers argue about a lesson under its poll: that thread is collected too.
            poll.discussion_chat_id = message.chat.id
            poll.discussion_thread_id = message.message_id
        return None
    segments = await queries.segments_for_forward(session, channel.id, origin.message_id)
    segment = next((s for s in segments if s.message_id == origin.message_id), None)
    if segment is None:
        segment = _settled(segments, message.text or message.caption or "", lambda s: s.text)
        if segment is not None:  # delivered although the send was in doubt
            record_delivered(
                segment, origin.message_id, origin.date, access.config.publishing.poll_close_after
            )
            await session.flush()
            await after_posted(session, access, segment, now)
    if segment is not None:
        segment.discussion_chat_id = message.chat.id
        segment.discussion_thread_id = message.message_id
    return segment


def _note_discussion_group(channel: Channel, group_id: int) -> None:
    """Automatic forwards go only to the linked group: one from elsewhere is a relink."""
    if channel.discussion_chat_id != group_id:
        if channel.discussion_chat_id is not None:
            log.warning(
                "channel %s now forwards into group %s (was %s): comments are collected there",
                channel.key,
                group_id,
                channel.discussion_chat_id,
            )
        channel.discussion_chat_id = group_id
    channel.discussion_visible = True


def _settled(
    candidates: Sequence[Item], delivered: str, words: Callable[[Item], str]
) -> Item | None:
    """The item in doubt whose words the forward carries (the oldest, if several match)."""
    for item in candidates:
        if item.state is SegmentState.SENDING and same_words(words(item), delivered):
            return item
    return None


def same_words(sent: str, delivered: str) -> bool:
    """Whether a delivered text is the one sent, whitespace and small edge changes aside."""
    a, b = _folded(sent), _folded(delivered)
    if not a or not b:
        return False
    if a == b:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= SAME_WORDS


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
