"""The comment log, streamed in order: rows are never all in memory at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    CTE,
    Boolean,
    Dialect,
    Select,
    SQLColumnExpression,
    case,
    func,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect
from sqlalchemy.types import UserDefinedType

from db.engine import small_page_cache
from db.models import Article, Channel, Comment, CommentEdit, Lesson, Poll, Segment, User
from db.sql_text import format_text, iso_time, json_number, json_value

STREAM_CHUNK = 500
# A channel's or supergroup's id is -(10**12 + its own id).
SUPERGROUP_PREFIX = 10**12


class _Moment(UserDefinedType[datetime]):
    """A stored time read straight into an aware UTC datetime: a million rows of the log
    spend noticeably less than through the model's type (SQLite hands back text)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "TIMESTAMP"

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:  # noqa: ARG002
        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                return datetime.fromisoformat(value).replace(tzinfo=UTC)
            moment: datetime = value
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

        return process


def _moment(column: Any) -> Any:
    return type_coerce(column, _Moment())


# One comment of the log, in this order, followed by its number of edits.
LOG_COLUMNS = (
    Comment.id,
    Comment.chat_id,
    Comment.message_id,
    # A comment that answers no other comment answers the post that opened its thread.
    func.coalesce(Comment.reply_to_message_id, Comment.thread_id),
    _moment(Comment.created_at),
    Channel.key,
    Channel.timezone,
    Channel.discussion_username,
    Article.id,
    Article.title,
    Segment.id,
    Segment.position,
    Lesson.position,
    Comment.user_id,
    User.first_name,
    User.last_name,
    User.username,
    Comment.sender_chat_id,
    Comment.sender_chat_title,
    Comment.text,
    Comment.media_kind,
    _moment(Comment.edited_at),
    Comment.hidden,
    _moment(Comment.erased_at),
)


LOG_FIELDS = (
    "comment_id",
    "group_id",
    "message_id",
    "reply_to_message_id",
    "link",
    "time_utc",
    "time_local",
    "channel",
    "article_id",
    "article",
    "post",
    "post_message_id",
    "lesson",
    "author_id",
    "author_name",
    "text",
    "media",
    "edited",
    "edit_count",
    "hidden",
    "unhidden",
    "erased",
)
# number: an integer or NULL; plain: text newsbot writes (links, media kinds: never a
# comma, quote or line break); time: an ISO time newsbot writes, never NULL (so JSON needs
# no quoting function for it); typed: text a person typed or chose (a comment, a name, a
# title), which a spreadsheet must not run; flag: true or false.
CellKind = Literal["number", "plain", "time", "typed", "flag"]


@dataclass(frozen=True)
class Cell:
    """One column of the log as the database computes it; ``csv``, for typed text, is the
    cell as a CSV line writes it between its quotes (see ``log_cells``)."""

    name: str
    value: SQLColumnExpression[Any]
    kind: CellKind
    csv: SQLColumnExpression[str] | None = None


@dataclass(frozen=True)
class ZonePiece:
    """From ``since`` on (None: from the beginning) a zone is ``offset`` seconds off UTC,
    written ``suffix`` after a time."""

    since: datetime | None
    offset: int
    suffix: str


UTC_PIECES = (ZonePiece(None, 0, "+00:00"),)


def _in_zone(pieces: Sequence[ZonePiece]) -> ColumnElement[str]:
    first, *later = pieces
    moment = iso_time(Comment.created_at, first.offset, first.suffix)
    if not later:
        return moment
    # Newest first: most comments are recent, and a CASE stops at the first match.
    return case(
        *(
            (
                Comment.created_at >= piece.since,
                iso_time(Comment.created_at, piece.offset, piece.suffix),
            )
            for piece in reversed(later)
        ),
        else_=moment,
    )


def _local_time(
    zones: Mapping[str, Sequence[ZonePiece]], timezone: SQLColumnExpression[str]
) -> ColumnElement[str]:
    """The comment's time in its channel's zone; zones never off UTC cost nothing extra."""
    shifted = {name: pieces for name, pieces in zones.items() if tuple(pieces) != UTC_PIECES}
    if not shifted:
        return _in_zone(UTC_PIECES)
    return case(
        *((timezone == name, _in_zone(pieces)) for name, pieces in shifted.items()),
        else_=_in_zone(UTC_PIECES),
    )


def _link(
    channel_username: SQLColumnExpression[str],
    post_message_id: SQLColumnExpression[int],
    group_username: SQLColumnExpression[str],
) -> ColumnElement[str]:
    """The link Telegram's own "Copy link" gives a comment: under a public channel's post
    ``t.me/<channel>/<post>?comment=<id>``; else in a public group ``t.me/<group>/<id>``;
    else ``t.me/c/<group id without -100>/<id>``, which opens for the group's members."""
    bare = case(
        (Comment.chat_id <= -SUPERGROUP_PREFIX, -SUPERGROUP_PREFIX - Comment.chat_id),
        else_=func.abs(Comment.chat_id),
    )
    return case(
        (
            (channel_username != "") & post_message_id.is_not(None),
            format_text(
                "https://t.me/%s/%s?comment=%s",
                func.ltrim(channel_username, "@"),
                post_message_id,
                Comment.message_id,
            ),
        ),
        (
            group_username != "",
            format_text("https://t.me/%s/%s", func.ltrim(group_username, "@"), Comment.message_id),
        ),
        else_=format_text("https://t.me/c/%s/%s", bare, Comment.message_id),
    )


def _authors() -> CTE:
    """Each reader's name as the log writes it (the person's name, then the @username
    where known), computed once a reader rather than once a comment: a million comments
    come from some thousands of readers."""
    first, last = func.nullif(User.first_name, ""), func.nullif(User.last_name, "")
    person = func.coalesce(first + func.coalesce(" " + last, ""), last)
    username = func.coalesce(" (@" + func.nullif(User.username, "") + ")", "")
    return (
        select(
            User.id.label("id"),
            func.nullif(func.ltrim(func.coalesce(person, "") + username), "").label("name"),
            username.label("username"),
        )
        .cte("authors")
        .prefix_with("MATERIALIZED")
    )


AUTHORS = _authors()


def _author_name() -> ColumnElement[str]:
    """A chat's title (a comment sent as a channel or an anonymous admin), else the
    person's name, as Telegram shows the sender; NULL when there is neither."""
    return case(
        (Comment.sender_chat_title != "", Comment.sender_chat_title + AUTHORS.c.username),
        else_=AUTHORS.c.name,
    )


def _edit_count() -> ScalarSelect[int]:
    return (
        select(func.count(CommentEdit.id))
        .where(CommentEdit.comment_id == Comment.id)
        .correlate(Comment)
        .scalar_subquery()
    )


def _csv_text(value: SQLColumnExpression[str], guarded_starts: Sequence[str]) -> ColumnElement[str]:
    """Typed text as a CSV cell holds it between its quotes: quotes doubled, and a leading
    apostrophe when it starts with one of ``guarded_starts`` (a spreadsheet runs those)."""
    guarded = func.substr(value, 1, 1).in_(guarded_starts)
    return case((guarded, "'"), else_="") + func.replace(value, '"', '""')


def _log_posts(guarded_starts: Sequence[str]) -> CTE:
    """Each post's values that the log repeats on every comment under it, worked out once a
    post rather than once a comment (a million comments sit under some hundreds of posts):
    its number, article and channel, the channel's zone and group, and the channel and
    article cells as CSV writes them. Both the joins and the guards per row were a tenth
    of the CSV line's cost (callgrind, bench/README.md)."""
    return (
        select(
            Segment.id.label("id"),
            (Segment.position + 1).label("post"),
            Segment.message_id.label("post_message_id"),
            Segment.channel_id.label("channel_id"),
            Article.id.label("article_id"),
            Article.title.label("article"),
            Channel.key.label("channel"),
            Channel.timezone.label("timezone"),
            Channel.discussion_username.label("discussion_username"),
            func.coalesce(Channel.username, "").label("channel_username"),
            _csv_text(Channel.key, guarded_starts).label("channel_csv"),
            _csv_text(Article.title, guarded_starts).label("article_csv"),
        )
        .join(Article, Article.id == Segment.article_id)
        .outerjoin(Channel, Channel.id == Segment.channel_id)
        .cte("posts")
        .prefix_with("MATERIALIZED")
    )


def log_cells(
    zones: Mapping[str, Sequence[ZonePiece]], guarded_starts: Sequence[str]
) -> tuple[list[Cell], CTE]:
    """The log's columns in ``LOG_FIELDS`` order, and the posts table they read, which the
    query reading them must join (``stream_log_lines``). ``zones`` are the offsets of each
    channel's time zone over the exported period; typed text carries its CSV form, with a
    leading apostrophe when it starts with one of ``guarded_starts``: once a post for the
    channel and article, once a comment for the rest."""
    posts = _log_posts(guarded_starts)

    def typed(name: str, value: SQLColumnExpression[str]) -> Cell:
        return Cell(name, value, "typed", csv=_csv_text(value, guarded_starts))

    cells = [
        Cell("comment_id", Comment.id, "number"),
        Cell("group_id", Comment.chat_id, "number"),
        Cell("message_id", Comment.message_id, "number"),
        # The comment it answers; none for a comment on the post itself (whose thread's
        # root, the channel post, is ``post_message_id``): the group's automatic forward
        # of the post is no row of the log.
        Cell(
            "reply_to_message_id",
            func.nullif(Comment.reply_to_message_id, Comment.thread_id),
            "number",
        ),
        Cell(
            "link",
            _link(posts.c.channel_username, posts.c.post_message_id, posts.c.discussion_username),
            "plain",
        ),
        Cell("time_utc", iso_time(Comment.created_at, 0, "Z"), "time"),
        Cell("time_local", _local_time(zones, posts.c.timezone), "time"),
        Cell("channel", posts.c.channel, "typed", csv=posts.c.channel_csv),
        Cell("article_id", posts.c.article_id, "number"),
        Cell("article", posts.c.article, "typed", csv=posts.c.article_csv),
        Cell("post", posts.c.post, "number"),
        Cell("post_message_id", posts.c.post_message_id, "number"),
        Cell("lesson", Lesson.position + 1, "number"),
        Cell("author_id", Comment.user_id, "number"),
        typed("author_name", _author_name()),
        typed("text", Comment.text),
        Cell("media", Comment.media_kind, "plain"),
        Cell("edited", Comment.edited_at.is_not(None), "flag"),
        Cell("edit_count", _edit_count(), "number"),
        Cell("hidden", Comment.hidden.is_(True), "flag"),
        Cell("unhidden", Comment.unhidden_at.is_not(None), "flag"),
        Cell("erased", Comment.erased_at.is_not(None), "flag"),
    ]
    assert tuple(cell.name for cell in cells) == LOG_FIELDS
    return cells, posts


def csv_line(cells: Sequence[Cell]) -> ColumnElement[str]:
    """A CSV line (without its line break). Typed text is always quoted, in the form its
    cell carries (quotes doubled, formulas guarded)."""
    template: list[str] = []
    values: list[SQLColumnExpression[Any]] = []
    for cell in cells:
        if cell.kind == "flag":
            template.append("%s")
            values.append(case((cell.value, "true"), else_="false"))
        elif cell.kind == "typed":
            # The quotes are the template's: the cell's expression is written twice
            # (guard and quoting), not four times (SQLite evaluates each copy).
            assert cell.csv is not None, "typed cells carry their CSV form"
            template.append('"%s"')
            values.append(cell.csv)
        else:
            template.append("%s")
            values.append(cell.value)
    return format_text(",".join(template), *values)


def json_line(cells: Sequence[Cell]) -> ColumnElement[str]:
    """One JSON object, keys in ``cells`` order, laid out as ``json.dumps`` lays it out."""

    def value(cell: Cell) -> SQLColumnExpression[Any]:
        if cell.kind == "flag":
            return case((cell.value, "true"), else_="false")
        if cell.kind == "number":
            return json_number(cell.value)
        if cell.kind == "time":
            return cell.value  # quoted by the template: digits, -, :, T, ., +, Z only
        return json_value(cell.value)

    def slot(cell: Cell) -> str:
        return f'"{cell.name}": "%s"' if cell.kind == "time" else f'"{cell.name}": %s'

    template = "{" + ", ".join(map(slot, cells)) + "}"
    return format_text(template, *map(value, cells))


def cell_columns(cells: Sequence[Cell]) -> list[SQLColumnExpression[Any]]:
    """The cells as columns of their own, flags read as booleans on every dialect."""
    return [
        type_coerce(cell.value, Boolean) if cell.kind == "flag" else cell.value for cell in cells
    ]


@dataclass(frozen=True)
class LogFilter:
    """Which comments the log holds: by channel, article, time (``until`` exclusive), with
    or without hidden ones; or one discussion group's, by message id."""

    channel_id: int | None = None
    article_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_hidden: bool = False
    group_id: int | None = None


def _log_query(
    wanted: LogFilter, cells: tuple[Sequence[SQLColumnExpression[Any]], CTE] | None = None
) -> Select[*tuple[Any, ...]]:
    """The log's rows: the raw columns (Telegram Desktop's layout) read from the tables,
    or ``cells``: columns built by ``log_cells`` and the posts table they read."""
    channel_id, article_id, group_id = wanted.channel_id, wanted.article_id, wanted.group_id
    since, until, include_hidden = wanted.since, wanted.until, wanted.include_hidden
    query: Select[*tuple[Any, ...]]
    if cells is None:
        query = (
            select(*LOG_COLUMNS, _edit_count())
            .select_from(Comment)
            .join(Segment, Segment.id == Comment.segment_id)
            .join(Article, Article.id == Segment.article_id)
            .outerjoin(Channel, Channel.id == Segment.channel_id)
            .outerjoin(Lesson, Lesson.id == Comment.lesson_id)
            .outerjoin(User, User.id == Comment.user_id)
        )
        post_channel: SQLColumnExpression[Any] = Segment.channel_id
        post_article: SQLColumnExpression[Any] = Segment.article_id
        order_post: SQLColumnExpression[Any] = Segment.id
    else:
        columns, posts = cells
        query = (
            select(*columns)
            .select_from(Comment)
            .join(posts, posts.c.id == Comment.segment_id)
            .outerjoin(Lesson, Lesson.id == Comment.lesson_id)
            .outerjoin(AUTHORS, AUTHORS.c.id == Comment.user_id)
        )
        post_channel, post_article = posts.c.channel_id, posts.c.article_id
        order_post = posts.c.id
    # Cells by the posts table's id: SQLite then joins and formats every row while it
    # sorts, before the first one goes out, and hands out sorted lines cheaply. Walking
    # the comments' index in order instead streams from the start, but the database thread
    # and Python then take turns at the interpreter for every row: 15-20% slower whole.
    query = query.order_by(
        *(
            (Comment.message_id,)
            if group_id is not None
            else (order_post, Comment.created_at, Comment.message_id)
        )
    )
    if group_id is not None:
        query = query.where(Comment.chat_id == group_id)
    if channel_id is not None:
        query = query.where(post_channel == channel_id)
    if article_id is not None:
        query = query.where(post_article == article_id)
    if since is not None:
        query = query.where(Comment.created_at >= since)
    if until is not None:
        query = query.where(Comment.created_at < until)
    if not include_hidden:
        query = query.where(Comment.hidden.is_(False))
    return query


async def stream_log(session: AsyncSession, wanted: LogFilter) -> AsyncIterator[Sequence[Any]]:
    """Comments by post, then time; or, given one discussion group, by its message ids."""
    query = _log_query(wanted)
    result = await (await session.connection()).stream(query)
    while chunk := await result.fetchmany(STREAM_CHUNK):
        for row in chunk:
            yield row


async def stream_log_lines(
    session: AsyncSession, wanted: LogFilter, line: ColumnElement[str], posts: CTE
) -> AsyncIterator[Sequence[str]]:
    """The log as lines the database wrote (``csv_line``, ``json_line`` of cells reading
    ``posts``), a chunk at a time, the next chunk read while this one is written. The
    caller must not use the session until the stream ends."""
    # The driver's rows are buffered a chunk at a time at most (SQLAlchemy's own default
    # grows to 1,000 rows), so a million-line log streams in a few hundred kilobytes.
    query = _log_query(wanted, ([line], posts)).execution_options(max_row_buffer=STREAM_CHUNK)
    connection = await session.connection()
    async with small_page_cache(connection):
        result = await connection.stream(query)
        async for chunk in _read_ahead(result.scalars()):
            yield chunk


async def stream_log_cells(
    session: AsyncSession, wanted: LogFilter, cells: Sequence[Cell], posts: CTE
) -> AsyncIterator[Sequence[Any]]:
    """The log's cells (reading ``posts``), then the comment's post (segment id), a row at
    a time; the session may be used between rows."""
    columns = [*cell_columns(cells), Comment.segment_id]
    result = await (await session.connection()).stream(_log_query(wanted, (columns, posts)))
    while chunk := await result.fetchmany(STREAM_CHUNK):
        for row in chunk:
            yield row


async def _read_ahead(result: Any) -> AsyncIterator[Sequence[Any]]:
    reading = asyncio.ensure_future(result.fetchmany(STREAM_CHUNK))
    try:
        while chunk := await reading:
            reading = asyncio.ensure_future(result.fetchmany(STREAM_CHUNK))
            yield chunk
    finally:
        if not reading.done():
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading


async def zones_of(session: AsyncSession, channel_id: int | None) -> list[str]:
    """The time zones of the channel, or of every channel."""
    query = select(Channel.timezone).distinct()
    if channel_id is not None:
        query = query.where(Channel.id == channel_id)
    return [zone for zone in (await session.scalars(query)).all() if zone]


async def edits_of(
    session: AsyncSession, comment_ids: list[int]
) -> dict[int, list[tuple[str, datetime]]]:
    history: dict[int, list[tuple[str, datetime]]] = {}
    if not comment_ids:
        return history
    rows = await session.execute(
        select(CommentEdit.comment_id, CommentEdit.previous_text, CommentEdit.edited_at)
        .where(CommentEdit.comment_id.in_(comment_ids))
        .order_by(CommentEdit.edited_at)
    )
    for comment_id, text, at in rows.all():
        history.setdefault(comment_id, []).append((text, at))
    return history


async def poll_results(
    session: AsyncSession, channel_id: int | None, article_id: int | None
) -> Sequence[tuple[int, str, int, str, list[str], list[int], bool]]:
    """(article id, article title, lesson position, question, options, counts, closed)."""
    query = (
        select(
            Article.id,
            Article.title,
            Lesson.position,
            Lesson.question,
            Poll.options,
            Poll.counts,
            Poll.closed,
        )
        .join(Lesson, Lesson.id == Poll.lesson_id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .join(Article, Article.id == Segment.article_id)
        .where(Poll.companion.is_(False), Poll.message_id.is_not(None))
        .order_by(Article.id, Segment.position, Lesson.position)
    )
    if channel_id is not None:
        query = query.where(Segment.channel_id == channel_id)
    if article_id is not None:
        query = query.where(Segment.article_id == article_id)
    return [tuple(row) for row in (await session.execute(query)).all()]


async def channel_for_export(
    session: AsyncSession, channel_id: int
) -> tuple[int | None, str | None, str | None, str, str, int | None] | None:
    """(discussion group id, its title, its username, channel title, time zone, chat id)."""
    row = (
        await session.execute(
            select(
                Channel.discussion_chat_id,
                Channel.discussion_title,
                Channel.discussion_username,
                Channel.title,
                Channel.timezone,
                Channel.chat_id,
            ).where(Channel.id == channel_id)
        )
    ).one_or_none()
    return None if row is None else tuple(row)  # type: ignore[return-value]


ThreadStart = tuple[int, datetime | None, str, list[str] | None, list[int] | None, bool]


async def thread_starts(
    session: AsyncSession, group_id: int, article_id: int | None
) -> list[ThreadStart]:
    """The channel's posts and polls as forwarded into the group, which comments answer:
    (message id in the group, posted at, text or question, poll options, poll counts,
    whether the poll is closed)."""
    posts = select(Segment.discussion_thread_id, Segment.posted_at, Segment.text).where(
        Segment.discussion_chat_id == group_id, Segment.discussion_thread_id.is_not(None)
    )
    polls = (
        select(
            Poll.discussion_thread_id,
            Poll.posted_at,
            Lesson.question,
            Poll.options,
            Poll.counts,
            Poll.closed,
        )
        .join(Lesson, Lesson.id == Poll.lesson_id)
        .join(Segment, Segment.id == Lesson.segment_id)
        .where(Poll.discussion_chat_id == group_id, Poll.discussion_thread_id.is_not(None))
    )
    if article_id is not None:
        posts = posts.where(Segment.article_id == article_id)
        polls = polls.where(Segment.article_id == article_id)
    starts: list[ThreadStart] = [
        (at_id, at, text, None, None, False)
        for at_id, at, text in await session.execute(posts)
        if at_id is not None
    ]
    starts += [
        (int(at_id), at, question, options, counts, bool(closed))
        for at_id, at, question, options, counts, closed in await session.execute(polls)
    ]
    return sorted(starts, key=lambda start: start[0])
