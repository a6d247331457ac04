"""The context every handler gets: its services, the update's session and moment, and the
language of the person it answers.

python-telegram-bot builds one per update (``ContextTypes(context=NewsbotContext)``);
``from_update`` notes the user's language, so a handler writes ``_ = context.translate``
instead of looking it up, and reaches the database through ``context.session`` (the
inbox's unit of work for this update) rather than a module-level function.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot
from typing_extensions import override

from bot import unit_of_work
from bot.access import Scope
from bot.i18n import Translator, translator
from bot.runtime.services import SERVICES_KEY, Services

if TYPE_CHECKING:
    from bot.unit_of_work import UnitOfWork

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class NewsbotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(
        self, application: AnyApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.language: str | None = None
        # What the person may steer and moderate, set by the command guard (or a button).
        self._scope: Scope | None = None

    @override
    @classmethod
    def from_update(cls, update: object, application: AnyApplication) -> NewsbotContext:
        context = super().from_update(update, application)
        if isinstance(update, Update) and update.effective_user is not None:
            context.language = update.effective_user.language_code
        return context

    @property
    def services(self) -> Services:
        services = self.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    @property
    def unit(self) -> UnitOfWork:
        return unit_of_work.current()

    @property
    def session(self) -> AsyncSession:
        """The update's session: what a handler writes commits or rolls back with it."""
        return unit_of_work.current_session()

    @property
    def now(self) -> datetime:
        """When the update is handled, by the injected clock."""
        return unit_of_work.current().now

    @property
    def scope(self) -> Scope:
        """The caller's channels, as the guard found them for this update."""
        assert self._scope is not None, "only guarded commands and buttons have a scope"
        return self._scope

    @scope.setter
    def scope(self, scope: Scope) -> None:
        self._scope = scope

    @property
    def translate(self) -> Translator:
        """The catalog in the language of the person the update came from."""
        return translator(self.language)


def context_types() -> ContextTypes[NewsbotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]]:
    return ContextTypes(context=NewsbotContext)
