"""/mydata, /forget and /quote: a subscriber's own data and say, in a private chat."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot import outbox
from bot.i18n import counted
from bot.privacy import forget, my_data, my_data_file, quote_consent, set_quote_consent
from db.models import Button
from handlers.buttons import offer
from handlers.common import Context, arguments, language_of, reply

FORGET = "forget"


async def _in_private(update: Update) -> bool:
    """A subscriber's data is only ever shown in their private chat."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return True
    _ = language_of(update)
    await reply(update, _("Ask me in a private chat; your data is not shown in groups."))
    return False


async def mydata_command(update: Update, context: Context) -> None:
    """/mydata: everything stored about the caller, as a file."""
    _ = context.translate
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not await _in_private(update):
        return
    unit = context.unit
    data = await my_data(unit.session, user.id)
    outbox.queue_document(
        unit.session,
        chat.id,
        my_data_file(data),
        "my-data.json",
        caption=_("What I store about you: {comments} and {votes}.").format(
            comments=counted("{count} comment", "{count} comments", len(data["comments"]), _),
            votes=counted("{count} named vote", "{count} named votes", len(data["votes"]), _),
        ),
        at=unit.now,
    )


async def forget_command(update: Update, context: Context) -> None:
    """/forget: asks first, with buttons only the asker can press on this message."""
    _ = context.translate
    if not await _in_private(update):
        return
    markup, tokens = offer(
        update, [[(_("Yes, delete"), FORGET, "yes"), (_("Cancel"), FORGET, "no")]]
    )
    await reply(
        update,
        _(
            "Delete the text of all your comments, your named votes and your name from my "
            "records? Counts stay, without your name. This cannot be undone.\n\n"
            "Your messages stay visible in Telegram: to remove them there, delete them in the "
            "discussion group yourself (press and hold a message, then Delete)."
        ),
        markup=markup,
        buttons=tokens,
    )


async def forget_answer(_update: Update, context: Context, button: Button) -> None:
    """The answer to /forget's question, from the asker, on that question only."""
    _ = context.translate
    unit = context.unit
    if button.argument != "yes":
        text = _("Nothing was deleted.")
    else:
        erased = await forget(unit.session, button.user_id, unit.now)
        text = counted(
            "Done: {count} comment erased, along with your name and named votes.",
            "Done: {count} comments erased, along with your name and named votes.",
            erased,
            _,
        )
    assert button.message_id is not None
    outbox.queue_edit(unit.session, button.chat_id, button.message_id, text, at=unit.now)


async def quote_command(update: Update, context: Context) -> None:
    """/quote on|off: whether weekly summaries may name the caller when they quote them."""
    _ = context.translate
    user = update.effective_user
    if user is None or not await _in_private(update):
        return
    unit = context.unit
    words = [word.lower() for word in arguments(update, context)]
    if words in (["on"], ["off"]):
        await set_quote_consent(unit.session, user, words == ["on"], unit.now)
        await reply(
            update,
            _("Done: weekly summaries may name you when they quote you.")
            if words == ["on"]
            else _("Done: weekly summaries quote you as «a reader», without your name."),
        )
        return
    named = await quote_consent(unit.session, user.id)
    state = (
        _("Weekly summaries may name you when they quote your comments.")
        if named
        else _("Weekly summaries quote your comments as «a reader», without your name.")
    )
    await reply(
        update,
        state + "\n" + _("Send /quote on to be named, /quote off to stay unnamed."),
    )
