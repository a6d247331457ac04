"""Weekly summaries: when they fire, what they count, how they look, where they go."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import ChannelConfig, read_struct
from bot.i18n import translator
from bot.summaries.chart import lesson_figure, png
from bot.summaries.content import LessonResult, gather_figures
from bot.summaries.period import (
    WeekError,
    latest_period,
    next_slot,
    parse_week,
    period_for_week,
    period_in_progress,
)
from bot.summaries.render import render_summary
from bot.telegram.html import validate_message
from db.models import (
    Article,
    Channel,
    Comment,
    CommentReaction,
    Lesson,
    Poll,
    PollAnswer,
    ReactionCount,
    Segment,
    SegmentKind,
    SegmentState,
    User,
    WeeklySummary,
)
from tests.conftest import SAMPLE_ARTICLE
from tests.harness import running_harness

BERLIN_SUNDAY = read_struct(
    ChannelConfig,
    {"chat": -1, "timezone": "Europe/Berlin", "summary_day": "sun", "summary_time": "18:00"},
)


BERLIN = read_struct(ChannelConfig, {"chat": -1, "timezone": "Europe/Berlin"})


def test_a_week_is_seven_whole_local_days_across_daylight_saving() -> None:
    # Summer time ends on Sunday 2026-10-25: Berlin midnight is 22:00 UTC before, 23:00 after.
    w42, w43 = period_for_week(BERLIN, 2026, 42), period_for_week(BERLIN, 2026, 43)
    assert w43.start == w42.end == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)  # no gap
    assert w43.end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert w43.end - w43.start == timedelta(days=7, hours=1)
    assert w43.dates(BERLIN.zone, "en") == "19–25 October"  # Monday to Sunday
    assert w43.dates(BERLIN.zone, "ru") == "19–25 октября"
    days, cuts = w43.day_boundaries(BERLIN.zone)
    assert len(days) == 7
    assert len(cuts) == 8
    # Posted at the default slot, Monday 09:00 local, the morning after the week ends.
    assert w43.due == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert next_slot(BERLIN, datetime(2026, 10, 26, 7, 0, tzinfo=UTC)) == w43.due
    # Between the week's end and its slot, the week has ended but is not yet due.
    assert latest_period(BERLIN, datetime(2026, 10, 26, 3, 0, tzinfo=UTC)).week == 43
    assert latest_period(BERLIN, datetime(2026, 10, 25, 22, 59, tzinfo=UTC)).week == 42
    # A preview in the middle of the week charts only the days so far.
    wednesday = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)
    assert period_in_progress(BERLIN, wednesday) == w43
    days, cuts = w43.day_boundaries(BERLIN.zone, until=wednesday)
    assert [day.day for day in days] == [19, 20, 21]
    assert cuts[-1] == datetime(2026, 10, 21, 22, 0, tzinfo=UTC)
    assert parse_week("2026-W47", BERLIN, w43.end).label == "2026-W47"
    with pytest.raises(WeekError, match="for example: 2026-W47"):
        parse_week("last week", BERLIN, w43.end)
    with pytest.raises(WeekError, match="not a week"):
        parse_week("2026-W54", BERLIN, w43.end)


def test_a_sunday_slot_covers_sunday_to_saturday() -> None:
    w43 = period_for_week(BERLIN_SUNDAY, 2026, 43)
    assert w43.dates(BERLIN_SUNDAY.zone, "en") == "18–24 October"
    assert w43.due == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)  # 18:00 in winter time
    assert period_for_week(BERLIN_SUNDAY, 2026, 44).start == w43.end


async def _fixture(session: AsyncSession) -> Channel:
    """A week with known counts (W48 2026 of a Sunday slot: 22 to 28 November in Berlin)."""
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    channel = Channel(
        key="news",
        chat_id=-100,
        username="@news",
        title="News <Daily>",
        timezone="Europe/Berlin",
        created_at=at - timedelta(days=60),
    )
    session.add(channel)
    await session.flush()
    users = {
        name: User(id=number, first_name=name, first_seen=at, last_seen=at)
        for number, name in enumerate(["Ann", "<b>Eve</b>", "Bob", "Gone"], start=1)
    }
    users["Gone"].forgotten = True
    session.add_all(users.values())
    article = Article(
        content_hash="x" * 64,
        title="Tariffs & trade",
        source_format="text",
        raw_text="",
        channel_id=channel.id,
        imported_at=at,
    )
    post = Segment(
        position=0,
        kind=SegmentKind.TITLE,
        html="",
        text="Tariffs & trade\nLead",
        state=SegmentState.POSTED,
        posted_at=at,
        message_id=11,
        channel_id=channel.id,
    )
    lessons_post = Segment(
        position=1,
        kind=SegmentKind.LESSONS,
        html="",
        text="Lessons:",
        state=SegmentState.POSTED,
        posted_at=at + timedelta(hours=1),
        message_id=12,
        channel_id=channel.id,
    )
    old = Segment(
        position=2,
        kind=SegmentKind.SECTION,
        html="",
        text="Old news",
        state=SegmentState.POSTED,
        posted_at=at - timedelta(days=9),
        message_id=5,
        channel_id=channel.id,
    )
    article.segments = [post, lessons_post, old]
    options = ["Agree", "Partly", "Disagree"]
    for position, (question, counts) in enumerate(
        [("Prices rise", [8, 1, 1]), ("Allies <matter>", [3, 3, 3]), ("Exports fall", [2, 4, 4])]
    ):
        lesson = Lesson(position=position, text=question, question=question)
        lesson.polls.append(
            Poll(
                chat_id=-100,
                options=options,
                counts=counts,
                total_voters=sum(counts),
                state=SegmentState.POSTED,
                posted_at=at + timedelta(hours=1),
                message_id=20 + position,
            )
        )
        if position == 0:
            lesson.polls.append(
                Poll(
                    chat_id=-200,
                    options=options,
                    counts=[],
                    companion=True,
                    anonymous=False,
                    state=SegmentState.POSTED,
                    message_id=30,
                    telegram_poll_id="companion",
                )
            )
        lessons_post.lessons.append(lesson)
    session.add(article)
    await session.flush()
    companion = next(p for item in lessons_post.lessons for p in item.polls if p.companion)
    for user, choice in [("Ann", [0]), ("<b>Eve</b>", [2]), ("<b>Eve</b>", []), ("Bob", [1])]:
        session.add(
            PollAnswer(
                poll_id=companion.id,
                user_id=users[user].id,
                option_ids=choice,
                retracted=not choice,
                answered_at=at,
            )
        )
    message = iter(range(100, 200))

    def comment(
        user: str | None, segment: Segment, text: str, when: datetime, **extra: object
    ) -> Comment:
        row = Comment(
            chat_id=-200,
            message_id=next(message),
            segment_id=segment.id,
            text=text,
            user_id=users[user].id if user else None,
            created_at=when,
            **extra,
        )
        session.add(row)
        return row

    first = comment("Ann", post, "The first & best point", at)
    comment("Ann", post, "More", at)
    comment("Ann", post, "Even more", at)
    comment("<b>Eve</b>", post, "I disagree", at, reply_to_message_id=first.message_id)
    script = comment("<b>Eve</b>", post, "<script>alert(1)</script>", at)
    comment("Bob", post, "Same here", at, reply_to_message_id=first.message_id)
    comment("Bob", post, "spam spam", at, hidden=True)
    comment(
        None, post, "From the group admins", at, sender_chat_id=-200, sender_chat_title="Admins"
    )
    comment("Ann", lessons_post, "On lesson 1", at)
    comment("Ann", old, "Earlier week", at - timedelta(days=8))
    comment("Ann", old, "Earlier week again", at - timedelta(days=8))
    await session.flush()
    session.add_all(
        [
            CommentReaction(
                chat_id=-200,
                message_id=script.message_id,
                reactor_id=3,
                reactions=["👍"],
                updated_at=at,
            ),
            ReactionCount(segment_id=lessons_post.id, reaction="👍", count=5, updated_at=at),
            ReactionCount(segment_id=post.id, reaction="🔥", count=2, updated_at=at),
        ]
    )
    await session.flush()
    return channel


async def test_figures_match_a_week_with_known_counts(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        channel = await _fixture(session)
    period = period_for_week(BERLIN_SUNDAY, 2026, 48)
    async with session_factory() as session:
        figures = await gather_figures(session, channel, period)
    assert (figures.posts, figures.articles, figures.titles) == (2, 1, ["Tariffs & trade"])
    assert figures.comments == 8  # the hidden one is left out
    assert (figures.commenters, figures.new_commenters, figures.returning_commenters) == (3, 2, 1)
    assert figures.previous_comments == 2
    assert figures.change == 3.0
    assert [lesson.counts for lesson in figures.lessons] == [[8, 1, 1], [3, 3, 3], [2, 4, 4]]
    assert figures.lessons[0].named == [1, 1, 0]  # latest answers; Eve retracted
    figures.min_votes = 11
    assert figures.most_agreed is None  # 10 votes at most, fewer than the minimum
    figures.min_votes = 9
    assert figures.most_agreed is not None
    assert figures.most_agreed.question == "Prices rise"
    assert figures.most_contested is not None
    assert figures.most_contested.question == "Allies <matter>"
    assert [(p.title, p.comments, p.reactions) for p in figures.liveliest] == [
        ("Tariffs & trade", 7, 2),
        ("Lessons:", 1, 5),
    ]
    assert figures.liveliest[0].link == "https://t.me/news/11"
    # Ranked by replies; nobody consented, so nobody is named.
    assert [(q.author, q.text, q.replies, q.reactions) for q in figures.quotes] == [
        (None, "The first & best point", 2, 0),
        (None, "<script>alert(1)</script>", 0, 1),
    ]
    assert "spam" not in str(figures.to_json())

    text = render_summary(translator("en"), figures, channel.title, "22–29 November")
    html = text.html
    assert "News &lt;Daily&gt;" in html
    assert "Allies &lt;matter&gt;" in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    assert (
        "Discussion: 8 comments from 3 readers (2 new, 1 returning). +300% on the week before."
        in html
    )
    assert "Most agreed: «Prices rise», 80% agree (10 votes)." in html
    assert "Most contested: «Allies &lt;matter&gt;» (9 votes)." in html
    assert (
        "In the open poll under the post, where votes show who cast them, 2 readers answered: "
        "Agree 1 · Partly 1 · Disagree 0." in html
    )
    assert "Agree 34% (3) · Partly 33% (3) · Disagree 33% (3) — 9 votes" in html
    validate_message(text.caption, 1024)
    assert text.rest is not None
    validate_message(text.rest)
    russian = render_summary(translator("ru"), figures, channel.title, "22—29 ноября").html
    assert "Недельная сводка" in russian
    # "from 3 readers": the genitive, as the plural forms of "{count} reader" are.
    assert "Обсуждение: 8 комментариев от 3 читателей (2 новых, 1 постоянный)." in russian


def test_chart_is_a_png_readable_on_a_phone() -> None:
    lessons = [
        LessonResult(
            "Prices rise when tariffs rise, and importers pass the cost on " * 2,
            ["Agree", "Partly", "Disagree"],
            [8, 1, 1],
        ),
        LessonResult("לקחים מהמלחמה 🎉", ["Agree", "Partly", "Disagree"], [3, 3, 3]),
        LessonResult("Уроки для Израиля", ["Agree", "Partly", "Disagree"], [0, 0, 0]),
    ]
    image = png(lesson_figure(lessons, "News", "22–29 November", translator("en")))
    assert image is not None
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", image[16:24])
    assert width == 1280
    assert 400 <= height <= 2000
    assert len(image) < 1_000_000
    assert lesson_figure([], "News", "22–29 November", translator("en")) is None


async def _publish_and_discuss(h: object) -> None:
    from tests.harness import Harness

    assert isinstance(h, Harness)
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
    await h.pump()
    await h.command("/publish 1 now 10m")
    await h.run_until_idle(horizon=timedelta(hours=6))
    reader = h.world.add_user("Rae", "<i>Q</i>")["id"]
    posts = h.channel_posts()
    thoughtful = h.world.comment(reader, h.channel_id, posts[0]["message_id"], "Thoughtful <piece>")
    other = h.world.add_user("Sol")["id"]
    h.world.reply(other, h.group_id, thoughtful["message_id"], "Indeed")  # makes it quotable
    for message in posts:
        if "poll" in message:
            h.world.vote(reader, h.channel_id, message["message_id"], [0])
    await h.pump()


def _summaries_in(h: object, chat_id: int) -> list[dict[str, object]]:
    from tests.harness import Harness

    assert isinstance(h, Harness)
    return [m for m in h.world.messages(chat_id) if "Weekly summary" in str(m.get("caption", ""))]


async def test_summary_fires_at_local_time_across_dst_and_reaches_the_channel(
    tmp_path: Path,
) -> None:
    start = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)  # Monday of the week summer time ends
    async with running_harness(tmp_path, start=start) as h:
        await _publish_and_discuss(h)
        before = len(h.world.messages(h.channel_id))
        h.clock.set(datetime(2026, 10, 26, 7, 59, tzinfo=UTC))  # Monday 08:59 in Berlin (CET)
        await h.newsbot.tick()
        assert _summaries_in(h, h.channel_id) == []
        h.clock.set(datetime(2026, 10, 26, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
        await h.newsbot.tick()
        summaries = _summaries_in(h, h.channel_id)
        assert len(summaries) == 1
        assert "photo" in summaries[0]
        caption = str(summaries[0]["caption"])
        assert "19–25 October" in caption  # Monday to Sunday: seven dates
        assert "Published: 9 posts from 1 article." in caption
        # The photo and at most one message more, neither of them ringing.
        sent = h.world.messages(h.channel_id)[before:]
        assert 1 <= len(sent) <= 2
        assert all(message.get("disable_notification") for message in sent)
        shown = "\n".join(str(m.get("text", m.get("caption", ""))) for m in sent)
        assert "Too few votes to name the most agreed" in shown  # one vote per lesson
        assert "Thoughtful <piece>" in shown  # escaped in, shown as is
        await h.newsbot.tick()
        assert len(_summaries_in(h, h.channel_id)) == 1


async def test_missed_summary_is_made_up_once_after_downtime(tmp_path: Path) -> None:
    start = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    async with running_harness(tmp_path, start=start) as h:
        await _publish_and_discuss(h)
        await h.newsbot.stop()
        h.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # down over Monday's slot
        from bot.app import NewsBot

        h.newsbot = NewsBot(h.config, clock=h.clock, use_scheduler=False, request_timeout=2.0)
        await h.newsbot.start()
        await h.newsbot.tick()
        await h.newsbot.tick()
        assert len(_summaries_in(h, h.channel_id)) == 1
        async with h.sessions() as session:
            stored = (await session.scalars(select(WeeklySummary))).all()
            assert len(stored) == 1
            assert stored[0].posted_at is not None
            assert stored[0].period_start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Mon 00:00


async def test_a_week_posted_under_the_old_slot_to_slot_period_is_not_posted_again(
    tmp_path: Path,
) -> None:
    """Upgrading from slot-to-slot periods (Sunday 18:00 to Sunday 18:00) to whole days:
    the stored summary of an overlapping period counts as that week's."""
    async with running_harness(tmp_path) as h:
        await _publish_and_discuss(h)
        async with h.sessions.begin() as session:
            channel = (await session.scalars(select(Channel))).one()
            session.add(
                WeeklySummary(
                    channel_id=channel.id,
                    period_start=datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
                    period_end=datetime(2026, 11, 29, 17, 0, tzinfo=UTC),
                    html="<b>Weekly summary</b>",
                    figures={},
                    created_at=datetime(2026, 11, 29, 17, 0, tzinfo=UTC),
                    posted_at=datetime(2026, 11, 29, 17, 0, tzinfo=UTC),
                )
            )
        h.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # the new slot of that week
        await h.newsbot.tick()
        assert _summaries_in(h, h.channel_id) == []
        h.clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # the next week is its own
        await h.newsbot.tick()
        async with h.sessions() as session:
            starts = await session.scalars(
                select(WeeklySummary.period_start).order_by(WeeklySummary.period_start)
            )
            assert list(starts) == [
                datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
                datetime(2026, 11, 29, 23, 0, tzinfo=UTC),  # Monday 30 November, Berlin
            ]


async def test_summary_command_previews_privately_and_posts_once(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        await _publish_and_discuss(h)
        stranger = h.world.add_user("Mal")["id"]
        assert "Sorry" in (await h.command("/summary", stranger))[0]
        before = len(h.world.messages(h.admin_id))
        await h.command("/summary news")  # by default, the week so far
        preview = h.world.messages(h.admin_id)[before + 1 :]
        assert preview[0]["text"] == (
            "Preview of the week in progress, 23–29 November, as it would read now:"
        )
        assert "Weekly summary" in str(preview[1].get("caption"))
        assert "photo" in preview[1]
        assert (await h.command("/summary post news 2026-W48"))[-1] == (
            "The week 23–29 November is not over yet; it can be posted once it ends."
        )
        h.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        assert _summaries_in(h, h.channel_id) == []  # a preview is private
        wrong_week = (await h.command("/summary news 2026-W60"))[-1]
        assert wrong_week.startswith("2026-W60 is not a week of 2026")
        assert "Usage: /summary" in wrong_week
        assert "Usage: /summary" in (await h.command("/summary news next week"))[-1]
        replies = await h.command("/summary post news")  # by default, the last finished week
        assert replies[0] == (
            "Post the summary of the last finished week, 23–29 November, in news now, for "
            "every subscriber to see?"
        )
        assert _summaries_in(h, h.channel_id) == [], "nothing posted before the confirmation"
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Post it")
        await h.pump()
        assert h.world.messages(h.admin_id)[-1]["message_id"] >= question["message_id"]
        edited = h.world.chats[h.admin_id].messages[question["message_id"]]
        assert edited["text"] == "Posting the summary for 23–29 November…"
        assert _summaries_in(h, h.channel_id) == []  # stored; the schedule's tick posts it
        await h.newsbot.tick()
        await h.pump()
        assert (
            h.world.messages(h.admin_id)[-1]["text"] == "The summary for 23–29 November is posted."
        )
        assert len(_summaries_in(h, h.channel_id)) == 1
        await h.newsbot.tick()  # the request ran once
        assert len(_summaries_in(h, h.channel_id)) == 1
        assert "already posted" in (await h.command("/summary post news 2026-W48"))[-1]
        async with h.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(WeeklySummary)) == 1


async def test_a_confirmed_post_survives_a_restart_before_it_runs(tmp_path: Path) -> None:
    """[Post it] is stored with the press: a bot stopped before its schedule ran it posts
    the summary after the restart, once, and tells the admin."""
    async with running_harness(tmp_path) as h:
        await _publish_and_discuss(h)
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        h.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        await h.command("/summary post news 2026-W48")
        question = h.world.messages(h.admin_id)[-1]
        h.world.click(h.admin_id, h.admin_id, question["message_id"], "Post it")
        await h.pump()
        await h.newsbot.stop()  # before any tick ran the request
        assert _summaries_in(h, h.channel_id) == []
        await h.newsbot.start()
        await h.newsbot.tick()
        await h.pump()
        await h.newsbot.tick()
        await h.pump()
        assert len(_summaries_in(h, h.channel_id)) == 1
        texts = [m.get("text") for m in h.world.messages(h.admin_id)]
        assert texts.count("The summary for 23–29 November is posted.") == 1


async def test_summary_to_admins_and_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_harness(
        tmp_path, channel_extra={"summary_to": "admins", "summary_min_votes": 1}
    ) as h:
        await _publish_and_discuss(h)
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        h.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
        await h.newsbot.tick()
        await h.pump()  # the admins' copy goes through the outbox
        assert _summaries_in(h, h.channel_id) == []
        assert len(_summaries_in(h, h.admin_id)) == 1
    config = tmp_path / "cli.toml"
    config.write_text(
        f'token = "{h.config.token.get_secret_value()}"\n'
        f'database_url = "{h.config.database_url}"\n'
        f'[[channels]]\nchat = {h.channel_id}\nname = "news"\ntimezone = "Europe/Berlin"\n'
        "summary_min_votes = 1\n",
        encoding="utf-8",
    )
    import asyncio

    from bot.cli import main

    chart = tmp_path / "summary.png"
    arguments = [
        "--config",
        str(config),
        "summary",
        "--channel",
        "news",
        "--week",
        "2026-W48",
        "--out",
        str(chart),
    ]
    assert await asyncio.to_thread(main, arguments) == 0
    out = capsys.readouterr().out
    assert "Weekly summary · News · 23–29 November" in out
    assert "Most agreed:" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert await asyncio.to_thread(main, [*arguments[:5], "--week", "W48"]) == 2
