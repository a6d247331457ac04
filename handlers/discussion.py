"""The discussion groups and polls: store what readers say; never reply."""

from __future__ import annotations

from telegram import Update

from bot.responses.comments import store_edit
from bot.responses.forwards import record_automatic_forward
from bot.responses.reactions import store_comment_reaction, store_reaction_counts
from bot.responses.votes import store_poll_answer, store_poll_state
from handlers.common import Context


async def automatic_forward(update: Update, context: Context) -> None:
    """A channel post copied into its discussion group: the key to its comment thread."""
    message = update.effective_message
    assert message is not None
    svc = context.services
    await record_automatic_forward(context.session, message, svc.access, svc.clock.now())


async def edited_comment(update: Update, context: Context) -> None:
    """An edited comment: the new text, with the old one kept in the history."""
    assert update.edited_message is not None
    await store_edit(context.session, update.edited_message, context.bot.id)


async def poll_state(update: Update, context: Context) -> None:
    """New counts of a poll newsbot sent."""
    assert update.poll is not None
    await store_poll_state(context.session, update.poll, context.services.clock.now())


async def poll_answer(update: Update, context: Context) -> None:
    """A named vote (or retraction) in a companion poll."""
    assert update.poll_answer is not None
    await store_poll_answer(context.session, update.poll_answer, context.services.clock.now())


async def reaction_counts(update: Update, context: Context) -> None:
    """Reaction counts on a channel post."""
    assert update.message_reaction_count is not None
    await store_reaction_counts(
        context.session, update.message_reaction_count, context.services.clock.now()
    )


async def comment_reaction(update: Update, context: Context) -> None:
    """A reader's reaction to a comment, added, changed or taken back."""
    assert update.message_reaction is not None
    await store_comment_reaction(
        context.session, update.message_reaction, context.services.clock.now()
    )
