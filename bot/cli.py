"""The ``newsbot`` command line: the parser, built from each group's sub-commands
(``bot.command_line``), and the one place a command's failure becomes an exit code."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot import __version__
from bot.articles.errors import ArticleError
from bot.command_line import articles, reports, running, setup
from bot.command_line.common import EXIT_FAILED, EXIT_USAGE, CommandError
from bot.config import DEFAULT_CONFIG_PATH, ConfigError, DatabaseUnavailable

Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Publish long articles to Telegram channels and collect the discussion.",
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    parser.add_argument(
        "--config",
        default=str(DEFAULT_CONFIG_PATH),
        help="path to the TOML configuration (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in (setup, articles, running, reports):
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # The parser is not kept: a running bot has no use for its 160 KiB of options and help.
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return asyncio.run(handler(args))
    except ConfigError as exc:
        print(f"newsbot: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseUnavailable as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (CommandError, ArticleError) as exc:
        code = exc.exit_code if isinstance(exc, CommandError) else EXIT_USAGE
        print(f"newsbot: {exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
