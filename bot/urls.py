"""Credentials a database URL can carry, found and masked wherever the URL is shown.

A URL carries a password in its user info (``user:password@host``) and, for asyncpg
and libpq, in its query (``?password=...``, ``sslpassword=...``); both must stay out of
every message, log and error. Any query parameter whose name suggests a credential is
treated as one, so a driver's new option is masked before anyone thinks of it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

_CREDENTIAL_NAME = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)
MASK = "***"


def _netloc_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:  # a malformed port: the user info still may hold a password
        userinfo = url.partition("://")[2].partition("@")
        if not userinfo[1]:
            return None
        _user, colon, password = userinfo[0].partition(":")
        return password if colon else None


def url_credentials(url: str) -> list[str]:
    """Every credential in ``url``, as written and decoded (each must be redacted)."""
    found: list[str] = []
    password = _netloc_password(url)
    if password:
        found += [password, unquote(password)]
    query = url.partition("?")[2].partition("#")[0]
    for name, value in parse_qsl(query, keep_blank_values=False):
        if _CREDENTIAL_NAME.search(name) and value:
            found += [value, quote(value, safe=""), quote(value)]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def mask_url(url: str) -> str:
    """``url`` with every credential replaced by ``***``."""
    masked = url
    for secret in url_credentials(url):
        masked = masked.replace(secret, MASK)
    try:
        parts = urlsplit(masked)
    except ValueError:
        return masked
    if parts.query:
        pairs = [
            f"{name}={MASK}" if _CREDENTIAL_NAME.search(name) else pair
            for pair in parts.query.split("&")
            for name in [unquote(pair.partition("=")[0])]
        ]
        masked = urlunsplit(parts._replace(query="&".join(pairs)))
    return masked
