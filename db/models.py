"""The whole domain schema: later features add behaviour, not tables.

Every table is portable SQL (SQLite by default, PostgreSQL as the scale path):
no dialect-specific types, and timestamps are stored as UTC.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite drops the offset; without this a value would come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; newsbot stores aware UTC times only")
        return value.astimezone(UTC)

    @override
    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class SegmentKind(enum.StrEnum):
    TITLE = "title"
    SECTION = "section"
    QUOTE = "quote"
    TABLE = "table"
    LESSONS = "lessons"
    CLOSING = "closing"


class SegmentState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    POSTED = "posted"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FAILED = "failed"


class RoleName(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    # Stored as plain strings with a CHECK, so PostgreSQL needs no custom type.
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name from config; the numeric chat id is learned from Telegram (getChat).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(256), default="")
    discussion_chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The group's title and public @username (if any), for exports and their links.
    discussion_title: Mapped[str | None] = mapped_column(String(256))
    discussion_username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]
    # Why nothing may be posted here now (the bot lost the right to post), if so.
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    # Whether the bot sees the discussion group's messages (administrator, or privacy off);
    # automatic forwards settle sends in doubt only where it does.
    discussion_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    checked_at: Mapped[datetime | None]

    articles: Mapped[list[Article]] = relationship(back_populates="channel")


class Article(Base):
    __tablename__ = "articles"
    # The same text once per channel: each team has its own article.
    __table_args__ = (UniqueConstraint("content_hash", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    # The page's lead image: shown above the first post as its link preview.
    lead_image_url: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    raw_text: Mapped[str] = mapped_column(Text)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when newsbot paused it itself (a right lost); admins read it in /status.
    paused_reason: Mapped[str | None] = mapped_column(Text)
    spacing_seconds: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime]
    # Who imported it: an article not yet given a channel is theirs (and the operators').
    imported_by: Mapped[int | None] = mapped_column(BigInteger)

    channel: Mapped[Channel | None] = relationship(back_populates="articles")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Segment.position",
    )


class Segment(Base):
    __tablename__ = "segments"
    __table_args__ = (
        UniqueConstraint("article_id", "position"),
        Index("ix_segments_state_scheduled_at", "state", "scheduled_at"),
        Index("ix_segments_channel_message", "channel_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[SegmentKind] = mapped_column(_enum(SegmentKind))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    scheduled_at: Mapped[datetime | None]
    state: Mapped[SegmentState] = mapped_column(_enum(SegmentState), default=SegmentState.DRAFT)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when a send starts; a send still marked so after a crash or timeout is "in doubt".
    sending_since: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The thread is a message id in one discussion group; the group can be relinked later.
    discussion_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    discussion_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[datetime | None]

    article: Mapped[Article] = relationship(back_populates="segments")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="segment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Lesson.position",
    )


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("segment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(String(300))

    segment: Mapped[Segment] = relationship(back_populates="lessons")
    polls: Mapped[list[Poll]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", passive_deletes=True
    )


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_chat_thread", "chat_id", "discussion_thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    telegram_poll_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[list[Any]] = mapped_column(JSON)
    counts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    total_voters: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[SegmentState] = mapped_column(_enum(SegmentState), default=SegmentState.DRAFT)
    # A companion poll is a non-anonymous copy in the discussion thread (who voted what).
    companion: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sending_since: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    close_at: Mapped[datetime | None] = mapped_column(index=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # A channel poll opens a comment thread of its own, under its automatic forward.
    discussion_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    discussion_thread_id: Mapped[int | None] = mapped_column(BigInteger)

    lesson: Mapped[Lesson] = relationship(back_populates="polls")


class PollSnapshot(Base):
    """Counts as they arrived, for trends in the weekly summary."""

    __tablename__ = "poll_snapshots"
    __table_args__ = (Index("ix_poll_snapshots_poll_taken", "poll_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime]
    counts: Mapped[list[Any]] = mapped_column(JSON)
    total_voters: Mapped[int] = mapped_column(Integer)


class PollAnswer(Base):
    """Who chose what in a non-anonymous companion poll; retractions are kept."""

    __tablename__ = "poll_answers"
    __table_args__ = (Index("ix_poll_answers_poll_user", "poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    option_ids: Mapped[list[Any]] = mapped_column(JSON)
    answered_at: Mapped[datetime]
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    """A Telegram user; the primary key is the Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    forgotten: Mapped[bool] = mapped_column(Boolean, default=False)
    # /quote on|off: whether weekly summaries may name them when quoting (None: never said).
    quote_consent: Mapped[bool | None] = mapped_column(Boolean)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_id"),
        # Covers the weekly figures: counts, commenters and comments per lesson come from
        # the index alone.
        Index(
            "ix_comments_segment_created",
            "segment_id",
            "created_at",
            "hidden",
            "user_id",
            "chat_id",
            "reply_to_message_id",
            "lesson_id",
        ),
        Index("ix_comments_user_created", "user_id", "created_at"),
        Index("ix_comments_chat_thread", "chat_id", "thread_id"),
        Index("ix_comments_chat_reply_to", "chat_id", "reply_to_message_id"),
        # A lesson's comments of one week, for the digest's key phrases.
        Index("ix_comments_lesson_created", "lesson_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    reply_to_message_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sender_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    sender_chat_title: Mapped[str | None] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text, default="")
    media_kind: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # When a moderator last showed a hidden comment again (exports say it was hidden).
    unhidden_at: Mapped[datetime | None]
    # When /forget or retention blanked the text and author (exports mark the row).
    erased_at: Mapped[datetime | None]

    # Set when a new comment and its new author are stored in one flush: the relationship
    # orders the author's insert first. Never loaded.
    author: Mapped[User | None] = relationship(lazy="raise")
    edits: Mapped[list[CommentEdit]] = relationship(
        back_populates="comment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CommentEdit.edited_at",
    )


class CommentEdit(Base):
    """The text a comment had before an edit replaced it."""

    __tablename__ = "comment_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    previous_text: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime]

    comment: Mapped[Comment] = relationship(back_populates="edits")


class ReactionCount(Base):
    __tablename__ = "reaction_counts"
    __table_args__ = (UniqueConstraint("segment_id", "reaction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    reaction: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class CommentReaction(Base):
    """One person's reaction to a comment in a discussion group, as ``message_reaction``
    reports it (the bot receives these as a group administrator); the weekly summary
    ranks comments by how many people reacted."""

    __tablename__ = "comment_reactions"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", "reactor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    # The user, or the chat an anonymous administrator reacted as.
    reactor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    reactions: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class WeeklySummary(Base):
    __tablename__ = "weekly_summaries"
    __table_args__ = (UniqueConstraint("channel_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    html: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]


class SummaryRequest(Base):
    """An admin's confirmed [Post it]: stored with the press and run by the schedule's next
    tick, so a restart between the two resumes it instead of losing it."""

    __tablename__ = "summary_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(16))  # the period's label, "2026-W47"
    requested_by: Mapped[int] = mapped_column(BigInteger)  # who hears how it went
    requested_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(index=True)


class Role(Base):
    """A role granted in one channel (``/grant moderator``): it reaches that channel only."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[RoleName] = mapped_column(_enum(RoleName))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    # The channel the action concerns: its team sees it in /audit (None: operators only).
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


# Updates neither handled nor set aside: what the inbox's own index covers.
_WAITING = text("processed_at IS NULL AND quarantined_at IS NULL")


class InboxUpdate(Base):
    """Raw updates, stored before they are confirmed to Telegram, so none is lost."""

    __tablename__ = "inbox_updates"
    __table_args__ = (
        Index("ix_inbox_updates_processed", "processed_at", "update_id"),
        Index(
            "ix_inbox_updates_waiting_key",
            "ordering_key",
            "update_id",
            sqlite_where=_WAITING,
            postgresql_where=_WAITING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Failed handlings so far; past the limit the update is quarantined and skipped.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    quarantined_at: Mapped[datetime | None]
    # Updates with the same key are handled in update order, even by several processes
    # (the same message and its edits, one person's votes, ...); None: no order needed.
    ordering_key: Mapped[str | None] = mapped_column(String(96))


class OutboxMessage(Base):
    """A message the bot sends because of an update, written in that update's transaction.

    Rolled back with the update when its handling fails, so a replay never sends
    it twice; sent after the commit by the outbox sender.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "failed_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    document_name: Mapped[str | None] = mapped_column(String(256))
    # Tokens of the buttons in its keyboard: they learn the message id once it is sent.
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A process sending the message holds it until then (several processes, one database).
    claimed_until: Mapped[datetime | None]
    # Set when Telegram would not let the bot write to the person (they never pressed
    # Start, or blocked the bot): the message waits until they next write to the bot.
    waiting_since: Mapped[datetime | None]


class Button(Base):
    """An inline button: only for its user, on the message it went out with, until it expires."""

    __tablename__ = "buttons"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    argument: Mapped[str | None] = mapped_column(String(1024))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Lease(Base):
    """Work only one process may do at a time (publishing, summaries, retention): its
    holder renews it while running; once it expires another process takes it over."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class LinkImport(Base):
    """An admin's link to import: stored with the message and fetched by the link job, so
    a page that takes seconds to answer never holds the updates' transaction, and a
    restart between the two resumes it."""

    __tablename__ = "link_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[int] = mapped_column(BigInteger)  # who hears how it went
    requested_at: Mapped[datetime]
    # Taken by a process until then (several processes: one fetches it).
    claimed_until: Mapped[datetime | None]
    done_at: Mapped[datetime | None] = mapped_column(index=True)


class Feed(Base):
    """An RSS or Atom feed a channel follows (from the configuration or ``/feeds add``)."""

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("channel_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)  # the feed's own name, once read
    # In the configuration: removed there, not by /feeds.
    from_config: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime]
    next_check_at: Mapped[datetime] = mapped_column(index=True)
    checked_at: Mapped[datetime | None]
    # Conditional requests: what the feed's server said last time.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_item_title: Mapped[str | None] = mapped_column(Text)
    last_item_at: Mapped[datetime | None]
    # Why the last check failed (admins were told once); None while it works.
    failure: Mapped[str | None] = mapped_column(Text)


class FeedItem(Base):
    """An item seen in a channel's feeds, by its guid (or link): never offered twice,
    whichever feed it comes from, however it is edited."""

    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("channel_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the guid, else the link
    link: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime]
    # "pending" until its page is imported and the admins asked; then "offered",
    # "published" (auto_publish), "failed" (told why), "skipped", or "seen" (there before
    # the feed was followed).
    state: Mapped[str] = mapped_column(String(16), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
