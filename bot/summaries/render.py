"""The summary as Telegram messages: a photo caption and follow-ups, escaped and within limits."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.constants import MessageLimit

from bot.i18n import Translator, counted
from bot.summaries.content import LessonResult, SummaryFigures
from bot.telegram_html import (
    bold,
    escape,
    escape_attribute,
    parse_html,
    utf16_length,
    validate_message,
)


@dataclass(frozen=True)
class SummaryText:
    caption: str
    follow_ups: list[str]

    @property
    def html(self) -> str:
        return "\n\n".join([self.caption, *self.follow_ups])


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _lesson_line(_: Translator, number: int, lesson: LessonResult) -> str:
    shares = " · ".join(
        f"{escape(option)} {_percent(lesson.share(index))}"
        for index, option in enumerate(lesson.options)
    )
    line = (
        f"{number}. «{escape(_short(lesson.question))}»\n    {shares} ("
        + counted("{count} vote", "{count} votes", lesson.total, _)
        + ")"
    )
    if lesson.named and sum(lesson.named):
        named = ", ".join(
            f"{escape(option)} {count}"
            for option, count in zip(lesson.options, lesson.named, strict=False)
        )
        line += "\n    " + _("named votes: {named}").format(named=named)
    return line


def sections(_: Translator, figures: SummaryFigures, channel_title: str) -> list[str]:
    """The summary's blocks, most important first; each is valid HTML on its own."""
    head = bold(" · ".join([_("Weekly summary"), channel_title, figures.period_label]))
    published = _("Published: {posts} from {articles}.").format(
        posts=counted("{count} post", "{count} posts", figures.posts, _),
        articles=_.ngettext("{count} article", "{count} articles", figures.articles).format(
            count=figures.articles
        ),
    )
    if figures.titles:
        published += "\n" + "\n".join(f"• {escape(_short(title))}" for title in figures.titles)
    discussion = _(
        "Discussion: {comments} from {people} ({new} new, {returning} returning)."
    ).format(
        comments=counted("{count} comment", "{count} comments", figures.comments, _),
        people=_.ngettext("{count} reader", "{count} readers", figures.commenters).format(
            count=figures.commenters
        ),
        new=figures.new_commenters,
        returning=figures.returning_commenters,
    )
    if figures.change is not None:
        discussion += " " + _("{change:+.0%} on the week before.").format(change=figures.change)
    blocks = [head, published, discussion]
    if figures.lessons:
        lines = [bold(_("How readers voted on the lessons"))]
        lines += [_lesson_line(_, n, lesson) for n, lesson in enumerate(figures.lessons, start=1)]
        agreed, contested = figures.most_agreed, figures.most_contested
        if agreed is not None:
            lines.append(
                _("Most agreed: «{lesson}» ({share} agree).").format(
                    lesson=escape(_short(agreed.question, 70)), share=_percent(agreed.agreement)
                )
            )
        if contested is not None:
            lines.append(
                _("Most contested: «{lesson}».").format(
                    lesson=escape(_short(contested.question, 70))
                )
            )
        blocks.append("\n".join(lines))
    if figures.liveliest:
        lines = [bold(_("Liveliest posts"))]
        for post in figures.liveliest:
            title = escape(post.title)
            if post.link:
                title = f'<a href="{escape_attribute(post.link)}">{title}</a>'
            lines.append(
                "• "
                + title
                + " — "
                + counted("{count} comment", "{count} comments", post.comments, _)
                + ", "
                + counted("{count} reaction", "{count} reactions", post.reactions, _)
            )
        blocks.append("\n".join(lines))
    if figures.quotes:
        lines = [bold(_("Top comments"))]
        for quote in figures.quotes:
            author = escape(quote.author or _("a reader"))
            lines.append(f"<blockquote>{escape(quote.text)}</blockquote>\n— {author}")
        blocks.append("\n".join(lines))
    return blocks


def render_summary(_: Translator, figures: SummaryFigures, channel_title: str) -> SummaryText:
    """A caption that fits a photo, the rest in as few messages as Telegram allows."""
    blocks = sections(_, figures, channel_title)
    caption_parts: list[str] = []
    rest_start = 0
    for index, block in enumerate(blocks):
        candidate = "\n\n".join([*caption_parts, block])
        if _length(candidate) > MessageLimit.CAPTION_LENGTH:
            break
        caption_parts.append(block)
        rest_start = index + 1
    if not caption_parts:  # a heading alone always fits
        caption_parts, rest_start = [blocks[0]], 1
    follow_ups: list[str] = []
    for block in blocks[rest_start:]:
        if follow_ups and _length(follow_ups[-1] + "\n\n" + block) <= MessageLimit.MAX_TEXT_LENGTH:
            follow_ups[-1] += "\n\n" + block
        else:
            follow_ups.append(block)
    text = SummaryText("\n\n".join(caption_parts), follow_ups)
    validate_message(text.caption, MessageLimit.CAPTION_LENGTH)
    for part in text.follow_ups:
        validate_message(part)
    return text


def _length(html: str) -> int:
    return utf16_length(parse_html(html).text)
