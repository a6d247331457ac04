"""The discussion groups and polls: store what readers say; never reply."""

from __future__ import annotations

from telegram import Update

from bot.responses.comments import store_edit
from bot.responses.forwards import record_automatic_forward
from bot.responses.reactions import store_comment_reaction, store_reaction_counts
from bot.responses.votes import store_poll_answer, store_poll_state
from bot.unit_of_work import current_session
from handlers.common import Context, services


async def automatic_forward(update: Update, context: Context) -> None:
    """A channel post copied into its discussion group: the key to its comment thread."""
    message = update.effective_message
    assert message is not None
    svc = services(context)
    await record_automatic_forward(
        current_session(), message, svc.config.publishing.poll_close_after
    )


async def edited_comment(update: Update, context: Context) -> None:
    """An edited comment: the new text, with the old one kept in the history."""
    assert update.edited_message is not None
    await store_edit(current_session(), update.edited_message, context.bot.id)


async def poll_state(update: Update, context: Context) -> None:
    """New counts of a poll newsbot sent."""
    assert update.poll is not None
    await store_poll_state(current_session(), update.poll, services(context).clock.now())


async def poll_answer(update: Update, context: Context) -> None:
    """A named vote (or retraction) in a companion poll."""
    assert update.poll_answer is not None
    await store_poll_answer(current_session(), update.poll_answer, services(context).clock.now())


async def reaction_counts(update: Update, context: Context) -> None:
    """Reaction counts on a channel post."""
    assert update.message_reaction_count is not None
    await store_reaction_counts(
        current_session(), update.message_reaction_count, services(context).clock.now()
    )


async def comment_reaction(update: Update, context: Context) -> None:
    """A reader's reaction to a comment, added, changed or taken back."""
    assert update.message_reaction is not None
    await store_comment_reaction(
        current_session(), update.message_reaction, services(context).clock.now()
    )
