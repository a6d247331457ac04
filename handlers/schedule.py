"""Admin commands that decide when an article goes out: /publish (with the questions it
may ask first: reschedule, night times, a copy for another channel), /pause, /resume and
/cancel, and the buttons that answer them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Update

from bot import outbox
from bot.articles.library import copy_for_channel, find_article
from bot.channels import ensure_channel, steered_channel_ids
from bot.i18n import counted
from bot.publishing import report
from bot.publishing.service import (
    PublishingError,
    all_posted,
    cancel_article,
    held_in,
    pending_items,
    planned_times,
    reschedule_article,
    respace_overdue,
    schedule_article,
    scheduled_in,
    set_paused,
)
from bot.publishing.timing import TimingError, night_times, parse_publish_arguments
from db.models import Button
from handlers.admin import article_id_in, steered_keys
from handlers.buttons import offer
from handlers.common import Context, arguments, reply


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
    went out or waits in another channel, or went out in full ([Publish a copy in X],
    [Publish again in X]); one already scheduled ([Reschedule] [Keep]); posts that would
    go out at night ([Move to 09:00] [Keep night times]). Otherwise schedule at once."""
    _ = context.translate
    usage = _(
        "Usage: /publish ID [channel] [start] [every]\n"
        "start: now, 18:00, tomorrow 09:00, +2h or 2026-12-01 09:00 (the channel's time "
        "zone); every: 10m, 2h, every 2h"
    )
    article_id = article_id_in(words)
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
    keys = steered_keys(context)
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


def _declined(context: Context, button: Button, text: str) -> None:
    """The question's [Keep] pressed: its answer replaces it, buttons and all."""
    assert button.message_id is not None
    outbox.queue_edit(
        context.unit.session, button.chat_id, button.message_id, text, at=context.unit.now
    )


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
        _declined(context, button, _("Nothing was changed."))
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
        _declined(context, button, _("Kept as scheduled; see /status."))
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
    article_id = article_id_in(words)
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
    article_id = article_id_in(words)
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
        _declined(context, button, _("Nothing was cancelled."))
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
