"""Comments in the discussion threads of newsbot's posts, with their edits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, MessageOriginChannel, Update
from telegram import User as TelegramUser
from telegram.constants import ChatType

from db.models import Comment, CommentEdit, Poll, Segment, User
from db.queries import publishing as publishing_queries
from db.queries import responses as queries

# What a comment can be besides text (Bot API Message fields), stored as its kind.
_MEDIA_KINDS = (
    "photo",
    "video",
    "animation",
    "document",
    "audio",
    "voice",
    "video_note",
    "sticker",
    "poll",
    "location",
    "contact",
    "venue",
    "dice",
    "story",
    "checklist",
    "game",
    "invoice",
    "giveaway",
    "paid_media",
)
_LESSON_REFERENCE = re.compile(r"^\s*#?(\d{1,2})[.):]\s")


def message_text(message: Message) -> str:
    return message.text or message.caption or ""


def media_kind(message: Message) -> str | None:
    for kind in _MEDIA_KINDS:
        if getattr(message, kind, None):
            return kind
    return None


async def remember_user(
    session: AsyncSession, user: TelegramUser, seen_at: datetime, *, deferred: bool = False
) -> User:
    return await queries.upsert_user(
        session,
        user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
        is_bot=user.is_bot,
        seen_at=seen_at,
        deferred=deferred,
    )


@dataclass
class Thread:
    """A discussion thread under one of newsbot's posts; a poll's thread is about its lesson."""

    segment: Segment
    thread_id: int
    lesson_id: int | None = None


async def _thread_of(session: AsyncSession, message: Message) -> Thread | None:
    """The newsbot post or poll whose discussion thread holds ``message``, if any."""
    channel = await queries.channel_by_discussion_chat(session, message.chat.id)
    if channel is None or channel.chat_id is None:
        return None
    thread_id = message.message_thread_id
    if thread_id is None:
        # The forward's own update may have been missed; a direct reply carries it.
        replied = message.reply_to_message
        origin = replied.forward_origin if replied is not None else None
        if replied is None or not replied.is_automatic_forward:
            return None
        if not isinstance(origin, MessageOriginChannel) or origin.chat.id != channel.chat_id:
            return None
        thread_id = replied.message_id
        segment = await publishing_queries.segment_by_channel_message(
            session, channel.id, origin.message_id
        )
        if segment is not None:
            segment.discussion_chat_id = message.chat.id
            segment.discussion_thread_id = thread_id
            return Thread(segment, thread_id)
        poll = await publishing_queries.poll_by_chat_message(
            session, channel.chat_id, origin.message_id
        )
        if poll is not None:
            poll.discussion_chat_id = message.chat.id
            poll.discussion_thread_id = thread_id
            return await _poll_thread(session, poll, thread_id)
        return None
    segment = await queries.segment_by_thread(session, message.chat.id, thread_id)
    if segment is not None:
        return Thread(segment, thread_id)
    poll = await queries.poll_by_thread(session, message.chat.id, thread_id)
    if poll is not None:
        return await _poll_thread(session, poll, thread_id)
    return None


async def _poll_thread(session: AsyncSession, poll: Poll, thread_id: int) -> Thread | None:
    segment = await queries.segment_of_lesson(session, poll.lesson_id)
    return Thread(segment, thread_id, poll.lesson_id) if segment is not None else None


async def _lesson_id(session: AsyncSession, segment: Segment, message: Message) -> int | None:
    """Which lesson a comment is about: a reply to its companion poll or to a comment on a
    lesson, the segment's only lesson, or "2." ."""
    lessons = await queries.lessons_of(session, segment.id)
    if not lessons:
        return None
    replied = message.reply_to_message
    if replied is not None and replied.poll is not None:
        poll = await queries.poll_by_telegram_id(session, replied.poll.id)
        if poll is not None:
            return poll.lesson_id
    if replied is not None and not replied.is_automatic_forward:
        answered = await queries.comment_by_message(session, message.chat.id, replied.message_id)
        if answered is not None and answered.lesson_id is not None:
            return answered.lesson_id  # a reply stays on the lesson it answers
    if len(lessons) == 1:
        return lessons[0].id
    reference = _LESSON_REFERENCE.match(message_text(message))
    if reference and 1 <= int(reference.group(1)) <= len(lessons):
        return lessons[int(reference.group(1)) - 1].id
    return None


async def store_comment(session: AsyncSession, message: Message, bot_id: int) -> Comment | None:
    """Store a discussion message once; None when it is not a comment on a newsbot post."""
    if message.is_automatic_forward or (message.from_user and message.from_user.id == bot_id):
        return None
    existing = await queries.comment_by_message(session, message.chat.id, message.message_id)
    if existing is not None:
        return existing
    thread = await _thread_of(session, message)
    if thread is None:
        return None
    kind = media_kind(message)
    if kind is None and not message_text(message):
        return None  # a service message (a topic created, a member joined): not a comment
    segment = thread.segment
    comment = Comment(
        chat_id=message.chat.id,
        message_id=message.message_id,
        thread_id=thread.thread_id,
        segment_id=segment.id,
        lesson_id=thread.lesson_id or await _lesson_id(session, segment, message),
        text=message_text(message),
        media_kind=kind,
        created_at=message.date,
    )
    replied = message.reply_to_message
    if replied is not None and not replied.is_automatic_forward:
        comment.reply_to_message_id = replied.message_id
    author = None
    if message.sender_chat is not None:
        comment.sender_chat_id = message.sender_chat.id
        comment.sender_chat_title = message.sender_chat.title
    elif message.from_user is not None:
        author = await remember_user(session, message.from_user, message.date, deferred=True)
    # No flush: the batch's comments are inserted together when it is flushed.
    await queries.add_comment(session, comment, author)
    return comment


async def look_up_batch(session: AsyncSession, updates: list[Update]) -> None:
    """Before a batch is handled: find its stored comments and known commenters in two
    queries, instead of a query or two per message."""
    messages: set[tuple[int, int]] = set()
    people: dict[int, dict[str, Any]] = {}
    for update in updates:
        message = update.message or update.edited_message
        if message is None or message.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            continue
        messages.add((message.chat.id, message.message_id))
        if message.reply_to_message is not None:
            messages.add((message.chat.id, message.reply_to_message.message_id))
        person = message.from_user
        in_a_thread = message.message_thread_id is not None  # a comment, not group chatter
        if in_a_thread and person is not None and message.sender_chat is None:
            people.setdefault(person.id, _user_columns(person, message.date))
    if messages:
        await queries.known_comments(session, messages)
    if people:
        await queries.known_users(session, set(people))
        # New commenters go in now, in one statement that tolerates another process
        # inserting the same person at the same moment.
        await queries.add_new_users(session, list(people.values()))


def _user_columns(person: TelegramUser, seen_at: datetime) -> dict[str, Any]:
    return {
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "username": person.username,
        "language_code": person.language_code,
        "is_bot": person.is_bot,
        "first_seen": seen_at,
        "last_seen": seen_at,
    }


async def store_edit(session: AsyncSession, message: Message, bot_id: int) -> Comment | None:
    """Apply an edit, keeping the earlier text; an unseen comment is stored as it now reads."""
    comment = await queries.comment_by_message(session, message.chat.id, message.message_id)
    if comment is None:
        return await store_comment(session, message, bot_id)
    text = message_text(message)
    if text == comment.text:
        return comment
    edited_at = message.edit_date or message.date
    if comment.id is None:
        await session.flush()  # stored earlier in this batch, not yet inserted
    session.add(CommentEdit(comment_id=comment.id, previous_text=comment.text, edited_at=edited_at))
    comment.text = text
    comment.edited_at = edited_at
    await session.flush()
    return comment
