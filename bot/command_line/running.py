"""Running the bot (polling or webhook), its Bot API emulator and demo, and the updates
set aside in its inbox."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.clock import SystemClock
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
from bot.config import Config, ConfigError


async def _run(args: argparse.Namespace) -> int:
    import signal

    from bot.app import NewsBot
    from bot.logs import configure_logging

    config = _receiving(config_from_args(args), args)
    configure_logging(config.log_level, config.secrets)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with NewsBot(config) as newsbot:
        _ = english()
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
        "max_connections": current.max_connections,
    }
    try:
        webhook = read_struct(WebhookConfig, wanted)
    except ConfigError as exc:
        option = "--webhook" if exc.key == "url" else "--listen"
        raise CommandError(f"{option}: {exc.reason}") from None
    if webhook.url is None:
        raise CommandError("--listen: give --webhook URL too (or set [webhook] url in the config)")
    return config.replace(webhook=webhook)


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


async def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    await run_demo(keep=args.keep)
    return EXIT_OK


async def _inbox(args: argparse.Namespace) -> int:
    from bot.inbox import drop_quarantined, quarantined_updates, retry_quarantined
    from bot.runtime.database import database

    config = config_from_args(args)
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


def add_commands(commands: Commands) -> None:
    run = subcommand(
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

    inbox = subcommand(commands, "inbox", help="updates set aside after failing: list, retry, drop")
    inbox.add_argument(
        "action",
        choices=["list", "retry", "drop"],
        help="list the updates set aside; retry or drop the ones named",
    )
    inbox.add_argument(
        "update_ids", nargs="*", type=int, metavar="UPDATE_ID", help="as `inbox list` shows them"
    )
    inbox.set_defaults(handler=_inbox)

    demo = subcommand(commands, "demo", help="the whole flow on a local emulator, no token needed")
    demo.add_argument(
        "--keep", action="store_true", help="keep the demo's database and chart afterwards"
    )
    demo.set_defaults(handler=_demo)

    emulator = subcommand(commands, "emulator", help="run the Bot API emulator on loopback")
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
