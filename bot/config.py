"""Typed configuration, loaded once from TOML plus environment secrets.

A bad value stops start-up with one line that names the key; the token is a
``Secret`` so it can never leak through a message or a repr. msgspec validates (its
structs cost a fraction of pydantic's memory, which every process pays for its life);
the types below that msgspec does not know are read by ``_decode``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec import Meta, Struct, field

from bot.i18n import DEFAULT_LANGUAGE, Language
from bot.urls import mask_url, url_credentials

DEFAULT_CONFIG_PATH = Path("newsbot.toml")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsbot.db"
DEFAULT_API_BASE_URL = "https://api.telegram.org"
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LONGEST_DURATION = 10 * 366 * 86400  # past this a span is a typo, and soon past what dates hold


def webhook_secret_for(token: str) -> str:
    """The secret token every process of one bot agrees on without configuration: derived
    from the bot token (which only the bot and Telegram know), in Telegram's alphabet."""
    digest = hmac.new(token.encode(), b"newsbot webhook secret", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or upgraded: one line naming it (password masked) and
    the cause, instead of a traceback. ``server_gone``: its server does not answer."""

    def __init__(self, message: str, *, server_gone: bool = False) -> None:
        super().__init__(message)
        self.server_gone = server_gone


class ConfigError(Exception):
    """A configuration value is missing or wrong: "key: reason", the key where one value
    is at fault (``channels[0].timezone``)."""

    def __init__(self, reason: str, key: str | None = None) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key, self.reason = key, reason


def parse_duration(value: object) -> timedelta:
    """Read spacing such as ``10m``, ``2h`` or ``7d`` (also used by commands)."""
    if isinstance(value, timedelta):
        return value
    seconds = None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        seconds = value
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and int(match.group(1)) > 0:
            seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds is not None and seconds <= _LONGEST_DURATION:
        return timedelta(seconds=seconds)
    raise ValueError(
        "expected a positive duration like '90s', '10m', '2h' or '7d', of 10 years at most"
    )


def _parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
            return time(int(match.group(1)), int(match.group(2)))
    raise ValueError("expected a time of day like '18:00'")


class Secret:
    """A value that never shows in a repr, a str or a message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Duration(timedelta):
    """A span written ``90s``, ``10m``, ``2h``, ``7d`` or as seconds."""


class ClockTime(time):
    """A time of day written ``18:00``."""


class ZoneName(str):
    """An IANA time zone name this Python knows."""

    __slots__ = ()


class Pattern(str):
    """A regular expression that compiles."""

    __slots__ = ()


class Network(str):
    """An IP network such as ``10.0.0.0/8`` (or one address)."""

    __slots__ = ()


def _decode(kind: type, value: Any) -> Any:
    """msgspec's hook for the types above: a ValueError becomes a message at the key."""
    if isinstance(value, kind):
        return value
    if kind is Duration:
        return Duration(seconds=parse_duration(value).total_seconds())
    if kind is ClockTime:
        clock = _parse_clock(value)
        return ClockTime(clock.hour, clock.minute)
    if kind is ZoneName:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError("expected an IANA time zone like 'Europe/Berlin'") from exc
        return ZoneName(value)
    if kind is Pattern:
        if not isinstance(value, str):
            raise ValueError("expected a regular expression")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"expected regular expressions; {value!r}: {exc}") from exc
        return Pattern(value)
    if kind is Network:
        try:
            ipaddress.ip_network(value, strict=False)
        except (ValueError, TypeError) as exc:
            raise ValueError("expected an IP network like '10.1.2.0/24'") from exc
        return Network(value)
    if kind is Secret:
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return Secret(value)
    raise NotImplementedError(kind)


# A chat id, or a public chat's @username (checked in ChannelConfig: msgspec's own words
# for a pattern are a regular expression).
ChatRef = int | str
_USERNAME = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")


class _KeyError(ValueError):
    """A problem with one key of a struct: msgspec names the struct, this the key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")


PollOption = Annotated[str, Meta(min_length=1, max_length=100)]
WEB_ADDRESS = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)


class _Strict(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Unknown keys are refused, and nothing changes once read."""


class ChannelConfig(_Strict, frozen=True):
    """One channel newsbot publishes to, with its own language and clock."""

    chat: ChatRef
    name: str = ""
    discussion_group: ChatRef | None = None
    language: Language = DEFAULT_LANGUAGE
    timezone: ZoneName = ZoneName("UTC")
    post_spacing: Duration = Duration(minutes=30)
    poll_options: Annotated[list[PollOption], Meta(min_length=2, max_length=12)] | None = None
    companion_polls: bool = False
    # The summary covers the seven days before this day: Monday 09:00 posts last week.
    summary_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    summary_time: ClockTime = ClockTime(9, 0)
    summary_to: Literal["channel", "admins", "both"] = "channel"
    # Whether the summary names the readers it quotes: "ask" (only those who said
    # /quote on), "never", or "always" (all but those who said /quote off).
    summary_names: Literal["ask", "never", "always"] = "ask"
    # A lesson is called most agreed or most contested only with this many votes.
    summary_min_votes: Annotated[int, Meta(ge=1)] = 10
    # This channel's team, beside its Telegram administrators who may post (admins) and
    # those its admins grant with /grant (moderators): they act on this channel only.
    admins: list[int] = []
    moderators: list[int] = []
    # RSS or Atom feeds whose new items are imported as drafts and offered to the admins.
    feeds: list[str] = []
    # Publish a feed's new items by themselves, with the channel's spacing (no question).
    auto_publish: bool = False

    def __post_init__(self) -> None:
        for key, chat in (("chat", self.chat), ("discussion_group", self.discussion_group)):
            if isinstance(chat, str) and not _USERNAME.match(chat):
                raise _KeyError(key, "expected a chat id like -1001234567890 or a @username")
        for feed in self.feeds:
            if not WEB_ADDRESS.match(feed) or len(feed) > 2048:
                raise _KeyError("feeds", f"expected http:// or https:// addresses, not {feed!r}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def key(self) -> str:
        """The name admins type in commands: explicit name, else the chat reference."""
        return self.name or str(self.chat)


_BOILERPLATE = (
    r"^leave a comment\b",
    r"^(subscribe|follow us)\b",
    r"^(share|tell us) (your|what you)\b.*\b(comments?|think)\b",
    r"^оставьте комментари",
    r"^(пишите|делитесь мнением|поделитесь мнением)\b.*\bкомментари",
    r"^(ждём|ждем) (вас |ваши? |ваше мнение )?в комментариях",
    r"^комментарии (ждём|ждем)",
    r"^подписывайтесь",
    r"^подпишитесь",
)


class ArticleConfig(_Strict, frozen=True):
    """How articles are segmented into posts."""

    target_length: Annotated[int, Meta(ge=200, le=4096)] = 1500
    max_length: Annotated[int, Meta(ge=300, le=4096)] = 3500
    progress_marks: bool = True
    source_link: bool = True
    keep_boilerplate: bool = False
    boilerplate_patterns: list[Pattern] = field(
        default_factory=lambda: [Pattern(pattern) for pattern in _BOILERPLATE]
    )
    max_file_bytes: Annotated[int, Meta(ge=1)] = 1_000_000
    # Each lesson becomes a poll: past this an article is refused with the count.
    max_lessons: Annotated[int, Meta(ge=1, le=500)] = 50
    # Pages fetched from a link or a feed (``bot.articles.fetching``).
    max_page_bytes: Annotated[int, Meta(ge=1)] = 5_000_000
    fetch_timeout: Duration = Duration(seconds=20)
    fetch_max_redirects: Annotated[int, Meta(ge=0, le=20)] = 5
    # Whether a link may lead to a private, loopback, link-local or metadata address (the
    # operator's own network): never, unless the operator says so (the emulator does).
    fetch_private_addresses: bool = False
    # Networks allowed even so, e.g. an intranet CMS: ["10.1.2.0/24"].
    fetch_allowed_networks: list[Network] = []
    # A page with less article text than this is not an article (a front page, a stub).
    min_article_words: Annotated[int, Meta(ge=1)] = 80
    # How often each channel's feeds are checked.
    feed_interval: Duration = Duration(minutes=15)

    def __post_init__(self) -> None:
        if self.target_length > self.max_length:
            raise ValueError("target_length must not exceed max_length")


class PublishingConfig(_Strict, frozen=True):
    """Policies for the publishing loop."""

    poll_close_after: Duration = Duration(days=7)
    missed_slots: Literal["respace", "burst"] = "respace"
    doubt_window: Duration = Duration(seconds=60)
    # Where no automatic forward can confirm a send that timed out: never post twice.
    timed_out_send: Literal["assume_sent", "resend"] = "assume_sent"
    # Several processes on one PostgreSQL database: how long the publishing one's lease
    # lasts unrenewed before another takes over.
    lease: Duration = Duration(seconds=60)


class ModerationConfig(_Strict, frozen=True):
    """Rules that hide a comment automatically (moderators are told)."""

    blocked_words: list[str] = []
    block_links: bool = False


class PrivacyConfig(_Strict, frozen=True):
    # Comment texts and authors older than this are erased; counts stay.
    retention_days: Annotated[int, Meta(ge=1)] = 365


class InboxConfig(_Strict, frozen=True):
    """How long raw updates (which hold names and texts) are kept."""

    keep_processed: Duration = Duration(days=1)
    keep_quarantined: Duration = Duration(days=30)


class ExportConfig(_Strict, frozen=True):
    # Telegram's upload limit for bots; a larger export is compressed first.
    upload_limit_bytes: Annotated[int, Meta(ge=1000)] = 50_000_000


class WebConfig(_Strict, frozen=True):
    """The Mini App (``bot.web``): ``url`` is the public address Telegram opens (HTTPS;
    plain HTTP only on loopback, as Telegram's test environment and the emulator allow),
    ``listen`` where newsbot serves it. No ``url``: no Mini App."""

    url: str | None = None
    listen: str = "127.0.0.1:8444"
    # How long an opened Mini App's signature is trusted (its initData's auth_date).
    init_data_max_age: Duration = Duration(days=1)

    def __post_init__(self) -> None:
        if self.url is not None:
            parts = urlsplit(self.url)
            local = parts.hostname in ("127.0.0.1", "localhost", "::1")
            if not parts.hostname or not (
                parts.scheme == "https" or (parts.scheme == "http" and local)
            ):
                raise _KeyError(
                    "url", "expected the public HTTPS address, like 'https://bot.example.org/app'"
                )
        host, _, port = self.listen.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise _KeyError("listen", "expected host:port to listen on, like '127.0.0.1:8444'")


class WebhookConfig(_Strict, frozen=True):
    """Webhook mode (``newsbot run --webhook URL``): Telegram pushes updates to ``url``, a
    reverse proxy terminating TLS forwards them to ``listen``. No ``url``: long polling."""

    url: str | None = None
    listen: str = "127.0.0.1:8443"
    # Derived from the token when not given (every process of the bot agrees on it).
    secret_token: Secret | None = None
    # How many requests Telegram may have open at once (setWebhook's max_connections).
    max_connections: int = 40

    def __post_init__(self) -> None:
        if not 1 <= self.max_connections <= 100:
            raise _KeyError("max_connections", "expected 1 to 100, as Telegram allows")
        if self.url is not None:
            parts = urlsplit(self.url)
            if parts.scheme != "https" or not parts.hostname:
                raise _KeyError(
                    "url", "expected the public HTTPS address, like 'https://bot.example.org/tg'"
                )
            if parts.port not in (None, 443, 80, 88, 8443):
                raise _KeyError("url", "Telegram sends webhooks only to ports 443, 80, 88 or 8443")
        host, _, port = self.listen.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise _KeyError("listen", "expected host:port to listen on, like '127.0.0.1:8443'")
        secret = self.secret_token
        alphabet = r"[A-Za-z0-9_-]{1,256}"
        if secret is not None and not re.fullmatch(alphabet, secret.get_secret_value()):
            raise _KeyError("secret_token", "expected 1-256 characters: letters, digits, _ and -")


class Config(_Strict, frozen=True):
    """The whole configuration; ``load_config`` is the only way to build one from files."""

    token: Secret
    channels: Annotated[list[ChannelConfig], Meta(min_length=1)]
    api_base_url: str = DEFAULT_API_BASE_URL
    # Follow the Bot API server's clock (its answers' Date header) when it is ahead: for
    # the emulator, whose advance_clock then moves the bot's time too. Never with Telegram.
    follow_api_clock: bool = False
    # The operators: they run the installation and act on every channel.
    admins: list[int] = []
    # Moderators of every channel.
    moderators: list[int] = []
    # Whether operators also hear every channel's notices (started, finished, failures,
    # rights lost, the admin copy of summaries); each channel's own admins always do.
    operator_notices: bool = True
    database_url: str = DEFAULT_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    articles: ArticleConfig = field(default_factory=ArticleConfig)
    publishing: PublishingConfig = field(default_factory=PublishingConfig)
    moderation: ModerationConfig = field(default_factory=ModerationConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    inbox: InboxConfig = field(default_factory=InboxConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    web: WebConfig = field(default_factory=WebConfig)

    def __post_init__(self) -> None:
        if not TOKEN_PATTERN.match(self.token.get_secret_value()):
            raise _KeyError("token", "expected a bot token like '123456:ABC...' from @BotFather")
        if not re.match(r"^https?://[^\s/]+", self.api_base_url):
            raise _KeyError(
                "api_base_url", "expected an http(s) URL like 'https://api.telegram.org'"
            )
        msgspec.structs.force_setattr(self, "api_base_url", self.api_base_url.rstrip("/"))
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", self.database_url):
            raise _KeyError(
                "database_url",
                "expected an async SQLAlchemy URL: 'sqlite+aiosqlite:///file.db' "
                "or 'postgresql+asyncpg://user@host/db'",
            )
        keys = [channel.key for channel in self.channels]
        if len(keys) != len(set(keys)):
            raise _KeyError("channels", "each channel needs a distinct chat or name")

    def replace(self, **changes: Any) -> Self:
        """A copy with some keys changed (``newsbot run --polling`` over the file's webhook)."""
        return msgspec.structs.replace(self, **changes)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log, an error or the terminal: the token, the webhook's
        secret and every credential the database URL carries."""
        return (
            self.token.get_secret_value(),
            self.webhook_secret,
            *url_credentials(self.database_url),
        )

    @property
    def webhook_secret(self) -> str:
        """What Telegram sends with each webhook request (``bot.runtime.webhook.secret_for``)."""
        if self.webhook.secret_token is not None:
            return self.webhook.secret_token.get_secret_value()
        return webhook_secret_for(self.token.get_secret_value())

    @property
    def database_display(self) -> str:
        """The database URL with its credentials masked, for messages and logs."""
        return mask_url(self.database_url)

    def channel(self, key: str | int) -> ChannelConfig:
        """Find a configured channel by name, @username or numeric id."""
        wanted = str(key)
        for channel in self.channels:
            if wanted in (channel.key, str(channel.chat)):
                return channel
        raise KeyError(wanted)


def _describe(error: msgspec.ValidationError) -> ConfigError:
    """msgspec's "message - at `$.a[0].b`" as "a[0].b: message", naming the key itself
    where msgspec names the struct that holds it."""
    message, _, where = str(error).partition(" - at `$")
    location = where.rstrip("`").lstrip(".")
    key, message = _key_and_message(message)
    if key:
        location = f"{location}.{key}" if location else key
    return ConfigError(message, location or "config")


_T = TypeVar("_T")
_MISSING = re.compile(r"^Object missing required field `(.+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(.+)`$")
_OWN = re.compile(r"^(\w+): (.*)$", re.DOTALL)


def _key_and_message(message: str) -> tuple[str, str]:
    if match := _MISSING.match(message):
        return match.group(1), "is required"
    if match := _UNKNOWN.match(message):
        return match.group(1), "is not a known key"
    if match := _OWN.match(message):
        return match.group(1), match.group(2)
    return "", message


def read_struct(kind: type[_T], data: Any) -> _T:
    """``data`` as ``kind``, validated; a problem is a ``ConfigError`` naming the key."""
    try:
        return msgspec.convert(data, kind, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise _describe(exc) from None


def config_from_mapping(data: dict[str, Any], env: dict[str, str] | None = None) -> Config:
    """Validate a parsed TOML mapping, letting environment secrets override it."""
    env = dict(os.environ) if env is None else env
    merged = dict(data)
    if env.get("NEWSBOT_TOKEN"):
        merged["token"] = env["NEWSBOT_TOKEN"]
    if env.get("NEWSBOT_DATABASE_URL"):
        merged["database_url"] = env["NEWSBOT_DATABASE_URL"]
    if env.get("NEWSBOT_API_BASE_URL"):
        merged["api_base_url"] = env["NEWSBOT_API_BASE_URL"]
    if env.get("NEWSBOT_WEBHOOK_SECRET"):
        merged["webhook"] = {
            **merged.get("webhook", {}),
            "secret_token": env["NEWSBOT_WEBHOOK_SECRET"],
        }
    # msgspec stops at the first problem: one clear line beats a wall of text.
    return read_struct(Config, merged)


def load_config(
    path: Path | str = DEFAULT_CONFIG_PATH, env: dict[str, str] | None = None
) -> Config:
    """Read and validate the TOML file at ``path``."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc.__class__.__name__}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_mapping(data, env)
