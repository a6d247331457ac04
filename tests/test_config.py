from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, config_from_mapping, load_config
from tests.conftest import PROJECT_ROOT, TEST_TOKEN


def test_example_config_loads_with_every_documented_section() -> None:
    config = load_config(PROJECT_ROOT / "config.example.toml", env={})
    channel = config.channel("news")
    assert channel.timezone == "Asia/Jerusalem"
    assert channel.post_spacing == timedelta(minutes=30)
    assert channel.summary_time == time(9, 0)
    assert config.articles.max_length <= 4096
    assert config.publishing.poll_close_after == timedelta(days=7)


def test_environment_overrides_token_and_database(config_data: dict[str, Any]) -> None:
    env = {
        "NEWSBOT_TOKEN": "111222333:FROMenvFROMenvFROMenv_xyz",
        "NEWSBOT_DATABASE_URL": "postgresql+asyncpg://u@localhost/db",
    }
    config = config_from_mapping(config_data, env)
    assert config.token.get_secret_value().startswith("111222333:")
    assert config.database_url.startswith("postgresql+asyncpg")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"token": None}, "token: is required"),
        ({"token": "not-a-token"}, "token: expected a bot token"),
        ({"database_url": "sqlite:///x.db"}, "database_url: expected an async SQLAlchemy URL"),
        ({"api_base_url": "ftp://x"}, "api_base_url: expected an http(s) URL"),
        ({"log_level": "LOUD"}, "log_level: Invalid enum value 'LOUD'"),
        ({"channels": []}, "channels: Expected `array` of length >= 1"),
        ({"admins": ["bob"]}, "admins[0]: Expected `int`, got `str`"),
        ({"colour": "blue"}, "colour: is not a known key"),
        (
            {"channels": [{"chat": -1, "timezone": "Mars/Base"}]},
            "channels[0].timezone: expected an IANA time zone",
        ),
        (
            {"channels": [{"chat": -1, "post_spacing": "soon"}]},
            "channels[0].post_spacing: expected a positive duration",
        ),
        (
            {"channels": [{"chat": -1, "summary_time": "25:00"}]},
            "channels[0].summary_time: expected a time of day",
        ),
        ({"channels": [{"chat": -1, "summary_day": "someday"}]}, "channels[0].summary_day:"),
        ({"channels": [{"chat": -1, "poll_options": ["only one"]}]}, "channels[0].poll_options:"),
        ({"channels": [{"chat": "no spaces allowed"}]}, "channels[0].chat: expected a chat id"),
        (
            {"channels": [{"chat": -1, "discussion_group": "x"}]},
            "channels[0].discussion_group: expected a chat id",
        ),
        ({"channels": [{"chat": -1}, {"chat": -1}]}, "each channel needs a distinct"),
        ({"articles": {"target_length": 4000, "max_length": 3000}}, "target_length must not"),
        ({"articles": {"boilerplate_patterns": ["(unclosed"]}}, "articles.boilerplate_patterns"),
    ],
)
def test_each_bad_value_names_its_key_and_never_the_token(
    config_data: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    data = {**config_data, **change}
    data = {key: value for key, value in data.items() if value is not None}
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(data, env={})
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert TEST_TOKEN not in message


def test_token_never_in_repr_or_message(config_data: dict[str, Any]) -> None:
    config = config_from_mapping(config_data, env={})
    assert TEST_TOKEN not in repr(config)
    assert TEST_TOKEN not in str(config)
    bad = {**config_data, "token": TEST_TOKEN + " with junk"}
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(bad, env={})
    assert TEST_TOKEN not in str(caught.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("token = [unterminated", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, env={})


def test_every_credential_a_database_url_carries_is_masked() -> None:
    from bot.urls import mask_url, url_credentials

    url = "postgresql+asyncpg://u:p%40ss@h/db?sslpassword=k3y&application_name=newsbot"
    assert (
        mask_url(url) == "postgresql+asyncpg://u:***@h/db?sslpassword=***&application_name=newsbot"
    )
    assert {"p%40ss", "p@ss", "k3y"} <= set(url_credentials(url))
    assert url_credentials("sqlite+aiosqlite:///newsbot.db") == []
