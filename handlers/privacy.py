"""/mydata and /forget: a subscriber's own data, in a private chat."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType

from bot.privacy import forget, my_data, my_data_file
from bot.unit_of_work import current_session
from handlers.common import Context, language_of, reply

FORGET_YES, FORGET_NO = "forget:yes", "forget:no"


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
    _ = language_of(update)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not await _in_private(update):
        return
    data = await my_data(current_session(), user.id)
    await context.bot.send_document(
        chat.id,
        InputFile(my_data_file(data), filename="my-data.json"),
        caption=_("What I store about you: {comments} comments and {votes} named votes.").format(
            comments=len(data["comments"]), votes=len(data["votes"])
        ),
    )


async def forget_command(update: Update, context: Context) -> None:
    """/forget: asks first, then deletes."""
    _ = language_of(update)
    if not await _in_private(update):
        return
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        _(
            "Delete the text of all your comments, your named votes and your name from my "
            "records? Counts stay, without your name. This cannot be undone."
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(_("Yes, delete"), callback_data=FORGET_YES),
                    InlineKeyboardButton(_("Cancel"), callback_data=FORGET_NO),
                ]
            ]
        ),
    )


async def forget_answer(update: Update, context: Context) -> None:
    """The answer to /forget's question."""
    _ = language_of(update)
    query = update.callback_query
    assert query is not None
    await query.answer()
    if query.data != FORGET_YES:
        await query.edit_message_text(_("Nothing was deleted."))
        return
    erased = await forget(current_session(), query.from_user.id)
    await query.edit_message_text(
        _("Done: {count} comments erased, along with your name and named votes.").format(
            count=erased
        )
    )
