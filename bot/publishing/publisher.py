"""The publishing loop: every due post and poll goes out once, in order, whatever happens.

Each send is bracketed by two commits: the item is marked ``sending`` before
the request and ``posted`` (with its message id) after the answer. An item
still ``sending`` after a crash or a timeout is *in doubt*: Telegram may have
delivered it. The channel's automatic forward into the discussion group
settles that (see ``bot.responses.forwards``); when no forward arrives within
``publishing.doubt_window`` the item was not delivered and is sent again.
Channels without a discussion group follow ``publishing.timed_out_send``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.access import Access
from bot.clock import Clock
from bot.config import Config
from bot.logs import log_failure, redact
from bot.notices import tell
from bot.publishing.navigation import navigation
from bot.publishing.progress import after_failed, after_posted, record_delivered
from bot.publishing.service import next_item
from db.models import Channel, Lesson, Poll, PollSnapshot, Segment, SegmentState
from db.queries import publishing as queries

log = logging.getLogger(__name__)
MAX_SENDS_PER_TICK = 500


class Publisher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        config: Config,
        clock: Clock,
        access: Access,
        *,
        background: bool = False,
        on_channel_done: Callable[[], None] | None = None,
        may_post: Callable[[], bool] | None = None,
        fence: Callable[[AsyncSession], Awaitable[bool]] | None = None,
        handle_stored: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """``background``: channels post side by side in tasks of their own, as when running
        for real (a channel held back by flood control must not hold the others up until
        its article ends), and ``on_channel_done`` asks the schedule to look again; without
        it (a test's manual clock) ``tick`` posts to the end. ``may_post``: with several
        processes, whether this one still holds the publishing lease, by its own clock;
        ``fence``, the same asked of the database in the transaction that marks an item
        as being sent, so a process that lost the lease unawares cannot post. ``handle_stored``:
        handles updates stored but not yet handled, among them perhaps the automatic
        forward that settles a doubt, stored by a process that died before handling it."""
        self.sessions = sessions
        self.bot = bot
        self.config = config
        self.clock = clock
        self.access = access  # whom a channel's notices reach
        self.in_background = background
        self.on_channel_done = on_channel_done
        self.may_post = may_post
        self.fence = fence
        self.handle_stored = handle_stored
        self._lock = asyncio.Lock()
        self._posting: dict[int, asyncio.Task[None]] = {}
        # Items whose send is under way in this process: a send that waits for flood
        # control past the doubt window is not in doubt, and must not be sent again.
        self._in_flight: set[tuple[bool, int]] = set()
        self._stopping = False

    async def tick(self) -> datetime | None:
        """Do everything due now; return when something may next be due."""
        async with self._lock:
            await self._settle_doubts()
            now = self.clock.now()
            async with self.sessions() as session:
                due_now = [
                    channel_id
                    for channel_id in await queries.channels_with_work(session)
                    if channel_id not in self._posting
                    and await self._next_due(session, channel_id, now) is not None
                ]
            for channel_id in due_now:  # only what is due: an idle channel starts no task
                if not self._stopping:
                    self._posting[channel_id] = asyncio.create_task(self._post_in(channel_id))
            if not self.in_background:
                await asyncio.gather(*self._posting.values())
            await self._send_companions()
            await self._close_polls()
            return await self.next_wake_up()

    async def _post_in(self, channel_id: int) -> None:
        """One channel's posts until none is due; then the scheduler looks again."""
        sent = 0
        try:
            sent = await self._publish_channel(channel_id)
        except Exception as exc:  # noqa: BLE001 - tried again at the next tick
            log_failure(log, f"posting in channel {channel_id} failed; tried at the next tick", exc)
        finally:
            del self._posting[channel_id]
            # Its next post's time was left out of the wake-up while it posted: look again.
            if sent and self.in_background and self.on_channel_done and not self._stopping:
                self.on_channel_done()

    async def stop(self) -> None:
        """Let each channel finish the send under way; what is left waits for the next start."""
        self._stopping = True
        await asyncio.gather(*self._posting.values(), return_exceptions=True)

    async def next_wake_up(self) -> datetime | None:
        """When something may next need doing: each article's next item, doubts, poll closings.

        Only an article's *next* item counts: posts queued behind one in doubt or
        failed are not due, however old their time.
        """
        now = self.clock.now()
        moments: list[datetime] = []
        async with self.sessions() as session:
            for article in await queries.active_articles(session):
                item = next_item(article)
                if item is None or article.channel_id in self._posting:
                    continue  # a channel posting now asks for a tick when it is done
                if item.state is SegmentState.SENDING and item.sending_since is not None:
                    moments.append(item.sending_since + self.config.publishing.doubt_window)
                elif item.state is SegmentState.SCHEDULED:
                    at = item.scheduled_at if isinstance(item, Segment) else now
                    moments.append(at or now)
            if await queries.companion_polls_to_send(session):
                moments.append(now)
            closing = await queries.next_poll_closing(session)
            if closing is not None:
                moments.append(closing)
        return min(moments) if moments else None

    # ----------------------------------------------------------- in doubt
    async def _settle_doubts(self) -> None:
        now = self.clock.now()
        before = now - self.config.publishing.doubt_window
        if self.handle_stored is not None:
            async with self.sessions() as session:
                doubts = [
                    *await queries.in_doubt_segments(session, before),
                    *await queries.in_doubt_polls(session, before),
                ]
            if doubts:
                await self.handle_stored()  # a stored forward settles a doubt first
        async with self.sessions.begin() as session:
            items: list[Segment | Poll] = [
                *await queries.in_doubt_segments(session, before, locked=True),
                *await queries.in_doubt_polls(session, before, locked=True),
            ]
            for item in items:
                if (isinstance(item, Segment), item.id) in self._in_flight:
                    continue  # still on its way (held by flood control): not in doubt
                channel_has_group = await self._has_discussion(session, item)
                if channel_has_group or self.config.publishing.timed_out_send == "resend":
                    # No automatic forward arrived: Telegram did not deliver it. Send again.
                    item.state = SegmentState.SCHEDULED
                    if isinstance(item, Segment):
                        item.scheduled_at = now
                    log.warning("%s %s was not delivered; sending it again", _name(item), item.id)
                else:
                    item.state = SegmentState.POSTED
                    item.posted_at = now
                    log.warning(
                        "%s %s assumed delivered (no discussion group the bot sees)",
                        _name(item),
                        item.id,
                    )
                    await self._tell_unconfirmed(session, item, now)
                item.sending_since = None

    async def _tell_unconfirmed(
        self, session: AsyncSession, item: Segment | Poll, now: datetime
    ) -> None:
        """A send that timed out and that nothing can confirm: never sent twice, so a person
        should look whether it is in the channel."""
        channel = await self._channel_of(session, item)
        team = await self.access.team_of(channel.key if channel else None)
        if isinstance(item, Segment):
            article_id, what = item.article_id, f"{item.position + 1}"
            await tell(
                session,
                team,
                lambda _: _(
                    "Post {post} of article {article} timed out and I cannot see whether it "
                    "arrived (no discussion group I can read). I count it as posted and will "
                    "not send it twice: please check the channel."
                ).format(post=what, article=article_id),
                now,
            )
        else:
            await tell(
                session,
                team,
                lambda _: _(
                    "A lesson poll timed out and I cannot see whether it arrived (no "
                    "discussion group I can read). I count it as posted and will not send it "
                    "twice: please check the channel."
                ),
                now,
            )

    async def _channel_of(self, session: AsyncSession, item: Segment | Poll) -> Channel | None:
        if isinstance(item, Segment):
            return await session.get(Channel, item.channel_id) if item.channel_id else None
        return await queries.channel_by_chat_id(session, item.chat_id)

    async def _has_discussion(self, session: AsyncSession, item: Segment | Poll) -> bool:
        channel = await self._channel_of(session, item)
        # Only a group the bot sees can show the forward that would confirm the send.
        return bool(channel and channel.discussion_chat_id and channel.discussion_visible)

    # ------------------------------------------------------------ posting
    async def _publish_channel(self, channel_id: int) -> int:
        """Send the channel's due items in order; how many were tried."""
        tried = 0
        for _ in range(MAX_SENDS_PER_TICK):
            if self._stopping or (self.may_post is not None and not self.may_post()):
                return tried  # stopping, or the lease may pass to another process
            now = self.clock.now()
            in_flight: tuple[bool, int] | None = None
            try:
                async with self.sessions.begin() as session:
                    channel = await session.get(Channel, channel_id)
                    if channel is None or channel.chat_id is None or channel.blocked_reason:
                        return tried
                    chat_id = channel.chat_id
                    due = await self._next_due(session, channel_id, now)
                    if due is None:
                        return tried
                    if self.fence is not None and not await self.fence(session):
                        return tried  # another process publishes now
                    due.state = SegmentState.SENDING
                    due.sending_since = now
                    due.attempts += 1
                    # On its way from here: a tick that runs while this commits (another
                    # channel's, a clock jump) must not take it for a send in doubt.
                    in_flight = (isinstance(due, Segment), due.id)
                    self._in_flight.add(in_flight)
                    if isinstance(due, Poll):
                        lesson = await session.get(Lesson, due.lesson_id)
                        assert lesson is not None
                        question = lesson.question
                    item_id, is_segment = due.id, isinstance(due, Segment)
                    html = due.html if isinstance(due, Segment) else ""
                    image = (
                        await queries.lead_image(session, due.article_id)
                        if isinstance(due, Segment) and due.position == 0
                        else None
                    )
                    options = list(due.options) if isinstance(due, Poll) else []
                    markup = (
                        await self._navigation(session, channel, due)
                        if isinstance(due, Segment)
                        else None
                    )
                if is_segment:
                    await self._send_segment(item_id, chat_id, html, markup, image)
                else:
                    await self._send_poll(item_id, chat_id, question, options)
            finally:
                if in_flight is not None:
                    self._in_flight.discard(in_flight)
            tried += 1
        return tried

    async def _next_due(
        self, session: AsyncSession, channel_id: int, now: datetime
    ) -> Segment | Poll | None:
        candidates: list[tuple[datetime, int, Segment | Poll]] = []
        for article in await queries.active_articles(session, channel_id=channel_id):
            item = next_item(article)
            if item is None or item.state is not SegmentState.SCHEDULED:
                continue  # finished, in doubt, or failed: a failure blocks what follows
            if isinstance(item, Segment):
                if item.scheduled_at is not None and item.scheduled_at <= now:
                    candidates.append((item.scheduled_at, article.id, item))
            else:
                candidates.append((now, article.id, item))  # right after its lesson post
        return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None

    async def _navigation(
        self, session: AsyncSession, channel: Channel, segment: Segment
    ) -> InlineKeyboardMarkup | None:
        """Links back to the article's first post and the previous one, once they are out."""
        earlier = await queries.posted_before(session, segment.article_id, segment.position)
        if not earlier or channel.chat_id is None:
            return None
        first = earlier[0][1] if earlier[0][0] == 0 else None
        return navigation(
            channel.chat_id, channel.username, channel.language, first, earlier[-1][1]
        )

    async def _send_segment(
        self,
        segment_id: int,
        chat_id: int,
        html: str,
        markup: InlineKeyboardMarkup | None,
        image: str | None,
    ) -> None:
        """``image``: the article's lead image, shown large above the first post as its
        link preview (a text post of up to 4,096 characters, where a photo's caption
        holds 1,024); every other post goes without a preview."""
        preview = (
            LinkPreviewOptions(url=image, prefer_large_media=True, show_above_text=True)
            if image
            else LinkPreviewOptions(is_disabled=True)
        )
        try:
            message = await self.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                link_preview_options=preview,
                reply_markup=markup,
            )
        except TelegramError as exc:
            await self._failed(Segment, segment_id, exc)
            return
        async with self.sessions.begin() as session:
            # Locked: the automatic forward, handled meanwhile, may record the same send.
            segment = await session.get(Segment, segment_id, with_for_update=True)
            assert segment is not None
            if segment.state is SegmentState.POSTED:
                return  # the automatic forward was processed first, and told the admins
            record_delivered(
                segment,
                message.message_id,
                self.clock.now(),
                self.config.publishing.poll_close_after,
            )
            await session.flush()
            await after_posted(session, self.access, segment, self.clock.now())

    async def _send_poll(
        self, poll_id: int, chat_id: int, question: str, options: list[str]
    ) -> None:
        await self._poll_sent(
            poll_id,
            # One notification an article post, not one more a poll.
            self.bot.send_poll(
                chat_id, question, options, is_anonymous=True, disable_notification=True
            ),
        )

    async def _poll_sent(self, poll_id: int, sending: Awaitable[Message]) -> None:
        """Await a poll's send and record the outcome (posted, or why not)."""
        try:
            message = await sending
        except TelegramError as exc:
            await self._failed(Poll, poll_id, exc)
            return
        async with self.sessions.begin() as session:
            poll = await session.get(Poll, poll_id, with_for_update=True)
            assert poll is not None
            assert message.poll is not None
            if poll.state is SegmentState.POSTED and poll.message_id is not None:
                return  # the automatic forward was processed first, and told the admins
            record_delivered(
                poll,
                message.message_id,
                self.clock.now(),
                self.config.publishing.poll_close_after,
                message.poll.id,
            )
            await session.flush()
            await after_posted(session, self.access, poll, self.clock.now())

    async def _failed(
        self, model: type[Segment] | type[Poll], item_id: int, exc: TelegramError
    ) -> None:
        now = self.clock.now()
        message = redact(str(exc), self.config.secrets)
        async with self.sessions.begin() as session:
            item: Segment | Poll | None = (
                await session.get(Segment, item_id)
                if model is Segment
                else await session.get(Poll, item_id)
            )
            assert item is not None
            item.last_error = message
            if isinstance(exc, RetryAfter):
                # Not sent; try again once Telegram allows it.
                item.state = SegmentState.SCHEDULED
                item.sending_since = None
                if isinstance(item, Segment):
                    item.scheduled_at = now + _seconds(exc.retry_after)
                log.info("flood control: %s %s waits %s", _name(item), item_id, exc.retry_after)
            elif isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
                # Timed out, 5xx or dropped: maybe delivered. Stays "sending" until settled.
                log.warning("%s %s in doubt after %s", _name(item), item_id, message)
            else:
                item.state = SegmentState.FAILED
                item.sending_since = None
                log.error("%s %s failed: %s", _name(item), item_id, message)
                await after_failed(session, self.access, item, message, now)

    # --------------------------------------------------------- companions
    async def _send_companions(self) -> None:
        """Named copies of lesson polls, in each lesson post's discussion thread."""
        work: list[tuple[int, str, list[str], int, int]] = []
        async with self.sessions() as session:
            for companion in await queries.companion_polls_to_send(session):
                segment = companion.lesson.segment
                if segment.discussion_chat_id and segment.discussion_thread_id:
                    work.append(
                        (
                            companion.id,
                            companion.lesson.question,
                            list(companion.options),
                            segment.discussion_chat_id,
                            segment.discussion_thread_id,
                        )
                    )
        for poll_id, question, options, group_id, thread_id in work:
            async with self.sessions.begin() as session:
                row = await session.get(Poll, poll_id)
                if row is None or row.state is not SegmentState.SCHEDULED:
                    continue
                if self.fence is not None and not await self.fence(session):
                    return  # another process publishes now
                row.state = SegmentState.SENDING
                row.sending_since = self.clock.now()
                row.chat_id = group_id
            await self._poll_sent(
                poll_id,
                self.bot.send_poll(
                    group_id,
                    question,
                    options,
                    is_anonymous=False,
                    disable_notification=True,
                    reply_parameters=ReplyParameters(thread_id, allow_sending_without_reply=True),
                ),
            )

    # ------------------------------------------------------------ closing
    async def _close_polls(self) -> None:
        async with self.sessions() as session:
            due = [
                (p.id, p.chat_id, p.message_id)
                for p in await queries.polls_to_close(session, self.clock.now())
            ]
        for poll_id, chat_id, message_id in due:
            assert message_id is not None
            try:
                result = await self.bot.stop_poll(chat_id, message_id)
                counts = [option.voter_count for option in result.options]
                total = result.total_voter_count
            except BadRequest as exc:
                # Already closed or deleted by a human: the last stored counts stand.
                counts, total = None, None
                log.info("poll %s could not be stopped: %s", poll_id, exc.message)
            except TelegramError as exc:
                log.warning("closing poll %s failed, will retry: %s", poll_id, exc)
                continue
            async with self.sessions.begin() as session:
                poll = await session.get(Poll, poll_id)
                assert poll is not None
                poll.closed = True
                if counts is not None and total is not None:
                    poll.counts, poll.total_voters = counts, total
                    session.add(
                        PollSnapshot(
                            poll_id=poll_id,
                            counts=counts,
                            total_voters=total,
                            taken_at=self.clock.now(),
                        )
                    )


def _seconds(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    assert isinstance(value, int | float)
    return timedelta(seconds=value)


def _name(item: object) -> str:
    return "post" if isinstance(item, Segment) else "poll"
