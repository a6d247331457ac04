"""Subscribers' own data: what is stored about them, forgetting it, and retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import User as TelegramUser

from bot.responses.comments import remember_user
from db.models import User
from db.queries import inbox as inbox_queries
from db.queries import moderation as queries
from db.queries import outbox as outbox_queries
from db.queries.audit import record


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


async def my_data(session: AsyncSession, user_id: int) -> dict[str, Any]:
    user = await session.get(User, user_id)
    comments = await queries.comments_of(session, user_id)
    answers = await queries.answers_of(session, user_id)
    reactions = await queries.reactions_of(session, user_id)
    return {
        "user": {
            "id": user_id,
            "first_name": user.first_name if user else None,
            "last_name": user.last_name if user else None,
            "username": user.username if user else None,
            "first_seen": _iso(user.first_seen) if user else None,
            "may_be_named_in_summaries": user.quote_consent if user else None,
        },
        "comments": [
            {
                "time_utc": _iso(c.created_at),
                "text": c.text,
                "edited": c.edited_at is not None,
                "hidden": c.hidden,
                "chat_id": c.chat_id,
                "message_id": c.message_id,
            }
            for c in comments
        ],
        "votes": [
            {"time_utc": _iso(a.answered_at), "options": a.option_ids, "retracted": a.retracted}
            for a in answers
        ],
        "reactions_to_comments": [
            {
                "time_utc": _iso(r.updated_at),
                "chat_id": r.chat_id,
                "message_id": r.message_id,
                "reactions": r.reactions,
            }
            for r in reactions
        ],
    }


def my_data_file(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


async def forget(session: AsyncSession, user_id: int, at: datetime) -> int:
    """Erase the user's texts and personal fields; comment counts stay, anonymous. The raw
    updates that carried their words and messages not yet sent to them go too."""
    erased = await queries.erase_user(session, user_id, at)
    await erase_raw_updates(session, user_id)
    await outbox_queries.delete_unsent_to(session, user_id)
    await record(session, user_id, "forget", f"user:{user_id}", {"comments": erased}, at=at)
    return erased


async def erase_raw_updates(session: AsyncSession, user_id: int) -> int:
    """Blank every stored raw update in which the user appears; the rows keep their ids."""
    erased = 0
    async for row in inbox_queries.stream_all(session):
        if mentions_user(row.payload, user_id):
            row.payload = {"update_id": row.update_id}
            erased += 1
    return erased


def mentions_user(value: Any, user_id: int) -> bool:
    """Whether a raw update holds the user (as author, voter, replied-to author...)."""
    if isinstance(value, dict):
        if value.get("id") == user_id and "is_bot" in value:
            return True
        return any(mentions_user(item, user_id) for item in value.values())
    if isinstance(value, list):
        return any(mentions_user(item, user_id) for item in value)
    return False


async def apply_retention(session: AsyncSession, now: datetime, days: int) -> int:
    return await queries.erase_older_than(session, now - timedelta(days=days), now)


async def sweep_raw_updates(
    session: AsyncSession, now: datetime, keep_processed: timedelta, keep_quarantined: timedelta
) -> int:
    """Raw updates hold names and texts: gone once handled (after ``keep_processed``), and
    quarantined ones after ``keep_quarantined``."""
    return await inbox_queries.delete_settled(session, now - keep_processed, now - keep_quarantined)


async def quote_consent(session: AsyncSession, user_id: int) -> bool | None:
    """What the reader said with /quote: True (name me), False (don't), None (nothing)."""
    user = await session.get(User, user_id)
    return user.quote_consent if user is not None else None


async def set_quote_consent(
    session: AsyncSession, user: TelegramUser, consent: bool, at: datetime
) -> None:
    """/quote on|off. A reader who said nothing is quoted as "a reader" where the channel
    asks first (``summary_names = "ask"``, the default)."""
    row = await remember_user(session, user, at)
    row.quote_consent = consent
    await record(session, user.id, "quote", f"user:{user.id}", {"consent": consent}, at=at)
