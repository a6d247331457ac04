"""Every command in one table: who may use it, where, what the menu and /help say.

The table generates the handler registration (each callback wrapped in the guard of its
role), the command menus Telegram shows (``setMyCommands``, per role and language) and
/help, so the three cannot drift apart. Guards answer a refusal in the private chat;
in a discussion group only a moderator's command is one (everything else is a comment,
see ``handlers.comments``). A ``NewsbotError`` a handler lets through is answered here,
translated and escaped, so handlers need no try/except for the user's mistakes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.access import Scope
from bot.errors import NewsbotError
from bot.i18n import LANGUAGES, N_, Translator, translator
from bot.moderation.actions import channel_of_group, speaks_for_staff
from bot.outbox import release_waiting
from bot.responses.comments import remember_user
from bot.telegram.html import bold, escape
from handlers import admin, export, feeds, moderation, privacy, roles, schedule, subscriber, summary
from handlers.common import Context, GroupHandler, Handler, reply

log = logging.getLogger(__name__)
Role = Literal["everyone", "moderator", "admin"]


@dataclass(frozen=True)
class Command:
    name: str
    callback: Handler
    role: Role
    menu: str  # the line in Telegram's command menu (catalog message)
    usage: str  # the line in /help (catalog message)
    # What it does when a moderator gives it in a discussion group (None: private only).
    in_group: Handler | None = None


async def help_command(update: Update, context: Context) -> None:
    """/help: only the commands the caller may use, grouped by role."""
    await reply(update, help_text(context.translate, roles_of(context.scope)))


def roles_of(scope: Scope) -> tuple[Role, ...]:
    held: list[Role] = ["everyone"]
    if scope.is_moderator:
        held.append("moderator")
    if scope.is_admin:
        held.append("admin")
    return tuple(held)


COMMANDS: tuple[Command, ...] = (
    # For everyone
    Command("start", subscriber.start_command, "everyone",
            N_("What this bot is and what it stores"), N_("/start — what this bot is")),
    Command("help", help_command, "everyone",
            N_("The commands you can use"), N_("/help — the commands you can use")),
    Command("mydata", privacy.mydata_command, "everyone",
            N_("What the bot stores about you"), N_("/mydata — what I store about you")),
    Command("forget", privacy.forget_command, "everyone",
            N_("Delete what the bot stores about you"),
            N_("/forget — delete what I store about you")),
    Command("quote", privacy.quote_command, "everyone",
            N_("Whether summaries may name you when quoting you"),
            N_("/quote on|off — whether weekly summaries may name you when quoting you")),
    # For moderators
    Command("export", export.export_command, "moderator",
            N_("Export the comment log"),
            N_("/export [channel] [article] [from] [to] [csv|json|jsonl|telegram-json] "
               "[hidden] — comment log"),
            in_group=export.export_command),
    Command("hide", moderation.in_private_only, "moderator",
            N_("Hide a comment (in reply to it, in the group)"),
            N_("/hide [reason] — in reply to a comment: hide it"),
            in_group=moderation.hide_command),
    Command("ban", moderation.in_private_only, "moderator",
            N_("Remove a comment's author (in reply, in the group)"),
            N_("/ban [reason] — in reply to a comment: remove its author"),
            in_group=moderation.ban_command),
    Command("unhide", moderation.unhide_command, "moderator",
            N_("Bring a hidden comment back into the records"),
            N_("/unhide ID — undo a /hide")),
    Command("unban", moderation.unban_command, "moderator",
            N_("Let a banned reader write again"), N_("/unban USER — undo a /ban")),
    Command("audit", moderation.audit_command, "moderator",
            N_("Recent moderation and admin actions"),
            N_("/audit — recent moderation and admin actions")),
    # For admins
    Command("import", admin.import_command, "admin",
            N_("Import an article from a file or a link"),
            N_("/import [LINK] — send an article file with this caption, or a link")),
    Command("feeds", feeds.feeds_command, "admin",
            N_("Feeds the channel follows"),
            N_("/feeds [add LINK | remove NUMBER] — the feeds a channel follows")),
    Command("articles", admin.articles_command, "admin",
            N_("Imported articles"), N_("/articles — imported articles")),
    Command("preview", admin.preview_command, "admin",
            N_("See an article's posts"), N_("/preview ID — see the posts")),
    Command("publish", schedule.publish_command, "admin",
            N_("Schedule an article"),
            N_("/publish ID [channel] [start] [every] — schedule an article")),
    Command("pause", schedule.pause_command, "admin",
            N_("Stop posting"), N_("/pause [ID] — stop posting")),
    Command("resume", schedule.resume_command, "admin",
            N_("Go on posting"), N_("/resume [ID] — go on posting")),
    Command("cancel", schedule.cancel_command, "admin",
            N_("Drop what is left of an article"),
            N_("/cancel ID — drop what is left of an article")),
    Command("status", admin.status_command, "admin",
            N_("What is next, posted, failed"),
            N_("/status — what is next, what was posted, what failed")),
    Command("channels", admin.channels_command, "admin",
            N_("Configured channels"), N_("/channels — configured channels")),
    Command("summary", summary.summary_command, "admin",
            N_("Preview or post the weekly summary"),
            N_("/summary [post] [channel] [week] — preview or post the weekly summary")),
    Command("grant", roles.grant_command, "admin",
            N_("Make a user a moderator"), N_("/grant moderator USER — make them a moderator")),
    Command("revoke", roles.revoke_command, "admin",
            N_("Take a role back"), N_("/revoke moderator USER — take the role back")),
)  # fmt: skip
SECTIONS: dict[Role, str] = {
    "everyone": N_("For everyone"),
    "moderator": N_("For moderators"),
    "admin": N_("For admins"),
}


def help_text(_: Translator, roles_held: Sequence[Role]) -> str:
    lines: list[str] = []
    for role in roles_held:
        lines += ["", bold(_(SECTIONS[role]))] if lines else [bold(_(SECTIONS[role]))]
        lines += [escape(_(command.usage)) for command in COMMANDS if command.role == role]
    return "\n".join(lines)


# ---------------------------------------------------------------- guards
def guarded(command: Command) -> Handler:
    """The command's callback behind its role's guard, in a private chat, with the error
    boundary. The guard finds the caller's scope (``context.scope``): the channels they
    steer and moderate, which every handler then acts within."""
    callback = command.callback

    @functools.wraps(callback)
    async def run(update: Update, context: Context) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != ChatType.PRIVATE:
            return  # registered for private chats; never answer in public
        _ = context.translate
        context.scope = scope = await context.services.access.scope(context.session, user.id)
        # They wrote to the bot: what waited for them (they had not started it) goes now.
        await release_waiting(context.session, user.id, context.now)
        if command.role == "admin" and not scope.is_admin:
            log.info("refused /%s from user %s", command.name, user.id)
            await reply(update, _("Sorry, only the channel's admins can do that."))
            return
        if command.role == "moderator" and not scope.is_moderator:
            await reply(update, _("Sorry, only moderators can do that."))
            return
        if scope.is_admin or scope.is_moderator:
            # Staff's language, so later notices (a right lost) are in it too.
            await remember_user(context.session, user, context.now)
        await _answer_mistakes(update, context, callback)

    return run


def group_guarded(command: Command, callback: Handler) -> GroupHandler:
    """A moderator's command in a discussion group, guarded against the channel whose group
    it is: True when it was taken as a command, False when the sender may not give it
    there (then it is a comment like any other)."""

    async def run(update: Update, context: Context) -> bool:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return False
        channel = await channel_of_group(context.session, message.chat.id)
        if channel is None:
            return False
        if message.sender_chat is not None:
            # An anonymous administrator of the group, or the channel itself, speaks for it.
            if not await speaks_for_staff(context.session, message.chat.id, message.sender_chat.id):
                return False
            moderates = frozenset({channel.key})
            context.scope = Scope(user.id, False, frozenset(), moderates)
        else:
            context.scope = await context.services.access.scope(context.session, user.id)
            if not context.scope.moderates(channel.key):
                return False
        await _answer_mistakes(update, context, callback)
        return True

    run.__name__ = f"{command.name}_in_group"
    return run


# The discussion group's commands, by name (``handlers.comments`` looks them up there).
GROUP_COMMANDS: dict[str, GroupHandler] = {
    command.name: group_guarded(command, command.in_group)
    for command in COMMANDS
    if command.in_group is not None
}


async def _answer_mistakes(update: Update, context: Context, callback: Handler) -> None:
    try:
        await callback(update, context)
    except NewsbotError as error:
        await reply(update, escape(error.text(context.translate)))


# ------------------------------------------------------------ command menus
def menu(language: str, roles_held: tuple[Role, ...]) -> list[BotCommand]:
    _ = translator(language)
    return [BotCommand(c.name, _(c.menu)) for c in COMMANDS if c.role in roles_held]


async def refresh_menu(bot: Bot, scope: Scope) -> None:
    """One person's menu, when their roles change (a /grant or /revoke)."""
    try:
        for language in LANGUAGES:
            await bot.set_my_commands(
                menu(language, roles_of(scope)),
                scope=BotCommandScopeChat(scope.user_id),
                language_code=None if language == "en" else language,
            )
    except TelegramError as exc:
        log.warning("could not update the command menu of %s: %s", scope.user_id, exc)


async def publish_menus(bot: ExtBot[None], staff: dict[int, Scope]) -> None:
    """Everyone's menu in every private chat; each admin's and moderator's in their own
    chat, in each language newsbot speaks."""
    try:
        for language in LANGUAGES:
            code = None if language == "en" else language
            await bot.set_my_commands(
                menu(language, ("everyone",)),
                scope=BotCommandScopeAllPrivateChats(),
                language_code=code,
            )
            for user_id, scope in staff.items():
                await bot.set_my_commands(
                    menu(language, roles_of(scope)),
                    scope=BotCommandScopeChat(user_id),
                    language_code=code,
                )
    except TelegramError as exc:
        log.warning("could not register the command menus: %s", exc)


async def publish_mini_app_button(bot: Bot, url: str, languages: dict[int, str | None]) -> None:
    """The [Discussion] menu button that opens the Mini App, in each admin's and
    moderator's chat with the bot, labelled in their language (a person who never started
    the bot gets it once they do: Telegram has no chat with them yet)."""
    for user_id, language in languages.items():
        button = MenuButtonWebApp(translator(language)("Discussion"), WebAppInfo(url))
        try:
            await bot.set_chat_menu_button(chat_id=user_id, menu_button=button)
        except TelegramError as exc:
            log.info("no Mini App button for %s yet: %s", user_id, exc)
