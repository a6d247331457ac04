"""Who may do what: admins (config plus the channels' own administrators) and moderators."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot.clock import Clock
from bot.config import Config
from db.models import RoleName
from db.queries.roles import has_role, holders

log = logging.getLogger(__name__)
ADMIN_CACHE_TTL = timedelta(minutes=5)


class Access:
    def __init__(self, config: Config, bot: Bot, clock: Clock) -> None:
        self.config = config
        self.bot = bot
        self.clock = clock
        self.channel_chat_ids: list[int] = []
        self._channel_admins: set[int] = set()
        self._fetched_at: datetime | None = None

    async def channel_admins(self) -> set[int]:
        """Administrators of the configured channels, from Telegram, cached for a few minutes."""
        now = self.clock.now()
        if self._fetched_at is not None and now - self._fetched_at < ADMIN_CACHE_TTL:
            return self._channel_admins
        admins: set[int] = set()
        try:
            for chat_id in self.channel_chat_ids:
                for member in await self.bot.get_chat_administrators(chat_id):
                    if not member.user.is_bot:
                        admins.add(member.user.id)
        except TelegramError as exc:
            log.warning("could not refresh channel administrators: %s", exc)
            return self._channel_admins  # keep the last known list
        self._channel_admins, self._fetched_at = admins, now
        return admins

    async def is_admin(self, user_id: int) -> bool:
        return user_id in self.config.admins or user_id in await self.channel_admins()

    async def moderators(self, session: AsyncSession) -> set[int]:
        """Moderators named in the configuration and those granted the role."""
        return set(self.config.moderators) | set(await holders(session, RoleName.MODERATOR))

    async def is_moderator(self, session: AsyncSession, user_id: int) -> bool:
        if user_id in self.config.moderators or await self.is_admin(user_id):
            return True
        return await has_role(session, user_id, RoleName.MODERATOR) or await has_role(
            session, user_id, RoleName.ADMIN
        )
