"""/summary: an admin previews the weekly summary privately, or posts it now."""

from __future__ import annotations

from telegram import Update

from bot.outbox import queue_edit, queue_html
from bot.publishing.report import escape
from bot.summaries.period import WeekError, latest_period, parse_week, period_in_progress
from bot.summaries.service import already_posted, build_summary, queue_summary, request_post
from db.models import Button
from handlers.buttons import offer
from handlers.common import (
    Context,
    arguments,
    reply,
)


async def summary_command(update: Update, context: Context) -> None:
    """/summary [post] [channel] [week]."""
    _ = context.translate
    svc = context.services
    words = arguments(update, context)
    post = bool(words) and words[0] == "post"
    if post:
        words = words[1:]
    keys = [c.key for c in svc.config.channels if context.scope.steers(c.key)]
    key = words.pop(0) if words and words[0] in keys else keys[0] if len(keys) == 1 else None
    usage = _("Usage: /summary [post] [channel] [week], e.g. /summary news 2026-W47")
    if len(words) > 1 or (words and len(words[0]) > 20):
        await reply(update, usage)
        return
    if key is None:
        week = words[0] if words else ""
        markup, tokens = offer(
            update,
            [[(k, "summary_of", f"{'post' if post else ''}|{k}|{week}")] for k in keys],
        )
        await reply(update, _("Which channel?"), markup=markup, buttons=tokens)
        return
    await _summary(update, context, post, key, words)


async def summary_of_pressed(update: Update, context: Context, button: Button) -> None:
    """The channel picked for /summary: checked against the presser's channels again."""
    post, key, week = (button.argument or "||").split("|")
    if not context.scope.steers(key):
        _ = context.translate
        await reply(update, _("You are not an admin of that channel."))
        return
    await _summary(update, context, post == "post", key, [week] if week else [])


async def _summary(
    update: Update, context: Context, post: bool, key: str, words: list[str]
) -> None:
    _ = context.translate
    svc = context.services
    channel = svc.config.channel(key)
    usage = _("Usage: /summary [post] [channel] [week], e.g. /summary news 2026-W47")
    now = svc.clock.now()
    try:
        if words:
            period = parse_week(words[0], channel, now)
        else:  # a preview shows the week so far; posting takes the last finished week
            period = latest_period(channel, now) if post else period_in_progress(channel, now)
    except WeekError as exc:
        await reply(update, escape(exc.text(_)) + "\n" + usage)
        return
    dates = period.dates(channel.zone, channel.language)
    in_progress = period.end > now
    chat = update.effective_chat
    assert chat is not None
    if not post:
        summary = await build_summary(context.session, channel, period, now)
        which = (
            _("Preview of the week in progress, {dates}, as it would read now:")
            if in_progress
            else _("Preview of the finished week {dates}:")
        )
        # Through the outbox like every reply: the heading, then the summary.
        queue_html(context.session, chat.id, which.format(dates=escape(dates)), at=context.now)
        queue_summary(context.session, chat.id, summary, context.now)
        return
    if in_progress:
        await reply(
            update,
            _("The week {dates} is not over yet; it can be posted once it ends.").format(
                dates=escape(dates)
            ),
        )
        return
    if await already_posted(context.session, channel, period):
        await reply(
            update,
            _("The summary for {dates} was already posted.").format(dates=escape(dates)),
        )
        return
    if (await build_summary(context.session, channel, period)).empty:  # nothing to ask about
        await reply(
            update,
            _("Nothing to summarise for {dates}: no posts, comments or votes.").format(
                dates=escape(dates)
            ),
        )
        return
    markup, tokens = offer(
        update,
        [
            [
                (_("Post it"), "post_summary", f"{channel.key}|{period.label}"),
                (_("Don't post"), "post_summary", None),
            ]
        ],
    )
    await reply(
        update,
        _(
            "Post the summary of the last finished week, {dates}, in {channel} now, for "
            "every subscriber to see?"
        ).format(dates=escape(dates), channel=escape(channel.key)),
        markup=markup,
        buttons=tokens,
    )


async def post_summary_pressed(_update: Update, context: Context, button: Button) -> None:
    """The confirmed /summary post: a stored request the schedule runs (a restart resumes
    it), posted once and reported."""
    _ = context.translate
    svc = context.services
    unit = context.unit
    assert button.message_id is not None
    if button.argument is None:
        queue_edit(unit.session, button.chat_id, button.message_id, _("Not posted."), at=unit.now)
        return
    key, week = button.argument.split("|", 1)
    if not context.scope.steers(key):
        queue_edit(unit.session, button.chat_id, button.message_id, _("Not posted."), at=unit.now)
        return
    channel = svc.config.channel(key)
    period = parse_week(week, channel, svc.clock.now())
    dates = period.dates(channel.zone, channel.language)
    queue_edit(
        unit.session,
        button.chat_id,
        button.message_id,
        _("Posting the summary for {dates}…").format(dates=escape(dates)),
        at=unit.now,
    )
    # Stored with this press; the schedule's next tick posts it and reports.
    await request_post(unit.session, channel, period, button.user_id, unit.now)
    svc.wake()
