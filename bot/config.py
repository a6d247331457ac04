"""Typed configuration, loaded once from TOML plus environment secrets.

A bad value stops start-up with one line that names the key; the token is a
``SecretStr`` so it can never leak through a message or a repr.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

DEFAULT_CONFIG_PATH = Path("newsbot.toml")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsbot.db"
DEFAULT_API_BASE_URL = "https://api.telegram.org"
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SUPPORTED_LANGUAGES = ("en", "ru")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def webhook_secret_for(token: str) -> str:
    """The secret token every process of one bot agrees on without configuration: derived
    from the bot token (which only the bot and Telegram know), in Telegram's alphabet."""
    digest = hmac.new(token.encode(), b"newsbot webhook secret", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or upgraded: one line naming it (password masked) and
    the cause, instead of a traceback."""


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the key."""


def parse_duration(value: object) -> timedelta:
    """Read spacing such as ``10m``, ``2h`` or ``7d`` (also used by commands)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and int(match.group(1)) > 0:
            return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    raise ValueError("expected a positive duration like '90s', '10m', '2h' or '7d'")


def _parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
            return time(int(match.group(1)), int(match.group(2)))
    raise ValueError("expected a time of day like '18:00'")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ClockTime = Annotated[time, BeforeValidator(_parse_clock)]
ChatRef = int | Annotated[str, Field(pattern=r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelConfig(_Strict):
    """One channel newsbot publishes to, with its own language and clock."""

    chat: ChatRef
    name: str = ""
    discussion_group: ChatRef | None = None
    language: Literal["en", "ru"] = "en"
    timezone: str = "UTC"
    post_spacing: Duration = timedelta(minutes=30)
    poll_options: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, min_length=2, max_length=12
    )
    companion_polls: bool = False
    summary_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "sun"
    summary_time: ClockTime = time(18, 0)
    summary_to: Literal["channel", "admins", "both"] = "channel"
    # Whether the summary names the readers it quotes: "ask" (only those who said
    # /quote on), "never", or "always" (all but those who said /quote off).
    summary_names: Literal["ask", "never", "always"] = "ask"
    # A lesson is called most agreed or most contested only with this many votes.
    summary_min_votes: int = Field(default=10, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone like 'Europe/Berlin'") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def key(self) -> str:
        """The name admins type in commands: explicit name, else the chat reference."""
        return self.name or str(self.chat)


class ArticleConfig(_Strict):
    """How articles are segmented into posts."""

    target_length: int = Field(default=1500, ge=200, le=4096)
    max_length: int = Field(default=3500, ge=300, le=4096)
    progress_marks: bool = True
    source_link: bool = True
    keep_boilerplate: bool = False
    boilerplate_patterns: list[str] = [
        r"^leave a comment\b",
        r"^(subscribe|follow us)\b",
        r"^оставьте комментарий",
        r"^подписывайтесь",
    ]
    max_file_bytes: int = Field(default=1_000_000, ge=1)
    # Each lesson becomes a poll: past this an article is refused with the count.
    max_lessons: int = Field(default=50, ge=1, le=500)

    @field_validator("boilerplate_patterns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"expected regular expressions; {pattern!r}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _target_within_max(self) -> ArticleConfig:
        if self.target_length > self.max_length:
            raise ValueError("target_length must not exceed max_length")
        return self


class PublishingConfig(_Strict):
    """Policies for the publishing loop."""

    poll_close_after: Duration = timedelta(days=7)
    missed_slots: Literal["respace", "burst"] = "respace"
    doubt_window: Duration = timedelta(seconds=60)
    # Where no automatic forward can confirm a send that timed out: never post twice.
    timed_out_send: Literal["assume_sent", "resend"] = "assume_sent"
    # Several processes on one PostgreSQL database: how long the publishing one's lease
    # lasts unrenewed before another takes over.
    lease: Duration = timedelta(seconds=60)


class ModerationConfig(_Strict):
    """Rules that hide a comment automatically (moderators are told)."""

    blocked_words: list[str] = []
    block_links: bool = False


class PrivacyConfig(_Strict):
    # Comment texts and authors older than this are erased; counts stay.
    retention_days: int = Field(default=365, ge=1)


class InboxConfig(_Strict):
    """How long raw updates (which hold names and texts) are kept."""

    keep_processed: Duration = timedelta(days=1)
    keep_quarantined: Duration = timedelta(days=30)


class ExportConfig(_Strict):
    # Telegram's upload limit for bots; a larger export is compressed first.
    upload_limit_bytes: int = Field(default=50_000_000, ge=1000)


class WebhookConfig(_Strict):
    """Webhook mode (``newsbot run --webhook URL``): Telegram pushes updates to ``url``, a
    reverse proxy terminating TLS forwards them to ``listen``. No ``url``: long polling."""

    url: str | None = None
    listen: str = "127.0.0.1:8443"
    # Derived from the token when not given (every process of the bot agrees on it).
    secret_token: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("expected the public HTTPS address, like 'https://bot.example.org/tg'")
        if parts.port not in (None, 443, 80, 88, 8443):
            raise ValueError("Telegram sends webhooks only to ports 443, 80, 88 or 8443")
        return value

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError("expected host:port to listen on, like '127.0.0.1:8443'")
        return value

    @field_validator("secret_token")
    @classmethod
    def _telegram_alphabet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("expected 1-256 characters: letters, digits, _ and -")
        return value


class Config(_Strict):
    """The whole configuration; ``load_config`` is the only way to build one from files."""

    token: SecretStr
    api_base_url: str = DEFAULT_API_BASE_URL
    admins: list[int] = []
    moderators: list[int] = []
    database_url: str = DEFAULT_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    channels: list[ChannelConfig] = Field(min_length=1)
    articles: ArticleConfig = ArticleConfig()
    publishing: PublishingConfig = PublishingConfig()
    moderation: ModerationConfig = ModerationConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    export: ExportConfig = ExportConfig()
    inbox: InboxConfig = InboxConfig()
    webhook: WebhookConfig = WebhookConfig()

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("expected a bot token like '123456:ABC...' from @BotFather")
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http(s) URL like 'https://api.telegram.org'")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError(
                "expected an async SQLAlchemy URL: 'sqlite+aiosqlite:///file.db' "
                "or 'postgresql+asyncpg://user@host/db'"
            )
        return value

    @model_validator(mode="after")
    def _unique_channels(self) -> Config:
        keys = [channel.key for channel in self.channels]
        if len(keys) != len(set(keys)):
            raise ValueError("channels: each channel needs a distinct chat or name")
        return self

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log, an error or the terminal: the token and the database
        password."""
        password = urlsplit(self.database_url).password
        return (
            self.token.get_secret_value(),
            self.webhook_secret,
            *([unquote(password)] if password else []),
        )

    @property
    def webhook_secret(self) -> str:
        """What Telegram sends with each webhook request (see ``bot.webhook.secret_for``)."""
        if self.webhook.secret_token is not None:
            return self.webhook.secret_token.get_secret_value()
        return webhook_secret_for(self.token.get_secret_value())

    @property
    def database_display(self) -> str:
        """The database URL with its password masked, for messages and logs."""
        parts = urlsplit(self.database_url)
        if parts.password is None:
            return self.database_url
        user = f"{parts.username}:" if parts.username else ":"
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{user}***@{host}"))

    def channel(self, key: str | int) -> ChannelConfig:
        """Find a configured channel by name, @username or numeric id."""
        wanted = str(key)
        for channel in self.channels:
            if wanted in (channel.key, str(channel.chat)):
                return channel
        raise KeyError(wanted)


def _describe(error: ErrorDetails) -> str:
    location = ""
    for part in error["loc"]:
        if isinstance(part, int):
            location += f"[{part}]"
        elif part in ("function-after[_known_zone, str]",) or "[" in str(part):
            continue
        else:
            location += f".{part}" if location else str(part)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not a known key"
    return f"{location or 'config'}: {message}"


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
    try:
        return Config.model_validate(merged)
    except ValidationError as exc:
        # Only the first problem: one clear line beats a wall of text.
        raise ConfigError(_describe(exc.errors(include_input=False)[0])) from None


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
