"""Texts admins read about the schedule; every user-visible string is translated and escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram.constants import MessageLimit

from bot.buttons import Choice
from bot.i18n import Translator, counted
from bot.publishing.service import ArticleStatus, Scheduled
from bot.rights import reason_in
from bot.telegram.html import bold, escape, parse_html, utf16_length
from bot.zones import local_time

__all__ = ["escape", "local_time"]
from db.models import Article, SegmentState
from db.queries.articles import ArticleRow

UTC = ZoneInfo("UTC")

if TYPE_CHECKING:
    from bot.articles.segmenter import Post


def shorten(text: str, limit: int = 80) -> str:
    """Cut between words, with an ellipsis, for one-line listings."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def scheduled_text(_: Translator, result: Scheduled, channel_key: str, zone: ZoneInfo) -> str:
    return _(
        "Article {id} is scheduled on {channel}: {posts} and {polls}, from {first} to {last}."
    ).format(
        id=result.article.id,
        channel=escape(channel_key),
        posts=counted("{count} post", "{count} posts", result.posts, _),
        polls=counted("{count} poll", "{count} polls", result.polls, _),
        first=local_time(result.first, zone),
        last=local_time(result.last, zone),
    )


def status_text(
    _: Translator,
    entries: Sequence[ArticleStatus],
    zones: dict[str, ZoneInfo],
    finished: Sequence[tuple[Article, datetime, bool]] = (),
) -> str:
    recent = [
        "• "
        + (
            _("Article {id} «{title}», cancelled; its last post went out {time}")
            if cancelled
            else _("Article {id} «{title}», finished {time}")
        ).format(
            id=article.id,
            title=escape(shorten(article.title, 60)),
            time=local_time(at, zones.get(article.channel.key if article.channel else "", UTC)),
        )
        for article, at, cancelled in finished
    ]
    if not entries:
        text = _("Nothing is scheduled. Import an article and /publish it.")
        if recent:
            text += "\n\n" + bold(_("Finished in the last week")) + "\n" + "\n".join(recent)
        return text
    lines = [bold(_("Publishing status"))]
    for entry in entries:
        zone = zones.get(entry.channel_key, UTC)
        head = _("Article {id} «{title}» on {channel}: {posts}, {polls}").format(
            id=entry.article.id,
            title=escape(shorten(entry.article.title)),
            channel=escape(entry.channel_key),
            posts=_.ngettext("{posted}/{count} post", "{posted}/{count} posts", entry.total).format(
                posted=entry.posted, count=entry.total
            ),
            polls=_.ngettext(
                "{posted}/{count} poll", "{posted}/{count} polls", entry.polls_total
            ).format(posted=entry.polls_posted, count=entry.polls_total),
        )
        lines.append("")
        lines.append(head + (" — " + _("paused") if entry.paused else ""))
        if entry.paused_reason:
            lines.append(
                "⚠️ " + _("Paused by me: {reason}").format(reason=reason_in(_, entry.paused_reason))
            )
        if entry.paused:
            pass  # nothing is next while paused
        elif entry.next_kind == "post":
            lines.append(_("Next: a post at {time}").format(time=local_time(entry.next_at, zone)))
        elif entry.next_kind == "poll":
            lines.append(_("Next: a lesson poll, right away"))
        if entry.in_doubt:
            lines.append(
                counted(
                    "Waiting to confirm {count} send that timed out",
                    "Waiting to confirm {count} sends that timed out",
                    entry.in_doubt,
                    _,
                )
            )
        for failure in entry.failures:
            lines.append("⚠️ " + _("Failed: {what}").format(what=escape(failure)))
    if recent:
        lines += ["", bold(_("Finished in the last week")), *recent]
    return "\n".join(lines)


def articles_text(_: Translator, rows: Sequence[ArticleRow], zones: dict[str, ZoneInfo]) -> str:
    """Each article with its channel and where it stands; titles that read alike carry
    when they were imported, so the admin can tell them apart."""
    if not rows:
        return _("No articles yet. Send a file with the caption /import, or a link.")
    lines = [bold(_("Articles"))]
    shown = [shorten(row.article.title, 50).casefold() for row in rows]
    for row, title in zip(rows, shown, strict=True):
        article = row.article
        key = article.channel.key if article.channel else None
        zone = zones.get(key or "", UTC)
        parts = [
            _("{id}. «{title}»").format(id=article.id, title=escape(shorten(article.title))),
            escape(key) if key else _("no channel yet"),
            row_state(_, row, zone),
        ]
        if shown.count(title) > 1:
            parts.append(_("imported {time}").format(time=local_time(article.imported_at, zone)))
        lines.append(" · ".join(parts))
    return "\n".join(lines)


def row_state(_: Translator, row: ArticleRow, zone: ZoneInfo) -> str:
    out = _("{posted}/{count} out").format(posted=row.posted, count=row.posts)
    if row.waiting and row.article.paused:
        return _("paused") + ", " + out
    if row.waiting and row.posted == 0:
        return _("scheduled from {time}").format(time=local_time(row.next_at, zone))
    if row.waiting:
        return _("publishing") + ", " + out
    if row.cancelled:
        return _("cancelled") + ", " + out
    if row.posts and row.posted == row.posts:
        return _("finished")
    return _("not scheduled yet")


def article_state(article: Article) -> str:
    """Which buttons fit: ``draft``, ``scheduled``, ``paused`` or ``done``."""
    states = [segment.state for segment in article.segments]
    if any(state in (SegmentState.SCHEDULED, SegmentState.SENDING) for state in states):
        return "paused" if article.paused else "scheduled"
    if any(state in (SegmentState.POSTED, SegmentState.CANCELLED) for state in states):
        return "done"
    return "draft"


def import_text(_: Translator, article: Article, created: bool, posts: Sequence[Post]) -> str:
    lessons = sum(len(post.lessons) for post in posts)
    template = (
        _("Imported article {id}: «{title}» — {posts}, {lessons}.")
        if created
        else _("Already imported as article {id}: «{title}» — {posts}, {lessons}.")
    )
    return (
        template.format(
            id=article.id,
            title=escape(article.title),
            posts=counted("{count} post", "{count} posts", len(posts), _),
            lessons=counted("{count} lesson", "{count} lessons", lessons, _),
        )
        + "\n"
        + _("See it with /preview {id}, publish it with /publish {id}.").format(id=article.id)
    )


def poll_preview(_: Translator, question: str, options: Sequence[str]) -> str:
    return "📊 <b>{}</b>\n{}".format(escape(question), "\n".join("○ " + escape(o) for o in options))


def preview_pages(_: Translator, posts: Sequence[Post], options: Sequence[str]) -> list[str]:
    """What the channel will show, one page an item: each post, then its lesson polls."""
    pages: list[str] = []
    for post in posts:
        pages.append(post.html)
        pages += [poll_preview(_, lesson.question, options) for lesson in post.lessons]
    return pages


def preview_page(
    _: Translator,
    article: Article,
    channel_key: str,
    when: str,
    pages: Sequence[str],
    index: int,
) -> str:
    """One page of ``/preview``: which article, channel and when, then the item itself as
    the channel will show it. The heading gives way when the item alone fills a message."""
    kind = _("poll") if pages[index].startswith("📊") else _("post")
    head = _("Preview of article {id} in {channel}, {when} · {kind} {page} of {pages}").format(
        id=article.id,
        channel=escape(channel_key),
        when=when,
        kind=kind,
        page=index + 1,
        pages=len(pages),
    )
    text = f"<i>{head}</i>\n\n{pages[index]}"
    if utf16_length(parse_html(text).text) > MessageLimit.MAX_TEXT_LENGTH:
        return pages[index]
    return text


def schedule_state(_: Translator, article: Article, zone: ZoneInfo) -> str:
    """Where the article stands, for the preview's heading: when it goes out, or that it
    is not scheduled, or already out."""
    waiting = sorted(
        s.scheduled_at
        for s in article.segments
        if s.state in (SegmentState.SCHEDULED, SegmentState.SENDING) and s.scheduled_at
    )
    if waiting:
        return _("from {time}").format(time=local_time(waiting[0], zone))
    posted = sum(1 for s in article.segments if s.state is SegmentState.POSTED)
    if article.segments and posted == len(article.segments):
        return _("already posted")
    if posted:  # the rest was cancelled
        out = _("{posted}/{count} out").format(posted=posted, count=len(article.segments))
        return out + ", " + _("cancelled")
    return _("not scheduled yet")


def next_steps(_: Translator, article_id: int, state: str) -> list[list[Choice]]:
    """What can be done with an article in its state: [Publish now] [Schedule…] for a
    draft; [Reschedule…] [Pause] [Cancel…] while it is scheduled; [Resume] [Cancel…]
    while paused; nothing once it is done."""
    argument = str(article_id)
    steps: dict[str, list[list[Choice]]] = {
        "draft": [[(_("Publish now"), "publish_now", argument),
                   (_("Schedule…"), "schedule", argument)]],
        "scheduled": [[(_("Reschedule…"), "schedule", argument), (_("Pause"), "pause", argument),
                       (_("Cancel…"), "cancel_ask", argument)]],
        "paused": [[(_("Resume"), "resume", argument), (_("Cancel…"), "cancel_ask", argument)]],
        "done": [],
    }  # fmt: skip
    return steps[state]
