"""Who may do what, channel by channel.

Operators (the configuration's top-level ``admins``) run the installation and act on
every channel. Each channel has a team of its own: its admins are the channel's
Telegram administrators who may post, plus those listed under the channel in the
configuration; its moderators are its admins, those listed under the channel (and the
top-level ``moderators``, who moderate everywhere) and those its admins granted the role
with ``/grant``. A ``Scope`` says, for one person, which channels they steer and which
they moderate: every command and button is checked against it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from bot.clock import Clock
from bot.config import ChannelConfig, Config
from db.models import RoleName
from db.queries.roles import channels_granted, holders

log = logging.getLogger(__name__)
ADMIN_CACHE_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class Scope:
    """The channels one person steers (``admin_of``) and moderates (``moderator_of``), by
    key; an operator's are every channel."""

    user_id: int
    operator: bool
    admin_of: frozenset[str]
    moderator_of: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_of)

    @property
    def is_moderator(self) -> bool:
        return bool(self.moderator_of)

    def steers(self, key: str | None) -> bool:
        return key is not None and key in self.admin_of

    def moderates(self, key: str | None) -> bool:
        return key is not None and key in self.moderator_of


def _may_post(member: ChatMember) -> bool:
    """A channel's Telegram administrator who may post is one of its admins."""
    if member.user.is_bot:
        return False
    if isinstance(member, ChatMemberOwner):
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)


class Access:
    def __init__(self, config: Config, bot: Bot, clock: Clock) -> None:
        self.config = config
        self.bot = bot
        self.clock = clock
        # Each channel's numeric chat id, by key, once Telegram confirmed it (start-up).
        self.channel_chat_ids: dict[str, int] = {}
        self._telegram_admins: dict[str, set[int]] = {}
        self._fetched_at: dict[str, datetime] = {}

    @property
    def operators(self) -> set[int]:
        return set(self.config.admins)

    async def telegram_admins(self, key: str) -> set[int]:
        """The channel's Telegram administrators who may post, cached for a few minutes;
        the last known list while Telegram cannot be asked."""
        now = self.clock.now()
        fetched = self._fetched_at.get(key)
        if fetched is not None and now - fetched < ADMIN_CACHE_TTL:
            return self._telegram_admins.get(key, set())
        chat_id = self.channel_chat_ids.get(key)
        if chat_id is None:
            return self._telegram_admins.get(key, set())
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.warning("could not refresh the administrators of %s: %s", key, exc)
            return self._telegram_admins.get(key, set())
        admins = {member.user.id for member in members if _may_post(member)}
        self._telegram_admins[key], self._fetched_at[key] = admins, now
        return admins

    async def admins_of(self, channel: ChannelConfig) -> set[int]:
        """The channel's own admins (not the operators)."""
        return set(channel.admins) | await self.telegram_admins(channel.key)

    async def notice_recipients(self, channel: ChannelConfig) -> set[int]:
        """Who hears about a channel: its admins, and the operators unless they opted out."""
        people = await self.admins_of(channel)
        if self.config.operator_notices or not people:
            people |= self.operators
        return people

    async def everyone_in_charge(self) -> set[int]:
        """The operators and every channel's admins: who hears of trouble with the bot itself
        (its database), which concerns every channel."""
        people = self.operators
        for channel in self.config.channels:
            people |= await self.admins_of(channel)
        return people

    async def team_of(self, key: str | None) -> set[int]:
        """Who hears about the channel named ``key``: the operators alone for a channel no
        longer configured (or none)."""
        channel = next((c for c in self.config.channels if c.key == key), None)
        return await self.notice_recipients(channel) if channel else self.operators

    async def moderators_of(self, session: AsyncSession, channel: ChannelConfig) -> set[int]:
        """Everyone who may moderate the channel's discussion group."""
        return (
            set(self.config.moderators)
            | set(channel.moderators)
            | await self.admins_of(channel)
            | self.operators
            | await holders(session, RoleName.MODERATOR, [channel.key])
        )

    async def scope(self, session: AsyncSession, user_id: int) -> Scope:
        """What ``user_id`` may steer and moderate."""
        keys = frozenset(channel.key for channel in self.config.channels)
        if user_id in self.config.admins:
            return Scope(user_id, True, keys, keys)
        admin_of = frozenset(
            [c.key for c in self.config.channels if user_id in await self.admins_of(c)]
        )
        if user_id in self.config.moderators:
            return Scope(user_id, False, admin_of, keys)
        granted = await channels_granted(session, user_id, RoleName.MODERATOR)
        moderator_of = admin_of | frozenset(
            c.key for c in self.config.channels if user_id in c.moderators or c.key in granted
        )
        return Scope(user_id, False, admin_of, moderator_of)

    async def staff(self, session: AsyncSession) -> dict[int, Scope]:
        """Every admin and moderator with their scope (for their command menus)."""
        people = self.operators | set(self.config.moderators)
        people |= await holders(session, RoleName.MODERATOR)
        for channel in self.config.channels:
            people |= await self.admins_of(channel) | set(channel.moderators)
        return {person: await self.scope(session, person) for person in sorted(people)}
