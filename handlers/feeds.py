"""/feeds: the feeds a channel follows, added and removed by its admins; [Skip] on an item
a feed brought."""

from __future__ import annotations

from telegram import Update

from bot.articles.feeds import FeedError, feeds_of, feeds_text, follow, skip_item, unfollow
from bot.articles.library import find_article
from bot.articles.links import check_link
from bot.i18n import N_
from bot.numbers import typed_number
from bot.publishing import report
from db.models import Button
from handlers.common import Context, arguments, reply


async def feeds_command(update: Update, context: Context) -> None:
    """/feeds [channel] | /feeds add LINK [channel] | /feeds remove NUMBER."""
    _ = context.translate
    words = arguments(update, context)
    config = context.services.config
    keys = [c.key for c in config.channels if context.scope.steers(c.key)]
    named = [word for word in words[1:] if word in keys] or [w for w in words[:1] if w in keys]
    if words[:1] == ["add"] and len(words) >= 2:
        link = check_link(words[1], config)
        channel_key = named[0] if named else (keys[0] if len(keys) == 1 else None)
        if channel_key is None:
            await reply(update, _("Name the channel too: /feeds add LINK CHANNEL."))
            return
        channel = config.channel(channel_key)
        added = await follow(
            context.session, channel, link, added_by=context.scope.user_id, at=context.now
        )
        context.services.fetch()
        text = (
            _("{channel} now follows {url}; its newest item comes first.")
            if added
            else _("{channel} follows {url} already.")
        )
        await reply(update, text.format(channel=report.escape(channel.key),
                                        url=report.escape(link)))  # fmt: skip
        return
    if words[:1] == ["remove"] and len(words) == 2:
        number = typed_number(words[1])
        for key in keys:
            channel = config.channel(key)
            for feed in await feeds_of(context.session, channel, context.now):
                if feed.id == number:
                    await unfollow(context.session, feed)
                    await reply(update, _("{channel} no longer follows {url}.").format(
                        channel=report.escape(key), url=report.escape(feed.url)))  # fmt: skip
                    return
        raise FeedError(N_("There is no feed {number} in your channels; see /feeds."),
                        number=words[1])  # fmt: skip
    if words and not named:
        await reply(update, _("Usage: /feeds [channel], /feeds add LINK [channel], "
                              "/feeds remove NUMBER."))  # fmt: skip
        return
    shown = named or keys
    texts = [
        feeds_text(_, config.channel(key), await feeds_of(context.session, config.channel(key),
                                                          context.now))
        for key in shown
    ]  # fmt: skip
    await reply(update, "\n\n".join(texts))


async def skip_pressed(update: Update, context: Context, button: Button) -> None:
    """[Skip] under a feed's item: not offered again, its draft dropped."""
    _ = context.translate
    article = await find_article(context.session, int(button.argument or 0), context.scope)
    if article is None or not await skip_item(context.session, article):
        await reply(update, _("That item was decided on already; see /articles."))
        return
    await reply(update, _("Skipped «{title}».").format(title=report.escape(article.title)))
