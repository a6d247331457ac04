"""Reaction counts on channel posts, as Telegram reports them (anonymous, grouped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import MessageReactionCountUpdated, ReactionTypeCustomEmoji, ReactionTypeEmoji

from db.queries import publishing as publishing_queries
from db.queries import responses as queries


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
    await queries.replace_reactions(session, segment.id, counts, at)
    return True
