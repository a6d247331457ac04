"""What the command line's groups share: reading the config, naming a channel, printing
plainly, exit codes and the one error that ends a command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from bot.config import DEFAULT_CONFIG_PATH, ChannelConfig, Config, load_config

if TYPE_CHECKING:
    from bot.i18n import Translator

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CommandError(Exception):
    """A user-caused failure: printed as one line, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config))


def config_or_defaults(args: argparse.Namespace) -> Config | None:
    """Previewing a file works without any config; a given but broken config still fails."""
    if args.config == str(DEFAULT_CONFIG_PATH) and not Path(args.config).exists():
        return None
    return config_from_args(args)


def read_article(path: str, config: Config | None) -> bytes:
    from bot.articles.loader import read_article_file
    from bot.config import ArticleConfig

    return read_article_file(Path(path), config.articles if config else ArticleConfig())


def channel_named(config: Config, key: str | None) -> ChannelConfig:
    if key is None:
        if len(config.channels) == 1:
            return config.channels[0]
        names = ", ".join(channel.key for channel in config.channels)
        raise CommandError(f"--channel is required: one of {names}")
    try:
        return config.channel(key)
    except KeyError:
        names = ", ".join(channel.key for channel in config.channels)
        raise CommandError(f"unknown channel {key!r}; configured: {names}") from None


def english() -> Translator:
    from bot.i18n import translator

    return translator("en")


def plain(html: str) -> str:
    import html as html_module
    import re

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def add_article_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=["text", "markdown", "html"], help="override format detection"
    )
    parser.add_argument(
        "--lessons",
        help="which lists are lessons: 'auto' (keywords), 'none', or list numbers like '1,3'",
    )


def subcommand(commands: Commands, name: str, **options: Any) -> argparse.ArgumentParser:
    """A subcommand that also takes --config after its name (newsbot run --config x.toml)."""
    parser = commands.add_parser(name, **options)
    parser.add_argument(
        "--config", default=argparse.SUPPRESS, help="path to the TOML configuration"
    )
    return parser
