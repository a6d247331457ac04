"""The one button table: what each kind of inline button does when pressed, and who may
press it. Every press comes through ``pressed``: a made-up, copied, stale or someone
else's press is answered with a short notice and changes nothing; an admin's button
checks, at the press, that its presser is still an admin.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update

from bot.buttons import ButtonRefused, claim_button
from bot.errors import NewsbotError
from bot.telegram.html import escape
from db.models import Button
from handlers import admin, feeds, moderation, privacy, roles, schedule, summary
from handlers.buttons import answer
from handlers.common import Context, reply

log = logging.getLogger(__name__)
Callback = Callable[[Update, Context, Button], Awaitable[None]]


@dataclass(frozen=True)
class Action:
    name: str  # stored with the button (``buttons.action``)
    callback: Callback
    admin: bool = False  # only for someone who steers a channel at the press


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(privacy.FORGET, privacy.forget_answer),
        Action("unban", moderation.unban_pressed),
        Action("import_to", admin.import_to_pressed, admin=True),
        Action("import_link_to", admin.import_link_to_pressed, admin=True),
        Action("feed_skip", feeds.skip_pressed, admin=True),
        Action("article", admin.article_pressed, admin=True),
        Action("preview", admin.preview_pressed, admin=True),
        Action("preview_page", admin.preview_page_pressed, admin=True),
        Action("publish_now", schedule.publish_now_pressed, admin=True),
        Action("schedule", schedule.schedule_pressed, admin=True),
        Action("cancel", schedule.cancel_pressed, admin=True),
        Action("cancel_ask", schedule.cancel_asked, admin=True),
        Action("pause", schedule.pause_pressed, admin=True),
        Action("resume", schedule.resume_pressed, admin=True),
        Action("reschedule", schedule.reschedule_pressed, admin=True),
        Action("night", schedule.night_pressed, admin=True),
        Action("copy", schedule.copy_pressed, admin=True),
        Action("summary_of", summary.summary_of_pressed, admin=True),
        Action("post_summary", summary.post_summary_pressed, admin=True),
        Action("role", roles.role_pressed, admin=True),
    )
}


async def pressed(update: Update, context: Context) -> None:
    """A button press: acted on only as the button was made for."""
    _ = context.translate
    query = update.callback_query
    assert query is not None
    unit = context.unit
    message = query.message
    try:
        button = await claim_button(
            unit.session,
            query.data,
            user_id=query.from_user.id,
            chat_id=message.chat.id if message else None,
            message_id=message.message_id if message else None,
            at=unit.now,
        )
        action = ACTIONS.get(button.action)
        if action is None:
            raise ButtonRefused(f"no action {button.action}")
        # Checked again at the press: the action acts within the presser's channels now.
        context.scope = await context.services.access.scope(unit.session, query.from_user.id)
        if action.admin and not context.scope.is_admin:
            raise ButtonRefused("no longer an admin")
    except ButtonRefused as refused:
        log.info("refused a button press by %s: %s", query.from_user.id, refused)
        await answer(query, _("This button is not for you, or it has expired."))
        return
    await answer(query, None)
    try:
        await action.callback(update, context, button)
    except NewsbotError as error:  # the user's mistake, answered in their language
        await reply(update, escape(error.text(_)))
