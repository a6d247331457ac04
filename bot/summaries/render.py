"""The summary as Telegram messages: a photo caption and follow-ups, escaped and within limits."""

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
    follow_ups: list[str]

    @property
    def html(self) -> str:
        return "\n\n".join([self.caption, *self.follow_ups])


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
        named = ", ".join(
            f"{escape(option)} {count}"
            for option, count in zip(lesson.options, lesson.named, strict=False)
        )
        lines.append(_("Named votes: {named}.").format(named=named))
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


def chart_descriptions(_: Translator, figures: SummaryFigures) -> tuple[str | None, str | None]:
    """Alt text for the two charts, as captions say it to readers who cannot see them."""
    voted = figures.voted()
    lessons = (
        counted(
            "Chart: how readers voted on {count} lesson, with the number of votes on the bar.",
            "Chart: how readers voted on {count} lessons, with the number of votes on each bar.",
            len(voted),
            _,
        )
        if voted
        else None
    )
    activity = (
        _("Chart: comments per day for each article discussed this week.")
        if figures.activity
        else None
    )
    return lessons, activity


def sections(
    _: Translator,
    figures: SummaryFigures,
    channel_title: str,
    dates: str,
    chart_alt: str | None = None,
) -> list[str]:
    """The summary's blocks, most important first; each is valid HTML on its own. The
    alt text of the chart the caption goes with follows the heading."""
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
    discussed = figures.lessons  # posted this week or discussed in it; unvoted ones say so
    if discussed:
        several = len({lesson.article for lesson in discussed}) > 1
        blocks.append(bold(_("What readers said about each lesson")))
        blocks += [_lesson_block(_, lesson, several) for lesson in discussed]
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
        lines = [bold(_("Most answered comments"))]
        lines += [_quote_line(_, quote) for quote in figures.quotes]
        blocks.append("\n".join(lines))
    return blocks


def render_summary(
    _: Translator,
    figures: SummaryFigures,
    channel_title: str,
    dates: str,
    chart_alt: str | None = None,
) -> SummaryText:
    """A caption that fits a photo, the rest in as few messages as Telegram allows."""
    blocks = sections(_, figures, channel_title, dates, chart_alt)
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
