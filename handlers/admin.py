"""Admin commands in a private chat: import, preview, publish, pause, resume, cancel, status.

The article readers and the segmenter load with the first command that needs them: an
idle bot does not carry them (``bench/idle_memory_bench.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from telegram import Document, Update

from bot import outbox
from bot.articles.errors import ArticleError
from bot.articles.importer import import_article, posts_from_segments
from bot.articles.library import find_article, recent_articles
from bot.articles.preview import default_poll_options
from bot.channels import steered_channel_ids, stored_channel
from bot.config import ChannelConfig
from bot.i18n import N_, counted
from bot.numbers import fits_row_id, typed_number
from bot.publishing import report
from bot.publishing.service import (
    PublishingError,
    cancel_article,
    finished_recently,
    pending_items,
    respace_overdue,
    schedule_article,
    set_paused,
    status,
)
from bot.publishing.timing import TimingError, night_times, parse_publish_arguments
from bot.telegram.html import bold
from db.models import Button
from handlers.buttons import offer
from handlers.common import Context, arguments, language_of, reply


def _article_id(words: list[str]) -> int | None:
    """The article number a command starts with (None: no number there); a number no
    article can have is answered as one that does not exist."""
    number = typed_number(words[0]) if words else None
    if number is not None and not fits_row_id(number):
        raise PublishingError(N_("There is no article {id}; see /articles."), id=words[0])
    return number


async def import_command(update: Update, context: Context) -> None:
    """/import as the caption of a file, or in reply to one: store the article."""
    _ = context.translate
    message = update.effective_message
    assert message is not None
    document: Document | None = message.document or (
        message.reply_to_message.document if message.reply_to_message else None
    )
    config = context.services.config
    usage = _("Send the article as a file with the caption /import [channel] [lessons=1,3].")
    if document is None:
        await reply(update, usage)
        return
    words = arguments(update, context)
    keys = _steered_keys(context)
    named: str | None = keys[0] if len(keys) == 1 else None
    lessons = None
    for word in words:
        if word in keys:
            named = word
        elif word.startswith("lessons=") and len(word) <= 200:
            lessons = word.removeprefix("lessons=")
        else:
            await reply(update, usage)
            return
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
        **_article_buttons(update, result.article.id),
    )


def _steered_keys(context: Context) -> list[str]:
    """The caller's channels, in the configuration's order."""
    return [c.key for c in context.services.config.channels if context.scope.steers(c.key)]


def _article_buttons(update: Update, article_id: int) -> dict[str, Any]:
    """[Preview] [Publish now] [Schedule…] for an article, as ``reply`` keyword arguments."""
    _ = language_of(update)
    argument = str(article_id)
    markup, tokens = offer(
        update,
        [
            [
                (_("Preview"), "preview", argument),
                (_("Publish now"), "publish_now", argument),
                (_("Schedule…"), "schedule", argument),
            ]
        ],
    )
    return {"markup": markup, "buttons": tokens}


async def articles_command(update: Update, context: Context) -> None:
    """/articles: the latest imported articles."""
    rows = await recent_articles(context.session, context.scope)
    if not rows:
        await reply(update, report.articles_text(context.translate, rows))
        return
    markup, tokens = offer(
        update,
        [
            [(f"{article.id}. {report.shorten(article.title, 50)}", "article", str(article.id))]
            for article, _segments, _lessons in rows
        ],
    )
    await reply(
        update, report.articles_text(context.translate, rows), markup=markup, buttons=tokens
    )


async def article_pressed(update: Update, context: Context, button: Button) -> None:
    """An article picked from /articles: what it is, and what can be done with it."""
    _ = context.translate
    article_id = int(button.argument or 0)
    article = await find_article(context.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return

    posts = posts_from_segments(article.segments)
    await reply(
        update,
        report.import_text(_, article, False, posts),
        **_article_buttons(update, article_id),
    )


async def preview_command(update: Update, context: Context) -> None:
    """/preview ID: the posts exactly as they will appear, polls after their lesson post."""
    _ = context.translate
    article_id = _article_id(arguments(update, context))
    if article_id is None:
        await reply(update, _("Usage: /preview ID (see /articles)"))
        return
    await _preview(update, context, article_id)


async def preview_pressed(update: Update, context: Context, button: Button) -> None:
    await _preview(update, context, int(button.argument or 0))


async def _preview(update: Update, context: Context, article_id: int) -> None:
    """How many messages follow, the posts and poll previews, then what to do next."""
    _ = context.translate
    article = await find_article(context.session, article_id, context.scope)
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
    posts = posts_from_segments(article.segments)
    polls = sum(len(post.lessons) for post in posts)
    unit = context.unit
    outbox.queue_html(
        unit.session,
        chat.id,
        _(
            "Preview of article {id}: {posts} and {polls} follow, as the channel will show them."
        ).format(
            id=article_id,
            posts=counted("{count} post", "{count} posts", len(posts), _),
            polls=counted("{count} poll", "{count} polls", polls, _),
        ),
        at=unit.now,
    )
    for post in posts:
        outbox.queue_html(unit.session, chat.id, post.html, at=unit.now)
        for lesson in post.lessons:
            outbox.queue_html(
                unit.session,
                chat.id,
                report.poll_preview(_, lesson.question, options),
                at=unit.now,
            )
    buttons = _article_buttons(update, article_id)
    outbox.queue_html(
        unit.session,
        chat.id,
        _("That was article {id}. Publish it?").format(id=article_id),
        at=unit.now,
        markup=buttons["markup"],
        buttons=buttons["buttons"],
    )


async def publish_now_pressed(update: Update, context: Context, button: Button) -> None:
    """[Publish now]: from now, with the channel's spacing."""
    await _schedule(update, context, [button.argument or ""])


async def schedule_pressed(update: Update, context: Context, button: Button) -> None:
    """[Schedule…]: how to type a schedule, with examples that work."""
    _ = context.translate
    await reply(
        update,
        _(
            "Type when and how often, for example:\n/publish {id} tomorrow 09:00 every 2h\n"
            "/publish {id} 18:00\n/publish {id} +30m every 1h"
        ).format(id=button.argument),
    )


async def publish_command(update: Update, context: Context) -> None:
    """/publish ID [channel] [start] [every]."""
    await _schedule(update, context, arguments(update, context))


async def _schedule(update: Update, context: Context, words: list[str]) -> None:
    _ = context.translate
    usage = _(
        "Usage: /publish ID [channel] [start] [every]\n"
        "start: now, 18:00, tomorrow 09:00, +2h or 2026-12-01 09:00 (the channel's time "
        "zone); every: 10m, 2h, every 2h"
    )
    article_id = _article_id(words)
    if article_id is None:
        await reply(update, usage)
        return
    svc = context.services
    config = svc.config
    session = context.session
    article = await find_article(session, article_id, context.scope)
    if article is None:
        await reply(update, _("There is no article {id}; see /articles.").format(id=article_id))
        return
    keys = _steered_keys(context)
    default_key = article.channel.key if article.channel else keys[0]
    try:
        request = parse_publish_arguments(
            words[1:],
            keys,
            svc.clock.now(),
            {c.key: c.zone for c in config.channels},
            default_key,
        )
        channel = config.channel(request.channel or default_key)
        user = update.effective_user
        result = await schedule_article(
            session,
            article_id,
            channel,
            request.start,
            request.every,
            actor_id=user.id if user else None,
            now=context.now,
        )
    except TimingError as exc:
        await reply(update, report.escape(exc.text(_)) + "\n\n" + usage)
        return
    svc.wake()
    text = report.scheduled_text(_, result, channel.key, channel.zone)
    night = night_times(result.times, channel.zone)
    if night:
        text += "\n" + _.ngettext(
            "Note: {count} post falls at night in the channel's time zone (first at {time}).",
            "Note: {count} posts fall at night in the channel's time zone (first at {time}).",
            len(night),
        ).format(count=len(night), time=report.local_time(night[0], channel.zone))
    await reply(update, text)


async def _pause_or_resume(update: Update, context: Context, paused: bool) -> None:
    _ = context.translate
    words = arguments(update, context)
    article_id = _article_id(words)
    if words and article_id is None:
        await reply(update, _("Usage: /pause [ID] or /resume [ID]"))
        return
    svc = context.services
    if (
        article_id is not None
        and await find_article(context.session, article_id, context.scope) is None
    ):
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    scope = context.scope
    articles = await set_paused(
        context.session,
        article_id,
        paused,
        actor_id=scope.user_id,
        at=context.now,
        channel_ids=await steered_channel_ids(context.session, scope),
    )
    if not paused:
        for article in articles:
            respace_overdue(article, svc.clock.now(), svc.config.publishing.missed_slots)
    svc.wake()
    ids = ", ".join(str(a.id) for a in articles) or "—"
    text = _("Paused: {ids}") if paused else _("Resumed: {ids}")
    await reply(update, text.format(ids=ids))


async def pause_command(update: Update, context: Context) -> None:
    """/pause [ID]: stop posting (one article, or all)."""
    await _pause_or_resume(update, context, True)


async def resume_command(update: Update, context: Context) -> None:
    """/resume [ID]: go on posting; missed slots are re-spaced."""
    await _pause_or_resume(update, context, False)


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel ID: asks first, then drops the article's remaining posts and polls."""
    _ = context.translate
    article_id = _article_id(arguments(update, context))
    if article_id is None:
        await reply(update, _("Usage: /cancel ID"))
        return
    article = await find_article(context.session, article_id, context.scope)
    if article is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    if not await pending_items(context.session, article_id):
        await reply(
            update,
            _("Article {id} has nothing left to cancel: it is finished or cancelled.").format(
                id=article_id
            ),
        )
        return
    markup, tokens = offer(
        update,
        [
            [
                (_("Yes, cancel it"), "cancel", str(article_id)),
                (_("Keep it"), "cancel", None),
            ]
        ],
    )
    await reply(
        update,
        _("Cancel what is left of article {id} «{title}»? Posts already out stay.").format(
            id=article_id, title=report.escape(report.shorten(article.title))
        ),
        markup=markup,
        buttons=tokens,
    )


async def cancel_pressed(update: Update, context: Context, button: Button) -> None:
    _ = context.translate
    unit = context.unit
    assert button.message_id is not None
    if button.argument is None:
        outbox.queue_edit(
            unit.session, button.chat_id, button.message_id, _("Nothing was cancelled."),
            at=unit.now,
        )  # fmt: skip
        return
    article_id = int(button.argument)
    if await find_article(unit.session, article_id, context.scope) is None:
        await reply(update, _("No article {id}; see /articles.").format(id=article_id))
        return
    count = await cancel_article(unit.session, article_id, actor_id=button.user_id, at=unit.now)
    context.services.wake()
    outbox.queue_edit(
        unit.session,
        button.chat_id,
        button.message_id,
        _.ngettext(
            "Cancelled {count} pending post or poll of article {id}.",
            "Cancelled {count} pending posts and polls of article {id}.",
            count,
        ).format(count=count, id=article_id),
        at=unit.now,
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
    await reply(update, report.status_text(context.translate, entries, zones, finished))


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
