"""Texts admins read about the schedule; every user-visible string is translated and escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import Translator, counted
from bot.publishing.service import ArticleStatus, Scheduled
from bot.rights import reason_in
from bot.telegram.html import bold, escape

__all__ = ["escape"]
from db.models import Article

if TYPE_CHECKING:
    from bot.articles.segmenter import Post


def shorten(text: str, limit: int = 80) -> str:
    """Cut between words, with an ellipsis, for one-line listings."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


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
            time=local_time(at, ZoneInfo("UTC")),
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
        zone = zones.get(entry.channel_key, ZoneInfo("UTC"))
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


def articles_text(_: Translator, rows: Sequence[tuple[Article, int, int]]) -> str:
    if not rows:
        return _("No articles yet. Send a file with the caption /import.")
    lines = [bold(_("Articles"))]
    for article, segments, lessons in rows:
        lines.append(
            _("{id}. «{title}» — {posts}, {lessons}").format(
                id=article.id,
                title=escape(shorten(article.title)),
                posts=counted("{count} post", "{count} posts", segments, _),
                lessons=counted("{count} lesson", "{count} lessons", lessons, _),
            )
        )
    return "\n".join(lines)


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
