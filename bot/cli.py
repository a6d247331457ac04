"""The ``newsbot`` command line: one sub-command per job, each a thin call into the core."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.articles.errors import ArticleError
from bot.clock import SystemClock

if TYPE_CHECKING:
    from bot.i18n import Translator
from bot.config import (
    DEFAULT_CONFIG_PATH,
    ChannelConfig,
    Config,
    ConfigError,
    DatabaseUnavailable,
    load_config,
)

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
    from bot.i18n import counted

    _ = _translator()
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

    config = _config(args)
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
    ok, found = await schema_state(config)
    checks.append(Check("database", ok, found, "run newsbot db upgrade (or newsbot run)"))
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

    config = _config(args)
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
    """``db copy --to URL``: this database into an empty one; ``db check --to URL``: the
    rows of each table, side by side."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.logs import redact
    from db.copy import CopyError, copy_database, row_counts
    from db.engine import create_engine

    if not args.to:
        raise CommandError(f"db {args.action}: give --to postgresql+asyncpg://user@host/database")
    if not args.to.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise CommandError("--to: expected postgresql+asyncpg://user@host/database")
    secrets = (*config.secrets, *_password(args.to))
    source, target = create_engine(config.database_url), create_engine(args.to)
    try:
        if args.action == "copy":
            copied = await copy_database(
                source, target, lambda table, rows: print(f"{table}: {rows} copied", flush=True)
            )
            print(f"copied {sum(copied.values())} rows; newsbot db check --to ... compares them")
            args.action = "check"
        ours, theirs = await row_counts(source), await row_counts(target)
    except CopyError as exc:
        raise CommandError(f"db copy: {exc}") from None
    except (SQLAlchemyError, OSError) as exc:
        raise CommandError(
            redact(f"db {args.action}: {exc.__class__.__name__}: {exc}", secrets)
        ) from None
    finally:
        await source.dispose()
        await target.dispose()
    differ = [table for table in ours if ours[table] != theirs.get(table)]
    width = max(len(table) for table in ours)
    print(f"{'table':{width}} {'here':>10} {'there':>10}")
    for table, count in ours.items():
        mark = "  <- differs" if table in differ else ""
        print(f"{table:{width}} {count:>10} {theirs.get(table, 0):>10}{mark}")
    if differ:
        print(f"{len(differ)} of {len(ours)} tables differ")
        return EXIT_USAGE
    print(f"all {len(ours)} tables hold the same number of rows")
    return EXIT_OK


def _password(url: str) -> list[str]:
    from bot.urls import url_credentials

    return url_credentials(url)


def _config_or_defaults(args: argparse.Namespace) -> Config | None:
    """Previewing a file works without any config; a given but broken config still fails."""
    if args.config == str(DEFAULT_CONFIG_PATH) and not Path(args.config).exists():
        return None
    return _config(args)


def _read_article(path: str, config: Config | None) -> bytes:
    from bot.articles.loader import read_article_file
    from bot.config import ArticleConfig

    return read_article_file(Path(path), config.articles if config else ArticleConfig())


async def _import(args: argparse.Namespace) -> int:
    from bot.articles.importer import import_article
    from bot.runtime.database import database

    config = _config(args)
    channel = _channel(config, args.channel)
    data = _read_article(args.file, config)
    async with database(config, SystemClock()) as sessions, sessions.begin() as session:
        result = await import_article(
            session,
            data,
            config,
            channel,
            name=Path(args.file).name,
            source_format=args.format,
            lessons=args.lessons,
            at=SystemClock().now(),
        )
        lessons = sum(len(post.lessons) for post in result.posts)
        state = "imported" if result.created else "already imported"
        print(
            f"article {result.article.id} {state}: {result.article.title!r}: "
            f"{len(result.posts)} posts, {lessons} lessons (channel {channel.key})"
        )
    return EXIT_OK


async def _emulator(args: argparse.Namespace) -> int:
    from bot.emulator.standalone import parse_route, serve

    try:
        routes = [parse_route(route) for route in args.webhook_route]
    except ValueError as exc:
        print(f"--webhook-route: {exc}", file=sys.stderr)
        return EXIT_USAGE
    await serve(
        args.port, args.token, Path(args.write_config) if args.write_config else None, routes
    )
    return EXIT_OK


async def _run(args: argparse.Namespace) -> int:
    import signal

    from bot.app import NewsBot
    from bot.logs import configure_logging

    config = _receiving(_config(args), args)
    configure_logging(config.log_level, config.secrets)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with NewsBot(config) as newsbot:
        _ = _translator()
        print(
            _.ngettext(
                "newsbot is running for {count} channel; Ctrl-C stops it.",
                "newsbot is running for {count} channels; Ctrl-C stops it.",
                len(config.channels),
            ).format(count=len(config.channels)),
            flush=True,
        )
        await newsbot.run(stop)
    return EXIT_OK


def _receiving(config: Config, args: argparse.Namespace) -> Config:
    """``--webhook URL [--listen HOST:PORT]`` or ``--polling`` over what the config says."""
    from bot.config import WebhookConfig, read_struct

    if args.polling:
        return config.replace(webhook=WebhookConfig())
    if args.webhook is None and args.listen is None:
        return config
    current = config.webhook
    wanted = {
        "url": args.webhook or current.url,
        "listen": args.listen or current.listen,
        "secret_token": current.secret_token,
    }
    try:
        webhook = read_struct(WebhookConfig, wanted)
    except ConfigError as exc:
        option = "--webhook" if exc.key == "url" else "--listen"
        raise CommandError(f"{option}: {exc.reason}") from None
    if webhook.url is None:
        raise CommandError("--listen: give --webhook URL too (or set [webhook] url in the config)")
    return config.replace(webhook=webhook)


async def _publish(args: argparse.Namespace) -> int:
    from bot.publishing.report import scheduled_text
    from bot.publishing.service import PublishingError, schedule_article
    from bot.publishing.timing import TimingError, parse_publish_arguments
    from bot.runtime.database import database

    config = _config(args)
    channel = _channel(config, args.channel)
    words = [*(args.start.split() if args.start else []), *([args.every] if args.every else [])]
    try:
        request = parse_publish_arguments(
            words, [], SystemClock().now(), {channel.key: channel.zone}, channel.key
        )
    except TimingError as exc:
        raise CommandError(exc.text(_translator())) from None
    async with database(config, SystemClock()) as sessions, sessions.begin() as session:
        try:
            result = await schedule_article(
                session,
                args.article_id,
                channel,
                request.start,
                request.every,
                actor_id=None,
                now=SystemClock().now(),
            )
        except PublishingError as exc:
            raise CommandError(exc.text(_translator())) from None
        print(_plain(scheduled_text(_translator(), result, channel.key, channel.zone)))
    print("A running bot picks the schedule up within 30 seconds.")
    return EXIT_OK


async def _status(args: argparse.Namespace) -> int:
    from bot.inbox import quarantined_count
    from bot.publishing.report import status_text
    from bot.publishing.service import status
    from bot.runtime.database import database
    from bot.runtime.single_process import sqlite_file
    from bot.runtime.storage import folder_problem

    config = _config(args)
    sqlite_path = sqlite_file(config.database_url)
    if sqlite_path is not None and (problem := folder_problem(sqlite_path.resolve().parent)):
        # First, and from outside: the database itself may not even open.
        print(f"Storage: {problem}: the bot takes no updates until it can store them again\n")
    async with database(config, SystemClock()) as sessions, sessions() as session:
        entries = await status(session)
        zones = {c.key: c.zone for c in config.channels}
        print(_plain(status_text(_translator(), entries, zones)))
        set_aside = await quarantined_count(session)
    if set_aside:
        print(f"\nQuarantined updates: {set_aside} (newsbot inbox list)")
    return EXIT_OK


async def _inbox(args: argparse.Namespace) -> int:
    from bot.inbox import drop_quarantined, quarantined_updates, retry_quarantined
    from bot.runtime.database import database

    config = _config(args)
    if args.action != "list" and not args.update_ids:
        raise CommandError(f"newsbot inbox {args.action} needs update ids (see newsbot inbox list)")
    async with database(config, SystemClock()) as sessions, sessions.begin() as session:
        if args.action == "list":
            rows = await quarantined_updates(session)
            for row in rows:
                kind = next((key for key in row.payload if key != "update_id"), "?")
                when = (
                    row.quarantined_at.isoformat(timespec="seconds") if row.quarantined_at else ""
                )
                print(f"{row.update_id}\t{kind}\t{when}\t{row.attempts}\t{row.error or ''}")
            print(f"Quarantined updates: {len(rows)}" if rows else "No quarantined updates.")
            return EXIT_OK
        if args.action == "retry":
            count = await retry_quarantined(session, args.update_ids)
            print(f"Back in the queue: {count}; the running bot takes them next.")
        else:
            count = await drop_quarantined(session, args.update_ids, SystemClock().now())
            print(f"Dropped: {count}.")
    if count < len(args.update_ids):
        raise CommandError("some of those ids are not quarantined updates", EXIT_FAILED)
    return EXIT_OK


async def _summary(args: argparse.Namespace) -> int:
    from telegram import Bot

    from bot.access import Access
    from bot.runtime.database import database
    from bot.summaries.period import WeekError, parse_week
    from bot.summaries.service import SummaryError, SummaryJobs, build_summary

    config = _config(args)
    channel = _channel(config, args.channel)
    try:
        period = parse_week(args.week, channel, SystemClock().now())
    except WeekError as exc:
        raise CommandError(exc.text(_translator())) from None
    async with database(config, SystemClock()) as sessions:
        try:
            if args.post:
                bot = Bot(
                    config.token.get_secret_value(),
                    base_url=f"{config.api_base_url}/bot",
                    base_file_url=f"{config.api_base_url}/file/bot",
                )
                async with bot:
                    clock = SystemClock()
                    # The admins' copies wait in the outbox for the running bot to send.
                    jobs = SummaryJobs(sessions, bot, config, clock, Access(config, bot, clock))
                    summary = await jobs.post_now(channel, period)
            else:
                async with sessions() as session:
                    summary = await build_summary(session, channel, period)
        except SummaryError as exc:
            raise CommandError(exc.text(_translator())) from None
    print(_plain(summary.text.html))
    if args.out:
        if not summary.charts:
            print("(no votes and no comments that week: no chart)")
        for number, chart in enumerate(summary.charts, start=1):
            out = Path(args.out)
            path = out if number == 1 else out.with_stem(f"{out.stem}-{number}")
            await asyncio.to_thread(path.write_bytes, chart.png)
            print(f"chart written to {path}")
    if args.post:
        print(f"posted the summary for {summary.dates} ({period.label})")
    return EXIT_OK


async def _export(args: argparse.Namespace) -> int:
    import shutil

    from bot.export.log import temporary_directory
    from bot.export.request import ExportRequest, export_comments, read_day
    from bot.export.scope import ExportError
    from bot.runtime.database import database

    config = _config(args)
    channels = [channel.key for channel in config.channels]
    if args.channel:
        _channel(config, args.channel)
    directory = temporary_directory()
    try:
        request = ExportRequest(
            args.channel,
            args.article,
            read_day(args.since) if args.since else None,
            read_day(args.until) if args.until else None,
            args.format,
            args.hidden,
        )
        async with database(config, SystemClock()) as sessions, sessions() as session:
            # The command line writes where asked; no upload limit applies.
            exported = await export_comments(
                session,
                request,
                channels,
                directory,
                every_channel=True,
                upload_limit=2**62,
                now=SystemClock().now(),
            )
        await asyncio.to_thread(shutil.move, exported.file.path, args.out)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    finally:
        await asyncio.to_thread(shutil.rmtree, directory, True)
    print(f"{exported.caption(_translator())}: written to {args.out}")
    return EXIT_OK


def _translator() -> Translator:
    from bot.i18n import translator

    return translator("en")


def _plain(html: str) -> str:
    import html as html_module
    import re

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


async def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    await run_demo(keep=args.keep)
    return EXIT_OK


def _is_article_id(source: str) -> bool:
    return source.isdigit() and not os.path.exists(source)


async def _preview(args: argparse.Namespace) -> int:
    from bot.articles.importer import build_posts, posts_from_segments
    from bot.articles.preview import preview_json, preview_text
    from bot.config import config_from_mapping

    config = _config_or_defaults(args)
    if not _is_article_id(args.source):
        settings = config or config_from_mapping(
            {"token": "1000:preview-only-placeholder-token", "channels": [{"chat": -1}]}, env={}
        )
        data = _read_article(args.source, config)
        *_, posts = build_posts(
            data,
            settings,
            name=Path(args.source).name,
            source_format=args.format,
            lessons=args.lessons,
        )
        options = settings.channels[0].poll_options
    else:
        from bot.runtime.database import database
        from db.queries.articles import article_with_segments

        if config is None:
            config = _config(args)
        async with database(config, SystemClock()) as sessions, sessions() as session:
            article = await article_with_segments(session, int(args.source))
            if article is None:
                raise CommandError(f"no article {args.source}; see `newsbot import`")
            posts = posts_from_segments(article.segments)
            key = article.channel.key if article.channel is not None else None
        channel = next((c for c in config.channels if c.key == key), config.channels[0])
        options = channel.poll_options
    print(preview_json(posts, options) if args.json else preview_text(posts, options))
    return EXIT_OK


def _channel(config: Config, key: str | None) -> ChannelConfig:
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


def _add_article_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=["text", "markdown", "html"], help="override format detection"
    )
    parser.add_argument(
        "--lessons",
        help="which lists are lessons: 'auto' (keywords), 'none', or list numbers like '1,3'",
    )


def _subcommand(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, **options: Any
) -> argparse.ArgumentParser:
    """A subcommand that also takes --config after its name (newsbot run --config x.toml)."""
    parser = commands.add_parser(name, **options)
    parser.add_argument(
        "--config", default=argparse.SUPPRESS, help="path to the TOML configuration"
    )
    return parser


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

    check = _subcommand(commands, "check-config", help="validate the configuration and exit")
    check.set_defaults(handler=_check_config)

    doctor = _subcommand(
        commands,
        "doctor",
        help="ask Telegram whether the bot has every right it needs; one line a check",
    )
    doctor.set_defaults(handler=_doctor)

    database = _subcommand(
        commands, "db", help="database migrations; moving from SQLite to PostgreSQL"
    )
    database.add_argument("action", choices=["upgrade", "downgrade", "current", "copy", "check"])
    database.add_argument("revision", nargs="?", help="target revision (default: head / -1)")
    database.add_argument(
        "--to", metavar="URL", help="copy/check: the other database (postgresql+asyncpg://...)"
    )
    database.set_defaults(handler=_db)
    importer = _subcommand(commands, "import", help="import an article file for a channel")
    importer.add_argument("file", help="article: .txt, .md or .html (UTF-8)")
    importer.add_argument("--channel", help="channel name from the config")
    _add_article_options(importer)
    importer.set_defaults(handler=_import)

    preview = _subcommand(commands, "preview", help="show the posts an article becomes")
    preview.add_argument("source", help="an article file, or the id of an imported article")
    preview.add_argument("--json", action="store_true", help="print the posts as JSON")
    _add_article_options(preview)
    preview.set_defaults(handler=_preview)

    run = _subcommand(
        commands, "run", help="run the bot: upgrade the database, receive updates, publish"
    )
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates by webhook at this public HTTPS address (behind a TLS proxy)",
    )
    run.add_argument(
        "--listen", metavar="HOST:PORT", help="where the webhook listens (default 127.0.0.1:8443)"
    )
    run.add_argument(
        "--polling", action="store_true", help="long polling even if the config sets a webhook"
    )
    run.set_defaults(handler=_run)

    publish = _subcommand(commands, "publish", help="schedule an imported article")
    publish.add_argument("article_id", type=int)
    publish.add_argument("--channel", help="channel name from the config")
    publish.add_argument("--start", help="now, 18:00 or '2026-12-01 09:00' (channel time zone)")
    publish.add_argument("--every", help="spacing between posts, like 10m or 2h")
    publish.set_defaults(handler=_publish)

    status = _subcommand(commands, "status", help="what is scheduled, posted and failed")
    status.set_defaults(handler=_status)

    inbox = _subcommand(
        commands, "inbox", help="updates set aside after failing: list, retry, drop"
    )
    inbox.add_argument(
        "action",
        choices=["list", "retry", "drop"],
        help="list the updates set aside; retry or drop the ones named",
    )
    inbox.add_argument(
        "update_ids", nargs="*", type=int, metavar="UPDATE_ID", help="as `inbox list` shows them"
    )
    inbox.set_defaults(handler=_inbox)

    demo = _subcommand(commands, "demo", help="the whole flow on a local emulator, no token needed")
    demo.add_argument(
        "--keep", action="store_true", help="keep the demo's database and chart afterwards"
    )
    demo.set_defaults(handler=_demo)

    summary = _subcommand(commands, "summary", help="the weekly summary of a channel")
    summary.add_argument("--channel", help="channel name from the config")
    summary.add_argument("--week", help="ISO week like 2026-W47 (default: the latest)")
    summary.add_argument("--post", action="store_true", help="publish it now")
    summary.add_argument("--out", help="write the chart to this PNG file")
    summary.set_defaults(handler=_summary)

    export = _subcommand(commands, "export", help="write the comment log to a file")
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument(
        "--format",
        choices=["csv", "json", "jsonl", "telegram-json"],
        default="csv",
        help="telegram-json: Telegram Desktop's export layout (result.json), one channel",
    )
    export.add_argument("--channel", help="only this channel")
    export.add_argument("--article", type=int, help="only this article")
    export.add_argument("--since", help="from this day (YYYY-MM-DD, UTC)")
    export.add_argument("--until", help="to this day, inclusive (YYYY-MM-DD, UTC)")
    export.add_argument("--hidden", action="store_true", help="include hidden comments")
    export.set_defaults(handler=_export)

    emulator = _subcommand(commands, "emulator", help="run the Bot API emulator on loopback")
    emulator.add_argument("--port", type=int, default=8081, help="port (0: any free port)")
    emulator.add_argument("--token", help="bot token to accept (default: a random one)")
    emulator.add_argument("--write-config", help="write a newsbot config for it to this path")
    emulator.add_argument(
        "--webhook-route",
        action="append",
        default=[],
        metavar="PUBLIC=LOCAL[,LOCAL]",
        help="deliver a webhook set on the HTTPS address PUBLIC to LOCAL (taking turns among "
        "several), as the TLS proxy in front of newsbot run --webhook would",
    )
    emulator.set_defaults(handler=_emulator)
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
