"""What the log of a running bot shows: each migration and job that matters, not chatter."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ("httpx", "httpcore", "apscheduler", "alembic.runtime.plugins")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:], root.level = handlers, level
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.usefixtures("restored_logging")
def test_at_info_migrations_show_but_alembic_plugins_and_request_urls_do_not() -> None:
    configure_logging("INFO")
    assert logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)
    assert not logging.getLogger("alembic.runtime.plugins").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)  # URLs hold the token
    assert logging.getLogger("bot.publishing.publisher").isEnabledFor(logging.INFO)
