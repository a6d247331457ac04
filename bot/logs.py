"""Logging set-up that never lets the bot token out, at any level."""

from __future__ import annotations

import logging
import re
import time

# A token inside a Bot API URL (/bot123:ABC/) or standing alone.
_TOKEN_IN_TEXT = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace known secrets and anything shaped like a bot token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    return _TOKEN_IN_TEXT.sub("<token>", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message; applied to handlers, so every logger is covered."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def configure_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs each request URL, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # The limiter logs every 429 it passes on with a traceback; newsbot handles each (the
    # outbox holds that chat, the publisher reschedules that post) and says so at INFO.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    # APScheduler logs each job run at INFO: a line every safety tick otherwise.
    if root.level > logging.DEBUG:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # Alembic lists every plugin it sets up (a dozen lines) before the migrations.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


_FAILURE_INTERVAL = 60.0  # seconds between two lines about the same kind of failure
_last_failure: dict[str, float] = {}
_unlogged_failures: dict[str, int] = {}


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """A failure of a loop that goes on by itself: one line a minute for each kind, with
    how many were left out since. A storage fault is one plain line (the admins are told
    by ``bot.runtime.storage``); anything else carries its traceback."""
    from bot.runtime.storage import (
        storage_fault,  # bot.runtime.storage logs through this module's filter
    )

    key = f"{logger.name}: {what}"
    now = time.monotonic()
    if now - _last_failure.get(key, -_FAILURE_INTERVAL) < _FAILURE_INTERVAL:
        _unlogged_failures[key] = _unlogged_failures.get(key, 0) + 1
        return
    _last_failure[key] = now
    left_out = _unlogged_failures.pop(key, 0)
    again = f" ({left_out} more like it in the last minute)" if left_out else ""
    reason = storage_fault(error)
    if reason is not None:
        logger.error("%s: cannot store: %s%s", what, reason, again)
    else:
        logger.error("%s%s", what, again, exc_info=error)
