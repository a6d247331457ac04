"""What the bot gathered: the weekly summary and the comment log."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.clock import SystemClock
from bot.command_line.common import (
    EXIT_OK,
    CommandError,
    Commands,
    channel_named,
    config_from_args,
    english,
    plain,
    subcommand,
)


async def _summary(args: argparse.Namespace) -> int:
    from telegram import Bot

    from bot.access import Access
    from bot.runtime.database import database
    from bot.summaries.period import WeekError, parse_week
    from bot.summaries.service import SummaryError, SummaryJobs, build_summary

    config = config_from_args(args)
    channel = channel_named(config, args.channel)
    try:
        period = parse_week(args.week, channel, SystemClock().now())
    except WeekError as exc:
        raise CommandError(exc.text(english())) from None
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
            raise CommandError(exc.text(english())) from None
    print(plain(summary.text.html))
    if args.out:
        if summary.chart is None:
            print("(no votes and no comments that week: no chart)")
        else:
            await asyncio.to_thread(Path(args.out).write_bytes, summary.chart.png)
            print(f"chart written to {args.out}")
    if args.post:
        print(f"posted the summary for {summary.dates} ({period.label})")
    return EXIT_OK


async def _export(args: argparse.Namespace) -> int:
    import shutil

    from bot.export.log import temporary_directory
    from bot.export.request import ExportRequest, export_comments, read_day
    from bot.export.scope import ExportError
    from bot.runtime.database import database

    config = config_from_args(args)
    channels = [channel.key for channel in config.channels]
    if args.channel:
        channel_named(config, args.channel)
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
    print(f"{exported.caption(english())}: written to {args.out}")
    return EXIT_OK


def add_commands(commands: Commands) -> None:
    summary = subcommand(commands, "summary", help="the weekly summary of a channel")
    summary.add_argument("--channel", help="channel name from the config")
    summary.add_argument("--week", help="ISO week like 2026-W47 (default: the latest)")
    summary.add_argument("--post", action="store_true", help="publish it now")
    summary.add_argument("--out", help="write the chart to this PNG file")
    summary.set_defaults(handler=_summary)

    export = subcommand(commands, "export", help="write the comment log to a file")
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
