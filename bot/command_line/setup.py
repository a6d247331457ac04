"""Setting newsbot up: the configuration, what Telegram lets the bot do, the database
(migrations, moving from SQLite to PostgreSQL)."""

from __future__ import annotations

import argparse

from bot.command_line.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    Commands,
    config_from_args,
    english,
    subcommand,
)
from bot.config import Config


async def _check_config(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    channels = ", ".join(channel.key for channel in config.channels)
    from bot.i18n import counted

    _ = english()
    print(
        _("Configuration OK: {channels}: {names}").format(
            channels=counted("{count} channel", "{count} channels", len(config.channels), _),
            names=channels,
        )
    )
    print(f"database: {config.database_display}")
    return EXIT_OK


async def _doctor(args: argparse.Namespace) -> int:
    """Ask Telegram and the database whether everything newsbot needs holds; one line each."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    from bot.logs import redact
    from bot.rights import Check, channel_access, people_checks
    from bot.runtime.database import schema_state

    config = config_from_args(args)
    checks: list[Check] = []
    bot = Bot(
        config.token.get_secret_value(),
        base_url=f"{config.api_base_url}/bot",
        base_file_url=f"{config.api_base_url}/file/bot",
    )
    try:
        async with bot:
            me = bot.bot
            checks.append(Check("token", True, f"Telegram knows the bot as @{me.username}"))
            for channel in config.channels:
                checks.extend((await channel_access(bot, channel, me)).checks)
            checks.extend(await people_checks(bot, config))
    except InvalidToken:
        checks.append(
            Check("token", False, "Telegram refused the token", "copy it from @BotFather")
        )
    except TelegramError as exc:
        checks.append(
            Check(
                "Telegram",
                False,
                f"not reachable at {config.api_base_url}: {redact(str(exc), config.secrets)}",
                "check api_base_url and the network",
            )
        )
    ok, found, fix = await schema_state(config)
    checks.append(Check("database", ok, found, fix))
    for check in checks:
        print(check.line())
    failed = [check for check in checks if check.required and not check.ok]
    print("Everything newsbot needs holds." if not failed else f"Failed checks: {len(failed)}.")
    return EXIT_OK if not failed else EXIT_FAILED


async def _db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.runtime.database import unavailable
    from db import migrate
    from db.engine import create_engine

    config = config_from_args(args)
    if args.action in ("copy", "check"):
        return await _db_move(config, args)
    engine = create_engine(config.database_url)
    try:
        if args.action == "upgrade":
            await migrate.upgrade(engine, args.revision or "head")
        elif args.action == "downgrade":
            await migrate.downgrade(engine, args.revision or "-1")
        print(f"database at revision {await migrate.current_revision(engine) or 'base (empty)'}")
    except (SQLAlchemyError, OSError) as exc:
        raise unavailable(config, exc) from None
    finally:
        await engine.dispose()
    return EXIT_OK


async def _db_move(config: Config, args: argparse.Namespace) -> int:
    """``db copy --to URL``: this database into an empty one, then checked; ``db check --to
    URL``: each table's rows counted and checksummed on both sides."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import DatabaseUnavailable
    from bot.logs import redact
    from bot.runtime.single_process import hold_database
    from db.copy import CopyError, copy_database, table_checksums
    from db.engine import create_engine

    if not args.to:
        raise CommandError(f"db {args.action}: give --to postgresql+asyncpg://user@host/database")
    if not args.to.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise CommandError("--to: expected postgresql+asyncpg://user@host/database")
    secrets = (*config.secrets, *_password(args.to))
    try:  # a running bot would store what the copy has already passed
        lock = hold_database(config)
    except DatabaseUnavailable as exc:
        raise CommandError(f"db {args.action}: {exc}; stop it first", EXIT_FAILED) from None
    source, target = create_engine(config.database_url), create_engine(args.to)
    try:
        if args.action == "copy":
            copied = await copy_database(
                source, target, lambda table, rows: print(f"{table}: {rows} copied", flush=True)
            )
            print(f"copied {sum(copied.values())} rows; comparing them now", flush=True)
            args.action = "check"
        ours, theirs = await table_checksums(source), await table_checksums(target)
    except CopyError as exc:
        raise CommandError(f"db copy: {exc}") from None
    except (SQLAlchemyError, OSError) as exc:
        raise CommandError(
            redact(f"db {args.action}: {exc.__class__.__name__}: {exc}", secrets)
        ) from None
    finally:
        await source.dispose()
        await target.dispose()
        if lock is not None:
            lock.release()
    differ = [table for table in ours if ours[table] != theirs.get(table)]
    width = max(len(table) for table in ours)
    print(f"{'table':{width}} {'here':>10} {'there':>10}")
    for table, (count, _sum) in ours.items():
        there = theirs.get(table, (0, ""))
        mark = ""
        if table in differ:
            mark = "  <- other rows" if count != there[0] else "  <- same count, other contents"
        print(f"{table:{width}} {count:>10} {there[0]:>10}{mark}")
    if differ:
        print(f"{len(differ)} of {len(ours)} tables differ")
        return EXIT_USAGE
    print(f"all {len(ours)} tables hold the same rows (counted and checksummed)")
    return EXIT_OK


def _password(url: str) -> list[str]:
    from bot.urls import url_credentials

    return url_credentials(url)


def add_commands(commands: Commands) -> None:
    check = subcommand(commands, "check-config", help="validate the configuration and exit")
    check.set_defaults(handler=_check_config)

    doctor = subcommand(
        commands,
        "doctor",
        help="ask Telegram whether the bot has every right it needs; one line a check",
    )
    doctor.set_defaults(handler=_doctor)

    database = subcommand(
        commands, "db", help="database migrations; moving from SQLite to PostgreSQL"
    )
    database.add_argument("action", choices=["upgrade", "downgrade", "current", "copy", "check"])
    database.add_argument("revision", nargs="?", help="target revision (default: head / -1)")
    database.add_argument(
        "--to", metavar="URL", help="copy/check: the other database (postgresql+asyncpg://...)"
    )
    database.set_defaults(handler=_db)
