"""The Mini App's lesson page: what readers said under a lesson's poll and post, as
threads, newest first, filtered by how the author voted (the named votes) and by words,
a page at a time (keyset: the next page starts before the last comment shown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.access import Scope
from bot.config import Config
from bot.i18n import Translator
from db.models import Comment, Lesson, Segment, User
from db.queries import discussion as queries

PAGE = 50


@dataclass(frozen=True)
class ReplyLine:
    author: str
    time: str
    text: str


@dataclass(frozen=True)
class CommentLine:
    id: int
    author: str
    time: str
    text: str
    vote: str | None
    replies: list[ReplyLine]


@dataclass(frozen=True)
class Filter:
    label: str
    view: str
    chosen: bool


@dataclass(frozen=True)
class LessonPage:
    article_view: str
    article_title: str
    lesson: str
    labels: dict[str, str]
    filters: list[Filter]
    words: str
    search_view: str
    comments: list[CommentLine]
    older: str | None  # the next page's view
    moderates: bool  # offer [Hide] and [Ban]


async def lesson_page(
    session: AsyncSession,
    lesson_id: int,
    scope: Scope,
    config: Config,
    _: Translator,
    query: dict[str, str],
) -> LessonPage | None:
    """None when the lesson is not in the caller's channels."""
    lesson = await session.get(
        Lesson, lesson_id, options=[selectinload(Lesson.segment).selectinload(Segment.article)]
    )
    if lesson is None:
        return None
    article = lesson.segment.article
    await session.refresh(article, ["channel"])
    key = article.channel.key if article.channel else None
    if not (scope.steers(key) or scope.moderates(key)):
        return None
    zone = next((c.zone for c in config.channels if c.key == key), ZoneInfo("UTC"))
    await session.refresh(lesson, ["polls"])
    options = next((list(p.options) for p in lesson.polls if p.companion), None) or next(
        (list(p.options) for p in lesson.polls), []
    )
    votes = await queries.latest_named_answers(session, lesson.id)
    vote = query.get("vote", "")
    authors: set[int] | None = None
    if vote.isdigit():
        authors = {user for user, chosen in votes.items() if int(vote) in chosen}
    words = query.get("q", "")[:100].strip()
    before = _cursor(query.get("before", ""))
    rows = await queries.lesson_comments(
        session, lesson, before=before, words=words or None, authors=authors, limit=PAGE + 1,
        not_authors=set(votes) if vote == "none" else None,
    )  # fmt: skip
    shown = rows[:PAGE]
    answers = await queries.replies(
        session, shown[0][0].chat_id if shown else 0, [c.message_id for c, _u in shown]
    )
    by_parent: dict[int, list[ReplyLine]] = {}
    for reply, user in answers:
        by_parent.setdefault(reply.reply_to_message_id or 0, []).append(
            ReplyLine(_name(reply, user), _time(reply.created_at, zone), reply.text)
        )
    comments = [
        CommentLine(
            comment.id,
            _name(comment, user),
            _time(comment.created_at, zone),
            comment.text,
            _vote_label(options, votes.get(comment.user_id or 0)),
            by_parent.get(comment.message_id, []),
        )
        for comment, user in shown
    ]
    base = f"lesson/{lesson.id}"
    keep = {k: v for k, v in (("vote", vote), ("q", words)) if v}
    older = None
    if len(rows) > PAGE:
        last = shown[-1][0]
        older = f"{base}?" + urlencode(
            {**keep, "before": f"{last.created_at.timestamp()}_{last.id}"}
        )
    filters = [Filter(_("All"), _view(base, {"q": words}), vote == "")]
    filters += [
        Filter(str(option), _view(base, {"vote": str(index), "q": words}), vote == str(index))
        for index, option in enumerate(options)
    ]
    filters.append(Filter(_("No named vote"), _view(base, {"vote": "none", "q": words}),
                          vote == "none"))  # fmt: skip
    labels = {
        "search": _("Search"),
        "older": _("Older comments"),
        "none": _("No comments."),
        "hide": _("Hide"),
        "hide_sure": _("Hide it?"),
        "ban": _("Ban"),
        "ban_sure": _("Ban its author?"),
    }
    return LessonPage(
        f"article/{article.id}", article.title, lesson.text, labels, filters, words,
        _view(base, {"vote": vote}), comments, older, scope.moderates(key),
    )  # fmt: skip


def _view(base: str, query: dict[str, str]) -> str:
    given = {k: v for k, v in query.items() if v}
    return f"{base}?{urlencode(given)}" if given else base


def _cursor(text: str) -> tuple[datetime, int] | None:
    stamp, _, last_id = text.partition("_")
    try:
        return datetime.fromtimestamp(float(stamp), UTC), int(last_id)
    except (ValueError, OverflowError, OSError):
        return None


def _name(comment: Comment, user: User | None) -> str:
    if comment.sender_chat_title:
        return comment.sender_chat_title
    if user is None:
        return "—"
    return " ".join(part for part in (user.first_name, user.last_name) if part) or "—"


def _time(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _vote_label(options: list[object], chosen: list[int] | None) -> str | None:
    if not chosen:
        return None
    return ", ".join(str(options[i]) for i in chosen if 0 <= i < len(options)) or None
