"""/summary: an admin previews the weekly summary privately, or posts it now."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError

from bot import unit_of_work
from bot.outbox import queue_edit, queue_html
from bot.publishing.report import escape
from bot.summaries.period import WeekError, parse_week
from bot.summaries.service import SummaryError, already_posted, build_summary, deliver
from bot.unit_of_work import current_session
from db.models import Button
from handlers.buttons import action, offer
from handlers.common import (
    Context,
    arguments,
    language_of,
    private_admin_command,
    reply,
    services,
)


@private_admin_command
async def summary_command(update: Update, context: Context) -> None:
    """/summary [post] [channel] [week]."""
    _ = language_of(update)
    svc = services(context)
    words = arguments(update, context)
    post = bool(words) and words[0] == "post"
    if post:
        words = words[1:]
    keys = [channel.key for channel in svc.config.channels]
    channel = svc.config.channels[0]
    if words and words[0] in keys:
        channel = svc.config.channel(words.pop(0))
    usage = _("Usage: /summary [post] [channel] [week], e.g. /summary news 2026-W47")
    if len(words) > 1:
        await reply(update, usage)
        return
    try:
        period = parse_week(words[0] if words else None, channel, svc.clock.now())
    except WeekError as exc:
        await reply(update, escape(exc.text(_)) + "\n" + usage)
        return
    chat = update.effective_chat
    assert chat is not None
    if not post:
        try:
            summary = await build_summary(current_session(), channel, period)
        except SummaryError as exc:
            await reply(update, escape(exc.text(_)))
            return
        await deliver(context.bot, chat.id, summary)
        return
    if await already_posted(current_session(), channel, period):
        await reply(
            update, _("The summary for {week} was already posted.").format(week=period.label)
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
        _("Post the summary for {week} in {channel} now, for every subscriber to see?").format(
            week=period.label, channel=escape(channel.key)
        ),
        markup=markup,
        buttons=tokens,
    )


@action("post_summary", admin=True)
async def post_summary_pressed(update: Update, context: Context, button: Button) -> None:
    """The confirmed /summary post: posted once, after this update, and reported."""
    _ = language_of(update)
    svc = services(context)
    unit = unit_of_work.current()
    assert button.message_id is not None
    if button.argument is None:
        queue_edit(unit.session, button.chat_id, button.message_id, _("Not posted."), at=unit.now)
        return
    key, week = button.argument.split("|", 1)
    channel = svc.config.channel(key)
    period = parse_week(week, channel, svc.clock.now())
    queue_edit(
        unit.session,
        button.chat_id,
        button.message_id,
        _("Posting the summary for {week}…").format(week=period.label),
        at=unit.now,
    )
    chat_id = button.chat_id

    async def post_and_report() -> None:
        # After this update's transaction: posting stores the summary in its own, and the
        # report follows "Posting…" through the outbox.
        try:
            await svc.summaries.post_now(channel, period)
            text = _("The summary for {week} is posted.").format(week=period.label)
        except SummaryError as exc:
            text = escape(exc.text(_))
        except TelegramError as exc:
            text = escape(str(exc))
        async with svc.sessions.begin() as session:
            queue_html(session, chat_id, text, at=svc.clock.now())
        await svc.outbox.send_due()

    context.application.create_task(post_and_report(), update=update)
