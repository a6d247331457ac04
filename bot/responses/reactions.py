"""Reactions: anonymous, grouped counts on channel posts, and each person's reactions to
comments in the discussion groups (which Telegram reports to administrator bots only)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    MessageReactionCountUpdated,
    MessageReactionUpdated,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
)

from db.queries import publishing as publishing_queries
from db.queries import responses as queries

log = logging.getLogger(__name__)
# A reaction count a column holds; a channel has far fewer subscribers.
MAX_COUNT = 2**31 - 1


def reaction_key(reaction: object) -> str:
    if isinstance(reaction, ReactionTypeEmoji):
        return reaction.emoji
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return f"custom:{reaction.custom_emoji_id}"
    return str(getattr(reaction, "type", "other"))


async def store_reaction_counts(
    session: AsyncSession, update: MessageReactionCountUpdated, at: datetime
) -> bool:
    channel = await publishing_queries.channel_by_chat_id(session, update.chat.id)
    if channel is None:
        return False
    segment = await publishing_queries.segment_by_channel_message(
        session, channel.id, update.message_id
    )
    if segment is None:
        return False
    counts = {reaction_key(r.type): r.total_count for r in update.reactions}
    if any(not 0 <= count <= MAX_COUNT for count in counts.values()):
        # Not a count Telegram can mean: the last good counts stay.
        log.warning("refused reaction counts for message %s: %s", update.message_id, counts)
        return False
    await queries.replace_reactions(session, segment.id, counts, at)
    return True


async def store_comment_reaction(
    session: AsyncSession, update: MessageReactionUpdated, at: datetime
) -> bool:
    """Only reactions to comments newsbot keeps are stored; others are nobody's business."""
    comment = await queries.comment_by_message(session, update.chat.id, update.message_id)
    reactor = update.user or update.actor_chat
    if comment is None or reactor is None:
        return False
    reactions = [reaction_key(reaction) for reaction in update.new_reaction]
    await queries.set_comment_reaction(
        session, update.chat.id, update.message_id, reactor.id, reactions, at
    )
    return True
