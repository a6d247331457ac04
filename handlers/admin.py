"""Admin commands in a private chat: import, preview, publish, pause, resume, cancel, status.

The article readers and the segmenter load with the first command that needs them: an
idle bot does not carry them (``bench/idle_memory_bench.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Document, Update

from bot import outbox
from bot.articles.errors import ArticleError
from bot.articles.importer import import_article, posts_from_segments
from bot.articles.library import copy_for_channel, find_article, recent_articles
from bot.articles.preview import default_poll_options
from bot.channels import ensure_channel, steered_channel_ids, stored_channel
from bot.config import ChannelConfig
from bot.i18n import N_, Translator, counted
from bot.numbers import fits_row_id, typed_number
from bot.publishing import report
from bot.publishing.service import (
    PublishingError,
    all_posted,
    cancel_article,
    finished_recently,
    held_in,
    pending_items,
    planned_times,
    reschedule_article,
    respace_overdue,
    schedule_article,
    scheduled_in,
    set_paused,
    status,
)
from bot.publishing.timing import TimingError, night_times, parse_publish_arguments
from bot.telegram.html import bold
from db.models import Button
from handlers.buttons import offer
from handlers.common import Context, arguments, language_of, reply


def _article_id(words: list[str]) -> int | None:
    """The article number a command starts with (None: no number there); a number no
    article can have is answered as one that does not exist."""
    number = typed_number(words[0]) if words else None
    if number is not None and not fits_row_id(number):
        raise PublishingError(N_("There is no article {id}; see /articles."), id=words[0])
    return number


async def import_command(update: Update, context: Context) -> None:
    """/import as the caption of a file, or in reply to one: store the article."""
    _ = context.translate
    message = update.effective_message
    assert message is not None
    document: Document | None = message.document or (
        message.reply_to_message.document if message.reply_to_message else None
    )
    config = context.services.config
    usage = _("Send the article as a file with the caption /import [channel] [lessons=1,3].")
    if document is None:
        await reply(update, usage)
        return
    words = arguments(update, context)
    keys = _steered_keys(context)
    named: str | None = keys[0] if len(keys) == 1 else None
    lessons = None
    for word in words:
        if word in keys:
            named = word
        elif word.startswith("lessons=") and len(word) <= 200:
            lessons = word.removeprefix("lessons=")
        else:
            await reply(update, usage)
            return
    if document.file_size and document.file_size > config.articles.max_file_bytes:
        await reply(
            update,
            _("That file is too large: the limit is {limit:,} bytes.").format(
                limit=config.articles.max_file_bytes
            ),
        )
        return
    request = ImportRequest(document.file_id, document.file_name or "article", lessons)
    if named is None:
        # Several channels: which one the article is for decides its language and team.
        markup, tokens = offer(
            update, [[(key, "import_to", request.argument(key))] for key in keys]
        )
        await reply(update, _("Which channel is this article for?"), markup=markup,
                    buttons=tokens)  # fmt: skip
        return
    await _import(update, context, request, config.channel(named))


@dataclass(frozen=True)
class ImportRequest:
    """A file to import, as a button carries it until the admin picks the channel."""

    file_id: str
    name: str
    lessons: str | None

    def argument(self, key: str) -> str:
        return json.dumps([key, self.file_id, self.name[:200], self.lessons])


async def import_to_pressed(update: Update, context: Context, button: Button) -> None:
    """The channel picked for an imported file: checked against the presser's channels."""
    key, file_id, name, lessons = json.loads(button.argument or "[]")
    if not context.scope.steers(key):
        _ = context.translate
        await reply(update, _("You are not an admin of that channel."))
        return
    channel = context.services.config.channel(key)
    await _import(update, context, ImportRequest(file_id, name, lessons), channel)


async def _import(
    update: Update, context: Context, request: ImportRequest, channel: ChannelConfig
) -> None:
    _ = context.translate
    config = context.services.config
    file = await context.bot.get_file(request.file_id)
    data = bytes(await file.download_as_bytearray())
    try:
        result = await import_article(
            context.session,
            data,
            config,
            channel,
            name=request.name,
            lessons=request.lessons,
            actor_id=context.scope.user_id,
            at=context.now,
        )
    except ArticleError as exc:
        reason = report.escape(exc.text(_))
        await reply(update, _("Could not import: {reason}").format(reason=reason))
        return
    await reply(
        update,
        report.import_text(_, result.article, result.created, result.posts),
        **_article_buttons(update, result.article.id),
    )


def _steered_keys(context: Context) -> list[str]:
    """The caller's channels, in the configuration's order."""
    return [c.key for c in context.services.config.channels if context.scope.steers(c.key)]


_Choice = tuple[str, str, str | None]  # a button: label, action, argument


def _next_steps(_: Translator, article_id: int, state: str) -> list[list[_Choice]]:
    """What can be done with an article in its state: [Publish now] [Schedule…] for a
    draft; [Reschedule…] [Pause] [Cancel…] while it is scheduled; [Resume] [Cancel…]
    while paused; nothing once it is done."""
    argument = str(article_id)
    steps: dict[str, list[list[_Choice]]] = {
        "draft": [[(_("Publish now"), "publish_now", argument),
                   (_("Schedule…"), "schedule", argument)]],
        "scheduled": [[(_("Reschedule…"), "schedule", argument), (_("Pause"), "pause", argument),
                       (_("Cancel…"), "cancel_ask", argument)]],
        "paused": [[(_("Resume"), "resume", argument), (_("Cancel…"), "cancel_ask", argument)]],
        "done": [],
    }  # fmt: skip
    return steps[state]


def _article_buttons(update: Update, article_id: int, state: str = "draft") -> dict[str, Any]:
    """[Preview] and the next steps that fit the article's state, as ``reply`` keyword
    arguments."""
    _ = language_of(update)
    steps = _next_steps(_, article_id, state)
    preview: _Choice = (_("Preview"), "preview", str(article_id))
    rows = [[preview, *steps[0]], *steps[1:]] if steps else [[preview]]
    markup, tokens = offer(update, rows)
    return {"markup": markup, "buttons": tokens}


async def articles_command(update: Update, context: Context) -> None:
    """/articles: the latest articles, each with its channel and state, as buttons."""
    _ = context.translate
    rows = await recent_articles(context.session, context.scope)
    zones = {c.key: c.zone for c in context.services.config.channels}
    text = report.articles_text(_, rows, zones)
    if not rows:
        await reply(update, text)
        return
    markup, tokens = offer(
        update,
        [
            [
                (
                    f"{row.article.id}. {report.shorten(row.article.title, 50)}",
                    "article",
                    str(row.article.id),
                )
            ]
            for row in rows
        ],
    )
    await reply(update, text, markup=markup, buttons=tokens)


async def article_pressed(update: Update, context: Context, button: Button) -> None:
    """An article picked from /articles: what it is, where it stands, and what fits."""
    _ = context.translate
    article_id = int(button.argument or 0)
    article = await find_article(context.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    posts = posts_from_segments(article.segments)
    config = context.services.config
    zone = next(
        (c.zone for c in config.channels if article.channel and c.key == article.channel.key),
        config.channels[0].zone,
    )
    where = (
        (report.escape(article.channel.key) if article.channel else _("no channel yet"))
        + ", "
        + report.schedule_state(_, article, zone)
    )
    await reply(
        update,
        report.import_text(_, article, False, posts) + "\n" + where,
        **_article_buttons(update, article_id, report.article_state(article)),
    )


async def preview_command(update: Update, context: Context) -> None:
    """/preview ID: the posts exactly as they will appear, polls after their lesson post."""
    _ = context.translate
    article_id = _article_id(arguments(update, context))
    if article_id is None:
        await reply(update, _("Usage: /preview ID (see /articles)"))
        return
    await _preview(update, context, article_id)


async def preview_pressed(update: Update, context: Context, button: Button) -> None:
    await _preview(update, context, int(button.argument or 0))


async def preview_page_pressed(update: Update, context: Context, button: Button) -> None:
    """[◀] [▶]: another page of the same preview, in the same message."""
    if button.argument is None:
        return  # the page counter: nothing to do
    article_id, page = button.argument.split("|")
    await _preview(update, context, int(article_id), int(page), edit=button.message_id)


async def _preview(
    update: Update, context: Context, article_id: int, page: int = 0, edit: int | None = None
) -> None:
    """One message, paged with buttons: each post and poll as the channel will show it,
    with which channel and when."""
    _ = context.translate
    unit = context.unit
    article = await find_article(unit.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    chat = update.effective_chat
    assert chat is not None
    config = context.services.config
    channel = next(
        (c for c in config.channels if article.channel and c.key == article.channel.key),
        config.channels[0],
    )
    options = channel.poll_options or default_poll_options(channel.language)
    pages = report.preview_pages(_, posts_from_segments(article.segments), options)
    if not pages:
        await reply(update, _("Article {id} has no posts to preview.").format(id=article_id))
        return
    index = page % len(pages)
    when = report.schedule_state(_, article, channel.zone)
    text = report.preview_page(_, article, channel.key, when, pages, index)
    turn = f"{article_id}|{{}}"
    markup, tokens = offer(
        update,
        [
            [
                ("◀", "preview_page", turn.format((index - 1) % len(pages))),
                (f"{index + 1}/{len(pages)}", "preview_page", None),
                ("▶", "preview_page", turn.format((index + 1) % len(pages))),
            ],
            *_next_steps(_, article_id, report.article_state(article)),
        ],
    )
    if edit is None:
        outbox.queue_html(unit.session, chat.id, text, at=unit.now, markup=markup, buttons=tokens)
    else:
        outbox.queue_edit(
            unit.session, chat.id, edit, text, at=unit.now, markup=markup, buttons=tokens
        )


async def publish_now_pressed(update: Update, context: Context, button: Button) -> None:
    """[Publish now]: from now, with the channel's spacing."""
    await _schedule(update, context, [button.argument or ""])


async def schedule_pressed(update: Update, context: Context, button: Button) -> None:
    """[Schedule…]: how to type a schedule, with examples that work."""
    _ = context.translate
    await reply(
        update,
        _(
            "Type when and how often, for example:\n/publish {id} tomorrow 09:00 every 2h\n"
            "/publish {id} 18:00\n/publish {id} +30m every 1h"
        ).format(id=button.argument),
    )


async def publish_command(update: Update, context: Context) -> None:
    """/publish ID [channel] [start] [every]."""
    await _schedule(update, context, arguments(update, context))


async def _schedule(update: Update, context: Context, words: list[str]) -> None:
    """Check the request, then ask where a person would want to be asked: an article that
    is already scheduled ([Reschedule] [Keep]) or posts that would go out at night
    ([Move to 09:00] [Keep night times]). Otherwise schedule at once."""
    _ = context.translate
    usage = _(
        "Usage: /publish ID [channel] [start] [every]\n"
        "start: now, 18:00, tomorrow 09:00, +2h or 2026-12-01 09:00 (the channel's time "
        "zone); every: 10m, 2h, every 2h"
    )
    article_id = _article_id(words)
    if article_id is None:
        await reply(update, usage)
        return
    svc = context.services
    config = svc.config
    session = context.session
    article = await find_article(session, article_id, context.scope)
    if article is None:
        await reply(update, _("There is no article {id}; see /articles.").format(id=article_id))
        return
    keys = _steered_keys(context)
    default_key = article.channel.key if article.channel else keys[0]
    again = scheduled_in(article)
    try:
        request = parse_publish_arguments(
            words[1:],
            keys,
            svc.clock.now(),
            {c.key: c.zone for c in config.channels},
            default_key,
        )
        channel = config.channel(request.channel or default_key)
        elsewhere = article.channel is not None and channel.key != article.channel.key
        copy = _Plan(article_id, channel.key, request.start, request.every, False)
        if elsewhere and held_in(article):  # it stays where it went: a copy may go here
            await _offer_copy(update, context, article, copy)
            return
        if not elsewhere and all_posted(article):  # only a deliberate re-publication
            await _offer_copy(update, context, article, copy)
            return
        times = await planned_times(
            session, article_id, channel, request.start, request.every, now=context.now, again=again
        )
    except TimingError as exc:
        await reply(update, report.escape(exc.text(_)) + "\n\n" + usage)
        return
    plan = _Plan(article_id, channel.key, request.start, request.every, again)
    if again:
        await _ask_to_reschedule(update, context, article, plan, times)
    elif night_times(times, channel.zone):
        await _ask_about_night(update, context, plan, times)
    else:
        await _commit(update, context, plan, mornings=False)


@dataclass(frozen=True)
class _Plan:
    """A /publish waiting for the admin's answer, as its buttons carry it."""

    article_id: int
    channel: str
    start: datetime
    every: timedelta | None
    again: bool  # new times for an article already scheduled

    def argument(self, choice: str) -> str:
        every = "" if self.every is None else str(int(self.every.total_seconds()))
        fields = [self.article_id, self.channel, self.start.isoformat(), every, int(self.again)]
        return "|".join(map(str, [*fields, choice]))

    @staticmethod
    def read(argument: str) -> tuple[_Plan, str]:
        article_id, channel, start, every, again, choice = argument.split("|")
        plan = _Plan(
            int(article_id),
            channel,
            datetime.fromisoformat(start),
            timedelta(seconds=int(every)) if every else None,
            again == "1",
        )
        return plan, choice


async def _ask_to_reschedule(
    update: Update, context: Context, article: Any, plan: _Plan, times: list[datetime]
) -> None:
    _ = context.translate
    zone = context.services.config.channel(plan.channel).zone
    markup, tokens = offer(
        update,
        [
            [
                (_("Reschedule"), "reschedule", plan.argument("go")),
                (_("Keep"), "reschedule", None),
            ]
        ],
    )
    span = report.local_time(times[0], zone)
    if len(times) > 1:
        span += " – " + report.local_time(times[-1], zone)
    text = counted(
        "Article {id} «{title}» is already scheduled in {channel}. Move its {count} post "
        "still waiting to {times}?",
        "Article {id} «{title}» is already scheduled in {channel}. Move its {count} posts "
        "still waiting to {times}?",
        len(times),
        _,
        id=plan.article_id,
        title=report.escape(report.shorten(article.title)),
        channel=report.escape(plan.channel),
        times=span,
    )
    await reply(update, text, markup=markup, buttons=tokens)


async def _ask_about_night(
    update: Update, context: Context, plan: _Plan, times: list[datetime]
) -> None:
    _ = context.translate
    zone = context.services.config.channel(plan.channel).zone
    night = night_times(times, zone)
    markup, tokens = offer(
        update,
        [
            [
                (_("Move to 09:00"), "night", plan.argument("move")),
                (_("Keep night times"), "night", plan.argument("keep")),
            ]
        ],
    )
    text = counted(
        "{count} post would go out at night in {channel}'s time zone (first at {time}), "
        "when readers sleep. Move night posts to 09:00?",
        "{count} posts would go out at night in {channel}'s time zone (first at {time}), "
        "when readers sleep. Move night posts to 09:00?",
        len(night),
        _,
        channel=report.escape(plan.channel),
        time=report.local_time(night[0], zone),
    )
    await reply(update, text, markup=markup, buttons=tokens)


async def _offer_copy(update: Update, context: Context, article: Any, plan: _Plan) -> None:
    """The article went out (or waits) in its own channel and stays there; offer a copy
    for the channel asked for, with a schedule, posts, polls and discussion of its own."""
    _ = context.translate
    assert article.channel is not None
    again = plan.channel == article.channel.key
    markup, tokens = offer(
        update,
        [
            [
                ((_("Publish again in {channel}") if again else _("Publish a copy in {channel}"))
                 .format(channel=plan.channel), "copy", plan.argument("copy")),
                (_("Keep"), "copy", None),
            ]
        ],
    )  # fmt: skip
    text = (
        _(
            "Article {id} «{title}» went out in full in {channel}: {where}. Publish it again "
            "there, as a new article with its own posts, polls and discussion?"
        )
        if again
        else _(
            "Article {id} «{title}» belongs to {channel}: {where}. It stays there; a copy for "
            "{target} gets its own schedule, posts, polls and discussion."
        )
    ).format(
        id=article.id,
        title=report.escape(report.shorten(article.title)),
        channel=report.escape(article.channel.key),
        where=report.schedule_state(
            _, article, context.services.config.channel(article.channel.key).zone
        ),
        target=report.escape(plan.channel),
    )
    await reply(update, text, markup=markup, buttons=tokens)


async def copy_pressed(update: Update, context: Context, button: Button) -> None:
    """[Publish a copy in …]: the article for that channel (made now, or the one already
    there), scheduled as asked."""
    _ = context.translate
    unit = context.unit
    assert button.message_id is not None
    if button.argument is None:
        outbox.queue_edit(
            unit.session, button.chat_id, button.message_id, _("Nothing was changed."),
            at=unit.now,
        )  # fmt: skip
        return
    plan, _choice = _Plan.read(button.argument)
    article = await find_article(unit.session, plan.article_id, context.scope)
    if article is None or not context.scope.steers(plan.channel):
        await reply(update, _("No article {id}; see /articles.").format(id=plan.article_id))
        return
    channel = context.services.config.channel(plan.channel)
    row = await ensure_channel(unit.session, channel, unit.now)
    copy, made = await copy_for_channel(
        unit.session, article, row, actor_id=button.user_id, at=unit.now
    )
    if made:
        outbox.queue_html(
            unit.session,
            button.chat_id,
            _("Made article {copy} for {channel}, a copy of article {id}.").format(
                copy=copy.id, channel=report.escape(channel.key), id=article.id
            ),
            at=unit.now,
        )
    copied = _Plan(copy.id, channel.key, plan.start, plan.every, scheduled_in(copy))
    await _commit(update, context, copied, mornings=False, edit=button.message_id)


async def reschedule_pressed(update: Update, context: Context, button: Button) -> None:
    """[Reschedule] or [Keep] under a /publish of an article already scheduled."""
    _ = context.translate
    assert button.message_id is not None
    if button.argument is None:
        outbox.queue_edit(
            context.unit.session, button.chat_id, button.message_id,
            _("Kept as scheduled; see /status."), at=context.unit.now,
        )  # fmt: skip
        return
    plan, _choice = _Plan.read(button.argument)
    zone = context.services.config.channel(plan.channel).zone
    times = await planned_times(
        context.unit.session, plan.article_id, context.services.config.channel(plan.channel),
        plan.start, plan.every, now=context.unit.now, again=True,
    )  # fmt: skip
    if night_times(times, zone):
        await _ask_about_night(update, context, plan, times)
        return
    await _commit(update, context, plan, mornings=False, edit=button.message_id)


async def night_pressed(update: Update, context: Context, button: Button) -> None:
    """[Move to 09:00] or [Keep night times]: schedule as the admin chose."""
    assert button.argument is not None
    assert button.message_id is not None
    plan, choice = _Plan.read(button.argument)
    await _commit(update, context, plan, mornings=choice == "move", edit=button.message_id)


async def _commit(
    update: Update, context: Context, plan: _Plan, *, mornings: bool, edit: int | None = None
) -> None:
    """Schedule (or reschedule) as planned; the answer replaces the question it answers."""
    _ = context.translate
    svc = context.services
    unit = context.unit
    channel = svc.config.channel(plan.channel)
    if not context.scope.steers(plan.channel) or (
        await find_article(unit.session, plan.article_id, context.scope) is None
    ):
        await reply(update, _("No article {id}; see /articles.").format(id=plan.article_id))
        return
    user = update.effective_user
    act = reschedule_article if plan.again else schedule_article
    try:
        result = await act(
            unit.session, plan.article_id, channel, plan.start, plan.every,
            actor_id=user.id if user else None, now=unit.now, mornings=mornings,
        )  # fmt: skip
    except PublishingError as exc:  # the article changed since the question was asked
        text = report.escape(exc.text(_))
    else:
        svc.wake()
        text = report.scheduled_text(_, result, channel.key, channel.zone)
        night = night_times(result.times, channel.zone)
        if night:
            text += "\n" + counted(
                "Note: {count} post falls at night in the channel's time zone (first at {time}).",
                "Note: {count} posts fall at night in the channel's time zone (first at {time}).",
                len(night),
                _,
                time=report.local_time(night[0], channel.zone),
            )
    if edit is None:
        await reply(update, text)
    else:
        chat = update.effective_chat
        assert chat is not None
        outbox.queue_edit(unit.session, chat.id, edit, text, at=unit.now)


async def _pause_or_resume(
    update: Update, context: Context, paused: bool, words: list[str] | None = None
) -> None:
    _ = context.translate
    words = arguments(update, context) if words is None else words
    article_id = _article_id(words)
    if words and article_id is None:
        await reply(update, _("Usage: /pause [ID] or /resume [ID]"))
        return
    svc = context.services
    if (
        article_id is not None
        and await find_article(context.session, article_id, context.scope) is None
    ):
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    scope = context.scope
    articles = await set_paused(
        context.session,
        article_id,
        paused,
        actor_id=scope.user_id,
        at=context.now,
        channel_ids=await steered_channel_ids(context.session, scope),
    )
    if not paused:
        for article in articles:
            respace_overdue(article, svc.clock.now(), svc.config.publishing.missed_slots)
    svc.wake()
    ids = ", ".join(str(a.id) for a in articles) or "—"
    text = _("Paused: {ids}") if paused else _("Resumed: {ids}")
    await reply(update, text.format(ids=ids))


async def pause_pressed(update: Update, context: Context, button: Button) -> None:
    """[Pause] under an article picked from /articles."""
    await _pause_or_resume(update, context, True, [button.argument or ""])


async def resume_pressed(update: Update, context: Context, button: Button) -> None:
    await _pause_or_resume(update, context, False, [button.argument or ""])


async def cancel_asked(update: Update, context: Context, button: Button) -> None:
    """[Cancel…] under an article: the same question /cancel asks."""
    await _ask_to_cancel(update, context, [button.argument or ""])


async def pause_command(update: Update, context: Context) -> None:
    """/pause [ID]: stop posting (one article, or all)."""
    await _pause_or_resume(update, context, True)


async def resume_command(update: Update, context: Context) -> None:
    """/resume [ID]: go on posting; missed slots are re-spaced."""
    await _pause_or_resume(update, context, False)


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel ID: asks first, then drops the article's remaining posts and polls."""
    await _ask_to_cancel(update, context, arguments(update, context))


async def _ask_to_cancel(update: Update, context: Context, words: list[str]) -> None:
    _ = context.translate
    article_id = _article_id(words)
    if article_id is None:
        await reply(update, _("Usage: /cancel ID"))
        return
    article = await find_article(context.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    if not await pending_items(context.session, article_id):
        await reply(
            update,
            _("Article {id} has nothing left to cancel: it is finished or cancelled.").format(
                id=article_id
            ),
        )
        return
    markup, tokens = offer(
        update,
        [
            [
                (_("Yes, cancel it"), "cancel", str(article_id)),
                (_("Keep it"), "cancel", None),
            ]
        ],
    )
    await reply(
        update,
        _("Cancel what is left of article {id} «{title}»? Posts already out stay.").format(
            id=article_id, title=report.escape(report.shorten(article.title))
        ),
        markup=markup,
        buttons=tokens,
    )


async def cancel_pressed(update: Update, context: Context, button: Button) -> None:
    _ = context.translate
    unit = context.unit
    assert button.message_id is not None
    if button.argument is None:
        outbox.queue_edit(
            unit.session, button.chat_id, button.message_id, _("Nothing was cancelled."),
            at=unit.now,
        )  # fmt: skip
        return
    article_id = int(button.argument)
    if await find_article(unit.session, article_id, context.scope) is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    posts, polls = await cancel_article(
        unit.session, article_id, actor_id=button.user_id, at=unit.now
    )
    context.services.wake()
    outbox.queue_edit(
        unit.session,
        button.chat_id,
        button.message_id,
        _("Cancelled {posts} and {polls} of article {id}.").format(
            posts=counted("{count} post", "{count} posts", posts, _),
            polls=counted("{count} poll", "{count} polls", polls, _),
            id=article_id,
        ),
        at=unit.now,
    )


async def status_command(update: Update, context: Context) -> None:
    """/status: what is next and when, what was posted, what failed and why."""
    config = context.services.config
    scope = context.scope
    entries = [e for e in await status(context.session) if scope.steers(e.channel_key)]
    zones = {c.key: c.zone for c in config.channels}
    steered = await steered_channel_ids(context.session, scope)
    finished = [
        ended
        for ended in await finished_recently(context.session, context.services.clock.now())
        if steered is None or ended[0].channel_id in steered
    ]
    await reply(update, report.status_text(context.translate, entries, zones, finished))


async def channels_command(update: Update, context: Context) -> None:
    """/channels: the configured channels as Telegram knows them."""
    _ = context.translate
    lines = [bold(_("Channels"))]
    for channel in context.services.config.channels:
        if not context.scope.steers(channel.key):
            continue
        row = await stored_channel(context.session, channel.key)
        lines.append(
            _(
                "{key}: chat {chat}, discussion {group}, language {language}, time zone {zone}"
            ).format(
                key=report.escape(channel.key),
                chat=row.chat_id if row else "?",
                group=row.discussion_chat_id if row and row.discussion_chat_id else "—",
                language=channel.language,
                zone=channel.timezone,
            )
        )
    await reply(update, "\n".join(lines))
