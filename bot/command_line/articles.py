"""Articles from the command line: import, preview, publish and the schedule's status."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from bot.articles.errors import ArticleError
from bot.clock import SystemClock
from bot.command_line.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    Commands,
    add_article_options,
    channel_named,
    config_from_args,
    config_or_defaults,
    english,
    plain,
    read_article,
    subcommand,
)
from bot.config import ChannelConfig, Config, DatabaseUnavailable


async def _import(args: argparse.Namespace) -> int:
    from bot.articles.importer import import_article
    from bot.runtime.database import database

    config = config_from_args(args)
    channel = channel_named(config, args.channel)
    if re.match(r"^[a-z][a-z0-9+.-]*://", args.file, re.IGNORECASE):
        return await _import_link(args, config, channel)
    data = read_article(args.file, config)
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


async def _import_link(args: argparse.Namespace, config: Config, channel: ChannelConfig) -> int:
    """A link: fetched here (outside any transaction), then stored."""
    from bot.articles.links import check_link, import_link
    from bot.runtime.database import database

    clock = SystemClock()
    try:
        check_link(args.file, config)
    except ArticleError as exc:
        raise CommandError(f"could not import {args.file}: {exc}") from None
    async with database(config, clock) as sessions:
        outcome = await import_link(
            sessions, config, channel, args.file, lessons=args.lessons, actor_id=None, clock=clock
        )
    if outcome.error is not None:
        raise CommandError(f"could not import {args.file}: {outcome.error}")
    result = outcome.result
    assert result is not None
    lessons = sum(len(post.lessons) for post in result.posts)
    state = "imported" if result.created else "already imported"
    if not result.created:
        state += ", the page changed since" if result.changed else ", the page is unchanged"
    print(
        f"article {result.article.id} {state}: {result.article.title!r}: "
        f"{len(result.posts)} posts, {lessons} lessons (channel {channel.key})"
    )
    return EXIT_OK


def _is_article_id(source: str) -> bool:
    return source.isdigit() and not os.path.exists(source)


async def _preview(args: argparse.Namespace) -> int:
    from bot.articles.importer import build_posts, posts_from_segments
    from bot.articles.preview import preview_json, preview_text
    from bot.config import config_from_mapping

    config = config_or_defaults(args)
    if not _is_article_id(args.source):
        settings = config or config_from_mapping(
            {"token": "1000:preview-only-placeholder-token", "channels": [{"chat": -1}]}, env={}
        )
        data = read_article(args.source, config)
        posts = build_posts(
            data,
            settings,
            name=Path(args.source).name,
            source_format=args.format,
            lessons=args.lessons,
        ).posts
        options = settings.channels[0].poll_options
    else:
        from bot.runtime.database import database
        from db.queries.articles import article_with_segments

        if config is None:
            config = config_from_args(args)
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


async def _publish(args: argparse.Namespace) -> int:
    from bot.publishing.report import scheduled_text
    from bot.publishing.service import PublishingError, schedule_article
    from bot.publishing.timing import TimingError, parse_publish_arguments
    from bot.runtime.database import database

    config = config_from_args(args)
    channel = channel_named(config, args.channel)
    words = [*(args.start.split() if args.start else []), *([args.every] if args.every else [])]
    try:
        request = parse_publish_arguments(
            words, [], SystemClock().now(), {channel.key: channel.zone}, channel.key
        )
    except TimingError as exc:
        raise CommandError(exc.text(english())) from None
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
            raise CommandError(exc.text(english())) from None
        print(plain(scheduled_text(english(), result, channel.key, channel.zone)))
    print("A running bot picks the schedule up within 30 seconds.")
    return EXIT_OK


async def _status(args: argparse.Namespace) -> int:
    from bot.inbox import quarantined_count
    from bot.publishing.report import status_text
    from bot.publishing.service import status
    from bot.runtime.database import database
    from bot.runtime.single_process import sqlite_file
    from bot.runtime.storage import folder_problem

    config = config_from_args(args)
    sqlite_path = sqlite_file(config.database_url)
    if sqlite_path is not None and (problem := folder_problem(sqlite_path.resolve().parent)):
        # First, and from outside: the database itself may not even open.
        print(f"Storage: {problem}: the bot takes no updates until it can store them again\n")
    try:
        async with database(config, SystemClock()) as sessions, sessions() as session:
            entries = await status(session)
            zones = {c.key: c.zone for c in config.channels}
            print(plain(status_text(english(), entries, zones)))
            set_aside = await quarantined_count(session)
    except DatabaseUnavailable as exc:
        if not exc.server_gone:
            raise
        # The state of things during an outage: what a running bot does meanwhile.
        print(
            f"Database: {exc}; its server does not answer.\n"
            "A running bot waits for it: it takes no updates meanwhile (Telegram keeps them "
            "for 24 hours), tries again with growing pauses, says so once in its log (and on "
            "/healthz behind a webhook), and resumes by itself; nothing is lost. Posts that "
            "fell due meanwhile are re-spaced from the moment it resumes."
        )
        return EXIT_FAILED
    if set_aside:
        print(f"\nQuarantined updates: {set_aside} (newsbot inbox list)")
    return EXIT_OK


def add_commands(commands: Commands) -> None:
    importer = subcommand(commands, "import", help="import an article file or link for a channel")
    importer.add_argument("file", help="article: .txt, .md or .html (UTF-8), or an http(s) link")
    importer.add_argument("--channel", help="channel name from the config")
    add_article_options(importer)
    importer.set_defaults(handler=_import)

    preview = subcommand(commands, "preview", help="show the posts an article becomes")
    preview.add_argument("source", help="an article file, or the id of an imported article")
    preview.add_argument("--json", action="store_true", help="print the posts as JSON")
    add_article_options(preview)
    preview.set_defaults(handler=_preview)

    publish = subcommand(commands, "publish", help="schedule an imported article")
    publish.add_argument("article_id", type=int)
    publish.add_argument("--channel", help="channel name from the config")
    publish.add_argument("--start", help="now, 18:00 or '2026-12-01 09:00' (channel time zone)")
    publish.add_argument("--every", help="spacing between posts, like 10m or 2h")
    publish.set_defaults(handler=_publish)

    status = subcommand(commands, "status", help="what is scheduled, posted and failed")
    status.set_defaults(handler=_status)
