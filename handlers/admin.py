"""Admin commands in a private chat about the articles themselves: import, /articles,
preview, status and channels (when they go out: ``handlers.schedule``).

The article readers and the segmenter load with the first command that needs them: an
idle bot does not carry them (``bench/idle_memory_bench.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from telegram import Document, Update

from bot import outbox
from bot.articles.errors import ArticleError
from bot.articles.importer import import_article, posts_from_segments
from bot.articles.library import find_article, recent_articles
from bot.articles.links import article_choices, check_link, request_import
from bot.articles.preview import default_poll_options
from bot.channels import steered_channel_ids, stored_channel
from bot.config import ChannelConfig
from bot.i18n import N_
from bot.numbers import fits_row_id, typed_number
from bot.publishing import report
from bot.publishing.report import next_steps
from bot.publishing.service import (
    PublishingError,
    finished_recently,
    status,
)
from bot.telegram.html import bold
from db.models import Button
from handlers.buttons import offer, with_mini_app
from handlers.common import Context, arguments, language_of, reply


def article_id_in(words: list[str]) -> int | None:
    """The article number a command starts with (None: no number there); a number no
    article can have is answered as one that does not exist."""
    number = typed_number(words[0]) if words else None
    if number is not None and not fits_row_id(number):
        raise PublishingError(N_("There is no article {id}; see /articles."), id=words[0])
    return number


LINK = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


async def import_command(update: Update, context: Context) -> None:
    """/import as the caption of a file, or in reply to one, or with a link; or a link
    sent alone: store the article (a link is fetched by the sources' loop)."""
    _ = context.translate
    message = update.effective_message
    assert message is not None
    document: Document | None = message.document or (
        message.reply_to_message.document if message.reply_to_message else None
    )
    config = context.services.config
    usage = _(
        "Send the article as a file with the caption /import [channel] [lessons=1,3], "
        "or send its link."
    )
    text = (message.text or "").strip()
    words = [] if LINK.fullmatch(text) else arguments(update, context)
    link = text if LINK.fullmatch(text) else next((w for w in words if LINK.fullmatch(w)), None)
    if document is None and link is None:
        await reply(update, usage)
        return
    keys = steered_keys(context)
    named: str | None = keys[0] if len(keys) == 1 else None
    lessons = None
    for word in words:
        if word == link:
            continue
        if word in keys:
            named = word
        elif word.startswith("lessons=") and len(word) <= 200:
            lessons = word.removeprefix("lessons=")
        else:
            await reply(update, usage)
            return
    if link is not None:
        await _ask_or_import_link(update, context, link, lessons, named, keys)
        return
    assert document is not None
    if document.file_size and document.file_size > config.articles.max_file_bytes:
        await reply(
            update,
            _("That file is too large: the limit is {limit:,} bytes.").format(
                limit=config.articles.max_file_bytes
            ),
        )
        return
    request = ImportRequest(document.file_id, document.file_name or "article", lessons)
    if named is None:
        # Several channels: which one the article is for decides its language and team.
        markup, tokens = offer(
            update, [[(key, "import_to", request.argument(key))] for key in keys]
        )
        await reply(update, _("Which channel is this article for?"), markup=markup,
                    buttons=tokens)  # fmt: skip
        return
    await _import(update, context, request, config.channel(named))


async def _ask_or_import_link(
    update: Update,
    context: Context,
    link: str,
    lessons: str | None,
    named: str | None,
    keys: list[str],
) -> None:
    _ = context.translate
    check_link(link, context.services.config)  # a bad link is answered before any question
    if named is not None:
        await _import_link(update, context, link, lessons, context.services.config.channel(named))
        return
    arguments_of = {key: json.dumps([key, link, lessons]) for key in keys}
    if any(len(argument) > 1000 for argument in arguments_of.values()):
        await reply(update, _("Name the channel too: /import LINK CHANNEL."))
        return
    markup, tokens = offer(update, [[(key, "import_link_to", arguments_of[key])] for key in keys])
    await reply(update, _("Which channel is this article for?"), markup=markup, buttons=tokens)


async def import_link_to_pressed(update: Update, context: Context, button: Button) -> None:
    """The channel picked for a link: checked against the presser's channels."""
    key, link, lessons = json.loads(button.argument or "[]")
    if not context.scope.steers(key):
        _ = context.translate
        await reply(update, _("You are not an admin of that channel."))
        return
    await _import_link(update, context, link, lessons, context.services.config.channel(key))


async def _import_link(
    update: Update, context: Context, link: str, lessons: str | None, channel: ChannelConfig
) -> None:
    _ = context.translate
    user = update.effective_user
    assert user is not None
    await request_import(
        context.session, channel, link, lessons=lessons, requested_by=user.id, at=context.now
    )
    context.services.fetch()
    await reply(update, _("Fetching {url} for {channel}…").format(
        url=report.escape(link), channel=report.escape(channel.key)))  # fmt: skip


@dataclass(frozen=True)
class ImportRequest:
    """A file to import, as a button carries it until the admin picks the channel."""

    file_id: str
    name: str
    lessons: str | None

    def argument(self, key: str) -> str:
        return json.dumps([key, self.file_id, self.name[:200], self.lessons])


async def import_to_pressed(update: Update, context: Context, button: Button) -> None:
    """The channel picked for an imported file: checked against the presser's channels."""
    key, file_id, name, lessons = json.loads(button.argument or "[]")
    if not context.scope.steers(key):
        _ = context.translate
        await reply(update, _("You are not an admin of that channel."))
        return
    channel = context.services.config.channel(key)
    await _import(update, context, ImportRequest(file_id, name, lessons), channel)


async def _import(
    update: Update, context: Context, request: ImportRequest, channel: ChannelConfig
) -> None:
    _ = context.translate
    config = context.services.config
    file = await context.bot.get_file(request.file_id)
    data = bytes(await file.download_as_bytearray())
    try:
        result = await import_article(
            context.session,
            data,
            config,
            channel,
            name=request.name,
            lessons=request.lessons,
            actor_id=context.scope.user_id,
            at=context.now,
        )
    except ArticleError as exc:
        reason = report.escape(exc.text(_))
        await reply(update, _("Could not import: {reason}").format(reason=reason))
        return
    await reply(
        update,
        report.import_text(_, result.article, result.created, result.posts),
        **article_buttons(update, result.article.id),
    )


def steered_keys(context: Context) -> list[str]:
    """The caller's channels, in the configuration's order."""
    return [c.key for c in context.services.config.channels if context.scope.steers(c.key)]


def article_buttons(update: Update, article_id: int, state: str = "draft") -> dict[str, Any]:
    """[Preview] and the next steps that fit the article's state, as ``reply`` keyword
    arguments."""
    markup, tokens = offer(update, article_choices(language_of(update), article_id, state))
    return {"markup": markup, "buttons": tokens}


async def articles_command(update: Update, context: Context) -> None:
    """/articles: the latest articles, each with its channel and state, as buttons."""
    _ = context.translate
    rows = await recent_articles(context.session, context.scope)
    zones = {c.key: c.zone for c in context.services.config.channels}
    text = report.articles_text(_, rows, zones)
    if not rows:
        await reply(update, text)
        return
    markup, tokens = offer(
        update,
        [
            [
                (
                    f"{row.article.id}. {report.shorten(row.article.title, 50)}",
                    "article",
                    str(row.article.id),
                )
            ]
            for row in rows
        ],
    )
    url = context.services.config.web.url
    shown = with_mini_app(markup, url, _("Open the discussion"), "channels")
    await reply(update, text, markup=shown, buttons=tokens)


async def article_pressed(update: Update, context: Context, button: Button) -> None:
    """An article picked from /articles: what it is, where it stands, and what fits."""
    _ = context.translate
    article_id = int(button.argument or 0)
    article = await find_article(context.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    posts = posts_from_segments(article.segments)
    config = context.services.config
    zone = next(
        (c.zone for c in config.channels if article.channel and c.key == article.channel.key),
        config.channels[0].zone,
    )
    where = (
        (report.escape(article.channel.key) if article.channel else _("no channel yet"))
        + ", "
        + report.schedule_state(_, article, zone)
    )
    buttons = article_buttons(update, article_id, report.article_state(article))
    buttons["markup"] = with_mini_app(
        buttons["markup"], config.web.url, _("Open the discussion"), f"article/{article_id}"
    )
    await reply(update, report.import_text(_, article, False, posts) + "\n" + where, **buttons)


async def preview_command(update: Update, context: Context) -> None:
    """/preview ID: the posts exactly as they will appear, polls after their lesson post."""
    _ = context.translate
    article_id = article_id_in(arguments(update, context))
    if article_id is None:
        await reply(update, _("Usage: /preview ID (see /articles)"))
        return
    await _preview(update, context, article_id)


async def preview_pressed(update: Update, context: Context, button: Button) -> None:
    await _preview(update, context, int(button.argument or 0))


async def preview_page_pressed(update: Update, context: Context, button: Button) -> None:
    """[◀] [▶]: another page of the same preview, in the same message."""
    if button.argument is None:
        return  # the page counter: nothing to do
    article_id, page = button.argument.split("|")
    await _preview(update, context, int(article_id), int(page), edit=button.message_id)


async def _preview(
    update: Update, context: Context, article_id: int, page: int = 0, edit: int | None = None
) -> None:
    """One message, paged with buttons: each post and poll as the channel will show it,
    with which channel and when."""
    _ = context.translate
    unit = context.unit
    article = await find_article(unit.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    chat = update.effective_chat
    assert chat is not None
    config = context.services.config
    channel = next(
        (c for c in config.channels if article.channel and c.key == article.channel.key),
        config.channels[0],
    )
    options = channel.poll_options or default_poll_options(channel.language)
    pages = report.preview_pages(_, posts_from_segments(article.segments), options)
    if not pages:
        await reply(update, _("Article {id} has no posts to preview.").format(id=article_id))
        return
    index = page % len(pages)
    when = report.schedule_state(_, article, channel.zone)
    text = report.preview_page(_, article, channel.key, when, pages, index)
    turn = f"{article_id}|{{}}"
    markup, tokens = offer(
        update,
        [
            [
                ("◀", "preview_page", turn.format((index - 1) % len(pages))),
                (f"{index + 1}/{len(pages)}", "preview_page", None),
                ("▶", "preview_page", turn.format((index + 1) % len(pages))),
            ],
            *next_steps(_, article_id, report.article_state(article)),
        ],
    )
    if edit is None:
        outbox.queue_html(unit.session, chat.id, text, at=unit.now, markup=markup, buttons=tokens)
    else:
        outbox.queue_edit(
            unit.session, chat.id, edit, text, at=unit.now, markup=markup, buttons=tokens
        )


async def status_command(update: Update, context: Context) -> None:
    """/status: what is next and when, what was posted, what failed and why."""
    config = context.services.config
    scope = context.scope
    entries = [e for e in await status(context.session) if scope.steers(e.channel_key)]
    zones = {c.key: c.zone for c in config.channels}
    steered = await steered_channel_ids(context.session, scope)
    finished = [
        ended
        for ended in await finished_recently(context.session, context.services.clock.now())
        if steered is None or ended[0].channel_id in steered
    ]
    _ = context.translate
    markup = with_mini_app(None, config.web.url, _("Open the discussion"), "channels")
    await reply(update, report.status_text(_, entries, zones, finished), markup=markup)


async def channels_command(update: Update, context: Context) -> None:
    """/channels: the configured channels as Telegram knows them."""
    _ = context.translate
    lines = [bold(_("Channels"))]
    for channel in context.services.config.channels:
        if not context.scope.steers(channel.key):
            continue
        row = await stored_channel(context.session, channel.key)
        lines.append(
            _(
                "{key}: chat {chat}, discussion {group}, language {language}, time zone {zone}"
            ).format(
                key=report.escape(channel.key),
                chat=row.chat_id if row else "?",
                group=row.discussion_chat_id if row and row.discussion_chat_id else "—",
                language=channel.language,
                zone=channel.timezone,
            )
        )
    await reply(update, "\n".join(lines))
