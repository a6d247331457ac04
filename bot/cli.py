"""The ``newsbot`` command line: one sub-command per job, each a thin call into the core."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A user-caused failure: printed as one line, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config))


async def _check_config(args: argparse.Namespace) -> int:
    config = _config(args)
    channels = ", ".join(channel.key for channel in config.channels)
    print(f"config OK: {len(config.channels)} channel(s): {channels}")
    print(f"database: {config.database_url}")
    return EXIT_OK


async def _db(args: argparse.Namespace) -> int:
    from db import migrate
    from db.engine import create_engine

    engine = create_engine(_config(args).database_url)
    try:
        if args.action == "upgrade":
            await migrate.upgrade(engine, args.revision or "head")
        elif args.action == "downgrade":
            await migrate.downgrade(engine, args.revision or "-1")
        print(f"database at revision {await migrate.current_revision(engine) or 'base (empty)'}")
    finally:
        await engine.dispose()
    return EXIT_OK


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

    check = commands.add_parser("check-config", help="validate the configuration and exit")
    check.set_defaults(handler=_check_config)

    database = commands.add_parser("db", help="database migrations")
    database.add_argument("action", choices=["upgrade", "downgrade", "current"])
    database.add_argument("revision", nargs="?", help="target revision (default: head / -1)")
    database.set_defaults(handler=_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return asyncio.run(handler(args))
    except ConfigError as exc:
        print(f"newsbot: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
