"""What the bot may do in its channels and discussion groups, and what follows when it changes.

Telegram fails quietly exactly where a deployment breaks: a bot that is a plain
member of the discussion group with privacy mode on never sees a comment nor an
automatic forward, and a channel that took the bot's posting right refuses every
post. newsbot therefore asks Telegram (getMe, getChat, getChatMember) at start-up,
every few minutes, and whenever Telegram reports a change of its own membership
(``my_chat_member``), and acts on the answer:

- no right to post in a channel: its articles are paused with the reason, admins
  are told at once; when the right comes back they are told again and ``/resume``;
- the discussion group not visible (plain member, privacy on; or not a member):
  comments cannot be collected and a send in doubt cannot be confirmed by its
  automatic forward, so ``publishing.timed_out_send`` decides instead;
- another group linked: comments are collected there from then on.

``newsbot doctor`` prints the same findings as one line per check with the fix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberUpdated, User
from telegram.constants import ChatAction, ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.access import Access
from bot.channels import ensure_channel
from bot.clock import Clock
from bot.config import ChannelConfig, Config
from bot.i18n import Translator
from bot.logs import redact
from bot.notices import tell
from bot.telegram.html import escape
from db.models import Channel
from db.queries import publishing as queries

log = logging.getLogger(__name__)
REFRESH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    """One line of ``newsbot doctor``: what was found and, when wrong, what to do."""

    subject: str
    ok: bool
    found: str
    fix: str = ""
    required: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.required else "warn")
        text = f"{mark} {self.subject}: {self.found}"
        return text if self.ok or not self.fix else f"{text}. Fix: {self.fix}"


@dataclass(frozen=True)
class GroupAccess:
    """What the bot may do in a channel's discussion group."""

    chat_id: int
    title: str | None = None
    username: str | None = None  # a public group's @username, without the @
    visible: bool = False  # the bot receives the comments
    moderates: bool = False  # and may delete and ban


@dataclass(frozen=True)
class ChannelAccess:
    """What Telegram says the bot may do for one configured channel."""

    key: str
    checks: tuple[Check, ...]
    chat_id: int | None = None  # None: Telegram does not show the channel to the bot
    title: str = ""
    username: str | None = None
    post_problem: str = ""  # why it cannot post, in plain words; empty when it can
    group: GroupAccess | None = None  # None: no discussion group

    @property
    def can_post(self) -> bool:
        return not self.post_problem


def _is_admin(member: ChatMember) -> bool:
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def _right(member: ChatMember, name: str) -> bool:
    if member.status == ChatMemberStatus.OWNER:
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(getattr(member, name, False))


def posting_problem(member: ChatMember) -> str:
    """Why the bot cannot post in a channel as this member, or "" when it can."""
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return "the bot is not in the channel"
    if not _is_admin(member):
        return "the bot is not an administrator of the channel"
    if not _right(member, "can_post_messages"):
        return "the bot is an administrator without the right to post messages"
    return ""


def sees_group(member: ChatMember, privacy_off: bool) -> bool:
    """Whether Telegram gives the bot ordinary messages of the group."""
    if _is_admin(member):
        return True
    present = member.status == ChatMemberStatus.MEMBER or (
        member.status == ChatMemberStatus.RESTRICTED and getattr(member, "is_member", False)
    )
    return present and privacy_off


def moderates_group(member: ChatMember) -> bool:
    return _right(member, "can_delete_messages") and _right(member, "can_restrict_members")


async def channel_access(bot: Bot, channel: ChannelConfig, me: User) -> ChannelAccess:
    """Ask Telegram about one channel and its discussion group: the channel, then which
    group is its discussion, then what the bot may do there. (A network fault is raised to
    the caller: it says nothing about the bot's rights.)"""
    name = f"@{me.username}" if me.username else "the bot"
    subject = f"channel {channel.key}"
    try:
        chat = await bot.get_chat(channel.chat)
        member = await bot.get_chat_member(chat.id, me.id)
    except (BadRequest, Forbidden) as exc:  # not in the channel, or the chat is wrong
        problem = f"Telegram does not show the channel to the bot ({exc.message})"
        fix = f"check the channel's chat id or @username, and add {name} to it as an administrator"
        return ChannelAccess(
            channel.key, (Check(subject, False, problem, fix),), post_problem=problem
        )
    problem = posting_problem(member)
    checks = _posting_checks(subject, name, member, problem)
    group_id = await _discussion_group_id(bot, channel, chat.linked_chat_id, subject, checks)
    group = None
    if group_id is None:
        checks.append(
            Check(
                f"{subject}: discussion group",
                False,
                "the channel has no linked discussion group, so there are no comments",
                "in the channel's settings, Discussion, link a group",
                required=False,
            )
        )
    else:
        group = await _group_access(bot, group_id, me, subject, checks)
    return ChannelAccess(
        channel.key,
        tuple(checks),
        chat_id=chat.id,
        title=chat.title or "",
        username=f"@{chat.username}" if chat.username else None,
        post_problem=problem,
        group=group,
    )


def _posting_checks(subject: str, name: str, member: ChatMember, problem: str) -> list[Check]:
    may_edit = _right(member, "can_edit_messages") and _right(member, "can_delete_messages")
    return [
        Check(
            f"{subject}: post",
            not problem,
            problem or "the bot can post",
            f"in the channel's settings, Administrators, add {name} with 'Post messages'",
        ),
        Check(
            f"{subject}: edit and delete",
            may_edit,
            "the bot can edit and delete its posts"
            if may_edit
            else "the bot cannot edit or delete posts",
            f"give {name} 'Edit messages of others' and 'Delete messages of others'",
            required=False,
        ),
    ]


async def _discussion_group_id(
    bot: Bot, channel: ChannelConfig, linked: int | None, subject: str, checks: list[Check]
) -> int | None:
    """The group the config names (by id or @username), else the channel's linked one; a
    configured group that is unreachable or differs from the linked one is a failed check."""
    configured = channel.discussion_group
    group_id = linked
    if isinstance(configured, int):
        group_id = configured
    elif isinstance(configured, str):
        try:
            group_id = (await bot.get_chat(configured)).id
        except (BadRequest, Forbidden) as exc:
            checks.append(
                Check(
                    f"{subject}: discussion group",
                    False,
                    f"the configured group {configured} is not reachable ({exc.message})",
                    "check discussion_group in the config",
                )
            )
            return linked
    if linked is not None and group_id is not None and linked != group_id:
        checks.append(
            Check(
                f"{subject}: discussion group",
                False,
                f"the channel links group {linked}, the config names {group_id}",
                "make discussion_group in the config match the channel's linked group",
            )
        )
    return group_id


async def _group_access(
    bot: Bot, group_id: int, me: User, subject: str, checks: list[Check]
) -> GroupAccess:
    """What the bot may do in the discussion group, with its doctor lines."""
    name = f"@{me.username}" if me.username else "the bot"
    try:
        member = await bot.get_chat_member(group_id, me.id)
        group = await bot.get_chat(group_id)
    except (BadRequest, Forbidden) as exc:
        found = f"the bot is not in group {group_id} ({exc.message})"
        access = GroupAccess(group_id)
    else:
        access = GroupAccess(
            group_id,
            group.title,
            group.username,
            visible=sees_group(member, bool(me.can_read_all_group_messages)),
            moderates=moderates_group(member),
        )
        found = (
            "the bot is an administrator and can delete and ban"
            if access.moderates
            else "the bot sees the comments but cannot delete or ban"
            if access.visible
            else "the bot is a plain member with privacy mode on and sees no comment"
            if member.status == ChatMemberStatus.MEMBER
            else "the bot is not in the group and sees no comment"
        )
    checks.append(
        Check(
            f"{subject}: discussion group {group_id}",
            access.visible,
            found,
            f"add {name} to the discussion group as an administrator with 'Delete "
            "messages' and 'Ban users' (or turn privacy mode off in @BotFather, /setprivacy)",
        )
    )
    if access.visible and not access.moderates:
        checks.append(
            Check(
                f"{subject}: moderation",
                False,
                "/hide, /ban and automatic rules cannot act",
                f"give {name} 'Delete messages' and 'Ban users' in the discussion group",
                required=False,
            )
        )
    return access


def configured_people(config: Config) -> dict[int, str]:
    """Everyone the configuration names, with the role it gives them (the first one)."""
    people: dict[int, str] = {}
    for user_id in config.admins:
        people.setdefault(user_id, "operator")
    for user_id in config.moderators:
        people.setdefault(user_id, "moderator")
    for channel in config.channels:
        for user_id in channel.admins:
            people.setdefault(user_id, f"admin of {channel.key}")
        for user_id in channel.moderators:
            people.setdefault(user_id, f"moderator of {channel.key}")
    return people


async def people_checks(bot: Bot, config: Config) -> list[Check]:
    """Whether the bot can write to each person the configuration names. One who never
    pressed Start is a warning, not a failure: their notices wait for their first word."""
    checks = []
    for user_id, role in configured_people(config).items():
        try:
            await bot.send_chat_action(user_id, ChatAction.TYPING)
            checks.append(Check(f"{role} {user_id}", True, "has started the bot"))
        except TelegramError as exc:
            name = f"@{bot.username}" if bot.username else "the bot"
            checks.append(
                Check(
                    f"{role} {user_id}",
                    False,
                    f"the bot cannot write to them yet ({exc.message}); their notices wait "
                    "until they write to it",
                    f"ask them to open a chat with {name} and press Start",
                    required=False,
                )
            )
    return checks


# ------------------------------------------------------------ acting on changes
async def apply_access(
    session: AsyncSession,
    team: Access,
    found: ChannelAccess,
    now: datetime,
) -> None:
    """Record what the bot may do in a channel; pause or tell when that changed."""
    channel_config = team.config.channel(found.key)
    row = await ensure_channel(session, channel_config, now)
    if found.chat_id is not None:
        row.chat_id, row.title, row.username = found.chat_id, found.title, found.username
        group = found.group
        group_id = group.chat_id if group is not None else None
        if group_id != row.discussion_chat_id:
            await _group_changed(session, team, row, group_id, now)
        if group is not None:
            if row.discussion_visible and not group.visible:
                await _tell_group_hidden(session, team, row.key, now)
            row.discussion_visible = group.visible
        row.discussion_title = group.title if group is not None else None
        row.discussion_username = group.username if group is not None else None
    row.checked_at = now
    await set_posting(session, team, row, found.post_problem, now)


async def set_posting(
    session: AsyncSession, team: Access, row: Channel, problem: str, now: datetime
) -> None:
    """A lost right pauses the channel's articles (with the reason) and tells the admins;
    a right regained is told too, and the admins ``/resume``."""
    if problem and row.blocked_reason is None:
        row.blocked_reason = problem
        paused = []
        for article in await queries.active_articles(session, channel_id=row.id):
            article.paused, article.paused_reason = True, problem
            paused.append(article.id)
        log.error("channel %s: %s; articles %s paused", row.key, problem, paused or "none")
        key, ids = escape(row.key), ", ".join(map(str, paused)) or "—"
        await tell(
            session,
            await team.team_of(row.key),
            lambda _: _(
                "I cannot post in {channel}: {reason}. Articles paused: {ids}. Fix the "
                "bot's rights in the channel; I will tell you when I can post again."
            ).format(channel=key, reason=reason_in(_, problem), ids=ids),
            now,
        )
    elif not problem and row.blocked_reason is not None:
        row.blocked_reason = None
        log.info("channel %s: the bot can post again", row.key)
        key = escape(row.key)
        await tell(
            session,
            await team.team_of(row.key),
            lambda _: _(
                "I can post in {channel} again. Articles I paused wait for /resume."
            ).format(channel=key),
            now,
        )


async def _group_changed(
    session: AsyncSession, team: Access, row: Channel, group_id: int | None, now: datetime
) -> None:
    before = row.discussion_chat_id
    row.discussion_chat_id = group_id
    if before is None:
        return
    log.warning("channel %s: discussion group %s -> %s", row.key, before, group_id)
    key = escape(row.key)
    await tell(
        session,
        await team.team_of(row.key),
        lambda _: (
            _("{channel} now links another discussion group: comments are collected there.")
            if group_id is not None
            else _("{channel} has no discussion group any more: comments are off.")
        ).format(channel=key),
        now,
    )


async def on_my_membership(
    session: AsyncSession,
    team: Access,
    change: ChatMemberUpdated,
    privacy_off: bool,
    now: datetime,
) -> None:
    """Telegram reports a change of the bot's own membership or rights in a chat."""
    member = change.new_chat_member
    channel = await queries.channel_by_chat_id(session, change.chat.id)
    if channel is not None:
        await set_posting(session, team, channel, posting_problem(member), now)
        return
    for row in await queries.channels_by_discussion_chat(session, change.chat.id):
        visible = sees_group(member, privacy_off)
        if row.discussion_visible and not visible:
            log.error("channel %s: the bot no longer sees its discussion group", row.key)
            await _tell_group_hidden(session, team, row.key, now)
        row.discussion_visible = visible


async def _tell_group_hidden(
    session: AsyncSession, team: Access, channel_key: str, now: datetime
) -> None:
    key = escape(channel_key)
    await tell(
        session,
        await team.team_of(channel_key),
        lambda _: _(
            "I no longer see the discussion group of {channel}: comments are not "
            "collected. Make me an administrator of the group again."
        ).format(channel=key),
        now,
    )


def reason_in(_: Translator, problem: str) -> str:
    """The reason in the admin's language."""
    texts = {
        "the bot is not in the channel": _("the bot is not in the channel"),
        "the bot is not an administrator of the channel": _(
            "the bot is not an administrator of the channel"
        ),
        "the bot is an administrator without the right to post messages": _(
            "the bot is an administrator without the right to post messages"
        ),
    }
    return escape(texts.get(problem, problem))


# ------------------------------------------------------------ the whole check
async def check_channels(
    bot: ExtBot[None],
    team: Access,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    secrets: tuple[str, ...] = (),
) -> dict[str, int]:
    """Ask Telegram what the bot may do in each channel and act on it; returns the
    channels' chat ids by key. Failed checks go to the log, and the admins hear of what they
    must fix. A channel Telegram cannot be asked about now is left as it was."""
    resolved: dict[str, int] = {}
    for channel in team.config.channels:
        try:
            access = await channel_access(bot, channel, bot.bot)
        except TelegramError as exc:
            log.warning("could not check channel %s: %s", channel.key, redact(str(exc), secrets))
            continue
        for check in access.checks:
            if not check.ok:
                (log.error if check.required else log.warning)("%s", check.line())
        if access.chat_id is not None:
            # Known before the notices below: they reach the channel's own administrators.
            resolved[channel.key] = team.channel_chat_ids[channel.key] = access.chat_id
        async with sessions.begin() as session:
            await apply_access(session, team, access, clock.now())
    return resolved
