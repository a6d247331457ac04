"""The summary as Telegram messages, escaped and within limits: a photo caption complete on
its own (whole blocks, never a list cut short) and at most one message more."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.constants import MessageLimit

from bot.i18n import Translator, counted
from bot.summaries.content import LessonResult, Quote, SummaryFigures, shorten
from bot.telegram.html import (
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
    rest: str | None  # the one message after the photo, if anything is left to say

    @property
    def html(self) -> str:
        return "\n\n".join(part for part in (self.caption, self.rest) if part)


def _votes(_: Translator, lesson: LessonResult) -> str:
    """ "Agree 62% (16) · Disagree 38% (10) — 26 votes", or that nobody voted yet."""
    if lesson.total == 0:
        return _("No votes yet.")
    shares = " · ".join(
        f"{escape(option)} {percent}% ({count})"
        for option, percent, count in zip(
            lesson.options, lesson.percentages(), lesson.counts, strict=False
        )
    )
    return shares + " — " + counted("{count} vote", "{count} votes", lesson.total, _)


def _quote_line(_: Translator, quote: Quote) -> str:
    signs = [
        counted("{count} reply", "{count} replies", quote.replies, _) if quote.replies else "",
        counted("{count} reaction", "{count} reactions", quote.reactions, _)
        if quote.reactions
        else "",
    ]
    author = escape(quote.author) if quote.author else _("a reader")
    detail = ", ".join(sign for sign in signs if sign)
    return f"<blockquote>{escape(quote.text)}</blockquote>— {author}" + (
        f" · {detail}" if detail else ""
    )


def _lesson_block(_: Translator, lesson: LessonResult, several_articles: bool) -> str:
    title = _("Lesson {number}: «{question}»").format(
        number=lesson.number, question=escape(shorten(lesson.question, 90))
    )
    lines = [bold(title)]
    if several_articles:
        lines.append(escape(shorten(lesson.article, 70)))
    lines.append(_votes(_, lesson))
    if lesson.movement is not None:
        before, votes_before, after, votes_after = lesson.movement
        lines.append(
            _(
                "Agreement moved from {before}% ({votes_before}) to {after}% ({votes_after})."
            ).format(
                before=before,
                votes_before=counted("{count} vote", "{count} votes", votes_before, _),
                after=after,
                votes_after=counted("{count} vote", "{count} votes", votes_after, _),
            )
        )
    if lesson.named and sum(lesson.named):
        named = " · ".join(
            f"{escape(option)} {count}"
            for option, count in zip(lesson.options, lesson.named, strict=False)
        )
        lines.append(
            counted(
                "In the open poll under the post, where votes show who cast them, {count} "
                "reader answered: {named}.",
                "In the open poll under the post, where votes show who cast them, {count} "
                "readers answered: {named}.",
                sum(lesson.named),
                _,
                named=named,
            )
        )
    if lesson.comments:
        lines.append(
            counted("{count} comment this week.", "{count} comments this week.", lesson.comments, _)
        )
    if lesson.phrases:
        lines.append(
            _("Recurring themes: {phrases}.").format(phrases=escape(", ".join(lesson.phrases)))
        )
    if lesson.by_vote:
        for option, quotes in lesson.by_vote:
            name = lesson.options[option] if option < len(lesson.options) else "?"
            lines.append(_("Readers who chose «{option}» said:").format(option=escape(name)))
            lines += [_quote_line(_, quote) for quote in quotes]
    elif lesson.quotes:
        lines.append(_("What readers said:"))
        lines += [_quote_line(_, quote) for quote in lesson.quotes]
    return "\n".join(lines)


def _standouts(_: Translator, figures: SummaryFigures) -> str | None:
    """Most agreed and most contested, claimed only from enough votes, with their counts."""
    if not figures.voted():
        return None
    agreed, contested = figures.most_agreed, figures.most_contested
    if agreed is None:
        return counted(
            "Too few votes to name the most agreed or contested lesson: that takes {count} "
            "vote on a lesson.",
            "Too few votes to name the most agreed or contested lesson: that takes {count} "
            "votes on a lesson.",
            figures.min_votes,
            _,
        )
    lines = [
        _("Most agreed: «{lesson}», {share}% agree ({votes}).").format(
            lesson=escape(shorten(agreed.question, 70)),
            share=agreed.percentages()[0],
            votes=counted("{count} vote", "{count} votes", agreed.total, _),
        )
    ]
    if contested is not None:
        lines.append(
            _("Most contested: «{lesson}» ({votes}).").format(
                lesson=escape(shorten(contested.question, 70)),
                votes=counted("{count} vote", "{count} votes", contested.total, _),
            )
        )
    return "\n".join(lines)


def chart_description(_: Translator, figures: SummaryFigures, *, lessons: bool, days: bool) -> str:
    """The photo in words, for the caption: what a reader who cannot see it would miss."""
    parts = []
    if lessons:
        parts.append(
            counted(
                "Chart: how readers voted on {count} lesson, each answer's share in words "
                "under its question.",
                "Chart: how readers voted on {count} lessons, each answer's share in words "
                "under its question.",
                len(figures.voted()),
                _,
            )
        )
    if days:
        parts.append(_("Below: the channel's comments on each day of the week."))
    if days and not lessons:
        parts = [_("Chart: the channel's comments on each day of the week.")]
    return " ".join(parts)


def caption_blocks(
    _: Translator,
    figures: SummaryFigures,
    channel_title: str,
    dates: str,
    chart_alt: str | None = None,
) -> list[str]:
    """The week at a glance, most important first; each block is valid HTML on its own.
    The photo's description follows the heading."""
    head = bold(" · ".join([_("Weekly summary"), channel_title, dates]))
    if chart_alt:
        head += "\n" + escape(chart_alt)
    if figures.posts:
        published = _("Published: {posts} from {articles}.").format(
            posts=counted("{count} post", "{count} posts", figures.posts, _),
            articles=counted("{count} article", "{count} articles", figures.articles, _),
        )
        published += "\n" + "\n".join(f"• {escape(shorten(t, 90))}" for t in figures.titles)
    else:
        published = _("Nothing new was published this week.")
    discussion = _("Discussion: {comments} from {people} ({new}, {returning}).").format(
        comments=counted("{count} comment", "{count} comments", figures.comments, _),
        people=counted("{count} reader", "{count} readers", figures.commenters, _),
        new=counted("{count} new", "{count} new", figures.new_commenters, _),
        returning=counted(
            "{count} returning", "{count} returning", figures.returning_commenters, _
        ),
    )
    if figures.change is not None:
        discussion += " " + _("{change:+.0%} on the week before.").format(change=figures.change)
    blocks = [head, published, discussion]
    standouts = _standouts(_, figures)
    if standouts:
        blocks.append(standouts)
    return blocks


def discussed_lessons(figures: SummaryFigures) -> list[LessonResult]:
    """Lessons readers voted on or talked about; the others have nothing to report."""
    return [lesson for lesson in figures.lessons if lesson.total or lesson.comments]


def detail_blocks(_: Translator, figures: SummaryFigures) -> list[tuple[str, bool]]:
    """What readers said, lesson by lesson, then the liveliest posts and the most answered
    comments; each block with whether it is a lesson."""
    blocks: list[tuple[str, bool]] = []
    discussed = discussed_lessons(figures)
    if discussed:
        several = len({lesson.article for lesson in discussed}) > 1
        blocks.append((bold(_("What readers said about each lesson")), False))
        blocks += [(_lesson_block(_, lesson, several), True) for lesson in discussed]
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
        blocks.append(("\n".join(lines), False))
    if figures.quotes:
        lines = [bold(_("Most answered comments"))]
        lines += [_quote_line(_, quote) for quote in figures.quotes]
        blocks.append(("\n".join(lines), False))
    return blocks


def render_summary(
    _: Translator,
    figures: SummaryFigures,
    channel_title: str,
    dates: str,
    chart_alt: str | None = None,
) -> SummaryText:
    """A caption that fits a photo, made of whole blocks, and one message for the rest:
    what does not fit is left out whole, and the message says how many lessons it left."""
    head, *others = caption_blocks(_, figures, channel_title, dates, chart_alt)
    caption = head
    overflow: list[tuple[str, bool]] = []
    for block in others:
        if not overflow and _length(caption + "\n\n" + block) <= MessageLimit.CAPTION_LENGTH:
            caption += "\n\n" + block
        else:
            overflow.append((block, False))
    rest = ""
    left_out = 0
    for block, is_lesson in [*overflow, *detail_blocks(_, figures)]:
        candidate = f"{rest}\n\n{block}" if rest else block
        # Room kept for the line that says how many lessons did not fit.
        if _length(candidate) <= MessageLimit.MAX_TEXT_LENGTH - 200:
            rest = candidate
        elif is_lesson:
            left_out += 1
    if left_out:
        rest += "\n\n" + escape(
            counted(
                "{count} more lesson was discussed; there was no room for it here.",
                "{count} more lessons were discussed; there was no room for them here.",
                left_out,
                _,
            )
        )
    text = SummaryText(caption, rest or None)
    validate_message(text.caption, MessageLimit.CAPTION_LENGTH)
    if text.rest is not None:
        validate_message(text.rest)
    return text


def _length(html: str) -> int:
    return utf16_length(parse_html(html).text)
