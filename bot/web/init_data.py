"""The Mini App's ``initData``: who opened it, as Telegram signs it.

Telegram's documented check (core.telegram.org/bots/webapps#validating-data-received-via-
the-web-app): every field but ``hash``, as ``key=value`` lines sorted by key, signed with
HMAC-SHA-256 under the key HMAC-SHA-256("WebAppData", bot token). Compared in constant
time; an ``auth_date`` older than the allowed age is refused, so a copied link expires.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl


class InitDataError(Exception):
    """Why the initData is not accepted (for the log; the page says only "open it from
    the bot")."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime
    start_param: str | None


def secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def validate_init_data(raw: str, token: str, *, max_age: timedelta, now: datetime) -> WebAppUser:
    """The user the initData names, if Telegram signed it for this bot not too long ago."""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field given twice")
    given = fields.pop("hash", None)
    if not given:
        raise InitDataError("no hash")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    expected = hmac.new(secret_key(token), check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise InitDataError("the hash does not match")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("no auth_date or user") from None
    if now - signed_at > max_age:
        raise InitDataError("signed too long ago")
    if signed_at - now > timedelta(minutes=5):
        raise InitDataError("signed in the future")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=user.get("language_code"),
        auth_date=signed_at,
        start_param=fields.get("start_param"),
    )
