"""The weekly digest: what readers said about each lesson, how their view moved, whom it
quotes and by what name, and the charts, from a fixture week with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import ChannelConfig, read_struct
from bot.i18n import translator
from bot.summaries.chart import Canvas, activity_figure, lesson_figure, png
from bot.summaries.content import (
    LessonResult,
    Quote,
    SummaryFigures,
    gather_figures,
    largest_remainder,
)
from bot.summaries.period import period_for_week
from bot.summaries.render import caption_blocks, render_summary
from bot.telegram.html import parse_html, utf16_length
from db.models import (
    Article,
    Channel,
    Comment,
    CommentReaction,
    Lesson,
    Poll,
    PollAnswer,
    PollSnapshot,
    Segment,
    SegmentKind,
    SegmentState,
    User,
    WeeklySummary,
)
from tests.harness import running_harness

BERLIN = read_struct(ChannelConfig, {"chat": -1, "timezone": "Europe/Berlin"})
WEEK = period_for_week(BERLIN, 2026, 48)  # Sun 22 Nov 17:00 UTC to Sun 29 Nov 17:00 UTC
TEXTS = {
    "en": {
        "ann": "Security guarantees without a strong army are empty words.",
        "bob": "Security guarantees failed everyone; only the army decides.",
        "cid": "Allies keep security guarantees only when it suits them.",
        "dan": "A very long comment that nobody answered and nobody reacted to, " * 3,
        "replies": ["Exactly, the army matters", "Agreed", "Not true"],
        "phrase": "security guarantees",
    },
    "ru": {
        "ann": "Гарантии безопасности без сильной армии — пустые слова.",
        "bob": "Гарантии безопасности не помогли никому; всё решает армия.",
        "cid": "Союзники соблюдают гарантии безопасности, только когда им выгодно.",
        "dan": "Очень длинный комментарий, на который никто не ответил и не отреагировал, " * 3,
        "replies": ["Именно, армия важнее", "Согласен", "Неправда"],
        "phrase": "гарантии безопасности",
    },
}


async def _digest_week(session: AsyncSession, language: str) -> Channel:
    """Three lessons posted on Tuesday: the first with 20 votes (40% agreed when the week
    began, 60% at its end), named votes and seven comments; the second with 3 votes; the
    third with none."""
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    texts = TEXTS[language]
    channel = Channel(
        key="news",
        chat_id=-100,
        title="News",
        language=language,
        timezone="Europe/Berlin",
        created_at=at - timedelta(days=30),
    )
    session.add(channel)
    await session.flush()
    people = {
        name: User(id=number, first_name=name, quote_consent=consent, first_seen=at, last_seen=at)
        for number, (name, consent) in enumerate(
            [("Ann", True), ("Bob", None), ("Cid", False), ("Dan", None), ("Eve", True)], 1
        )
    }
    session.add_all(people.values())
    lessons_post = Segment(
        position=3,
        kind=SegmentKind.LESSONS,
        html="",
        text="Lessons",
        state=SegmentState.POSTED,
        posted_at=at,
        message_id=12,
        channel_id=channel.id,
    )
    article = Article(
        content_hash="d" * 64,
        title="Guarantees",
        source_format="text",
        raw_text="",
        channel_id=channel.id,
        imported_at=at,
        segments=[lessons_post],
    )
    options = ["Agree", "Partly", "Disagree"]
    for position, question, counts in [
        (0, "Guarantees need an army", [12, 5, 3]),
        (1, "Allies are reliable", [2, 1, 0]),
        (2, "Treaties outlast rulers", [0, 0, 0]),
    ]:
        lesson = Lesson(position=position, text=question, question=question)
        lesson.polls.append(
            Poll(
                chat_id=-100,
                options=options,
                counts=counts,
                total_voters=sum(counts),
                state=SegmentState.POSTED,
                posted_at=at - timedelta(days=3) if position == 0 else at,
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
                )
            )
        lessons_post.lessons.append(lesson)
    session.add(article)
    await session.flush()
    first = lessons_post.lessons[0]
    channel_poll = next(p for p in first.polls if not p.companion)
    companion = next(p for p in first.polls if p.companion)
    session.add_all(
        [
            PollSnapshot(
                poll_id=channel_poll.id, taken_at=WEEK.start - timedelta(hours=1),
                counts=[4, 4, 2], total_voters=10,
            ),
            PollSnapshot(
                poll_id=channel_poll.id, taken_at=WEEK.end - timedelta(hours=1),
                counts=[12, 5, 3], total_voters=20,
            ),
        ]
    )  # fmt: skip
    for name, option in [("Ann", 0), ("Bob", 2), ("Cid", 0), ("Dan", 1)]:
        session.add(
            PollAnswer(
                poll_id=companion.id, user_id=people[name].id, option_ids=[option], answered_at=at
            )
        )
    message_ids = iter(range(100, 200))

    def comment(name: str, text: str, reply_to: Comment | None = None) -> Comment:
        row = Comment(
            chat_id=-200,
            message_id=next(message_ids),
            segment_id=lessons_post.id,
            lesson_id=first.id,
            user_id=people[name].id,
            text=text,
            created_at=at,
            reply_to_message_id=reply_to.message_id if reply_to else None,
        )
        session.add(row)
        return row

    ann = comment("Ann", str(texts["ann"]))
    bob = comment("Bob", str(texts["bob"]))
    cid = comment("Cid", str(texts["cid"]))
    comment("Dan", str(texts["dan"]))  # the longest, with no reply and no reaction
    comment("Eve", texts["replies"][0], ann)
    comment("Eve", texts["replies"][1], ann)
    comment("Dan", texts["replies"][2], bob)
    await session.flush()
    reactions = [(ann, 4), (bob, 1), (bob, 3), (bob, 5), (cid, 2)]
    session.add_all(
        CommentReaction(
            chat_id=-200, message_id=row.message_id, reactor_id=who, reactions=["👍"], updated_at=at
        )
        for row, who in reactions
    )
    await session.flush()
    return channel


async def _figures(
    sessions: async_sessionmaker[AsyncSession], language: str, names: Any = "ask"
) -> SummaryFigures:
    async with sessions.begin() as session:
        channel = await _digest_week(session, language)
    async with sessions() as session:
        return await gather_figures(session, channel, WEEK, names=names, min_votes=10)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_digest_of_a_known_week(
    session_factory: async_sessionmaker[AsyncSession], language: str
) -> None:
    figures = await _figures(session_factory, language)
    texts = TEXTS[language]
    first, second, third = figures.lessons
    assert (first.counts, first.total, first.comments) == ([12, 5, 3], 20, 7)
    assert first.percentages() == [60, 25, 15]
    assert first.movement == (40, 10, 60, 20)
    # Ranked by replies and reactions: Bob 1 + 3, Ann 2 + 1, Cid 0 + 1; never the longest.
    assert [(q.text, q.replies, q.reactions) for q in first.quotes] == [
        (texts["bob"], 1, 3),
        (texts["ann"], 2, 1),
        (texts["cid"], 0, 1),
    ]
    # Only Ann said /quote on; Cid said /quote off; Bob said nothing.
    assert [q.author for q in first.quotes] == [None, "Ann", None]
    # Grouped by the author's companion-poll answer: Agree (Ann, Cid), Disagree (Bob).
    assert [(option, [q.text for q in quotes]) for option, quotes in first.by_vote] == [
        (0, [texts["ann"], texts["cid"]]),
        (2, [texts["bob"]]),
    ]
    assert first.phrases[0] == texts["phrase"]  # in three comments; the long one is ignored
    assert (second.total, second.movement, second.quotes) == (3, None, [])
    assert (third.total, third.percentages()) == (0, [0, 0, 0])
    # Standouts need 10 votes: only the first lesson qualifies, and it is named with them.
    assert figures.most_agreed is first
    assert figures.most_contested is None

    _ = translator(language)
    dates = WEEK.dates(BERLIN.zone, language)
    html = render_summary(_, figures, "News", dates).html
    if language == "en":
        assert "<b>Weekly summary · News · 23–29 November</b>" in html
        assert "Agree 60% (12) · Partly 25% (5) · Disagree 15% (3) — 20 votes" in html
        assert "Agreement moved from 40% (10 votes) to 60% (20 votes)." in html
        assert "Agree 67% (2) · Partly 33% (1) · Disagree 0% (0) — 3 votes" in html
        # The third lesson had neither votes nor comments: left out, not "no votes yet".
        assert "No votes yet." not in html
        assert "Treaties outlast rulers" not in html
        assert (
            "In the open poll under the post, where votes show who cast them, 4 readers "
            "answered: Agree 2 · Partly 1 · Disagree 1." in html
        )
        assert "Most agreed: «Guarantees need an army», 60% agree (20 votes)." in html
        assert "Most contested" not in html
        assert "Readers who chose «Agree» said:" in html
        assert "Readers who chose «Disagree» said:" in html
        assert f"{texts['ann']}</blockquote>— Ann · 2 replies, 1 reaction" in html
        assert f"{texts['bob']}</blockquote>— a reader · 1 reply, 3 reactions" in html
        assert "Recurring themes: " in html
        assert "security guarantees" in html
    else:
        assert "23–29 ноября" in html
        assert "Согласие изменилось с 40% (10 голосов) до 60% (20 голосов)." in html
        assert "Голосов пока нет." not in html
        assert (
            "В открытом опросе под постом, где видно, кто как голосовал, ответили 4 читателя: "
            "Agree 2 · Partly 1 · Disagree 1." in html
        )
        assert "Читатели, выбравшие «Agree», писали:" in html
        assert f"{texts['bob']}</blockquote>— читатель · 1 ответ, 3 реакции" in html
        assert "Повторяющиеся темы: " in html
        assert "гарантии безопасности" in html


async def test_names_follow_the_channel_policy_and_each_readers_word(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    figures = await _figures(session_factory, "en", names="always")
    # "always" names everyone but Cid, who said /quote off.
    assert [q.author for q in figures.lessons[0].quotes] == ["Bob", "Ann", None]


async def test_no_one_is_named_when_the_channel_never_names(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    figures = await _figures(session_factory, "en", names="never")
    assert [q.author for q in figures.lessons[0].quotes] == [None, None, None]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12))
def test_percentages_add_up_to_100(counts: list[int]) -> None:
    shares = largest_remainder(counts)
    assert sum(shares) == (100 if sum(counts) else 0)
    for count, share in zip(counts, shares, strict=True):
        assert abs(share - count * 100 / max(sum(counts), 1)) < 1


def test_percentages_known_cases() -> None:
    assert largest_remainder([1, 1, 1]) == [34, 33, 33]
    assert largest_remainder([12, 5, 3]) == [60, 25, 15]
    assert largest_remainder([2, 1, 0]) == [67, 33, 0]
    assert largest_remainder([0, 0]) == [0, 0]


def _texts(canvas: Canvas) -> str:
    return "\n".join(canvas.texts)


async def test_charts_are_phone_sized_and_carry_their_story(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    figures = await _figures(session_factory, "en")
    _ = translator("en")
    figure = lesson_figure(figures.lessons, "News", "23–29 November", _)
    assert figure is not None
    texts = _texts(figure)
    assert "News · 23–29 November" in texts
    assert "20 votes" in texts
    assert "3 votes" in texts
    assert "60%" in texts
    assert "67%" in texts
    assert "Not shown: 1 lesson without votes" in texts  # the third, labelled, not blank
    assert "Treaties outlast rulers" not in texts
    image = png(figure)
    assert image is not None
    assert int.from_bytes(image[16:20], "big") == 1280
    activity = activity_figure(figures.days, figures.activity, "News", "23–29 November", _, "en")
    assert activity is not None
    texts = _texts(activity)
    assert "News · 23–29 November" in texts
    # Seven bars, Monday to Sunday, each with its count: 7 comments on Tuesday.
    labels = [text for text in texts.split("\n") if text[:3] in ("Mon", "Tue", "Sun")]
    assert labels == ["Mon 23", "Tue 24", "Sun 29"]  # the channel's language and zone
    assert "7\nTue 24" in texts
    assert figures.activity == [("Guarantees", [0, 7, 0, 0, 0, 0, 0])]
    image = png(activity)
    assert image is not None
    assert int.from_bytes(image[16:20], "big") == 1280


async def test_an_empty_week_is_not_posted_and_admins_hear_why(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        h.world.send_private(h.admin_id, "/start")
        await h.pump()
        h.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # after Sunday's slot
        # Asked by hand, it says so at once instead of asking to post nothing.
        answer = await h.command("/summary post news")
        assert answer == ["Nothing to summarise for 23–29 November: no posts, comments or votes."]
        assert h.world.messages(h.admin_id)[-1].get("reply_markup") is None
        await h.newsbot.tick()  # the scheduled run
        await h.pump()
        assert h.world.messages(h.channel_id) == []
        assert h.world.messages(h.admin_id)[-1]["text"] == (
            "No weekly summary for News, 23–29 November: nothing was posted, said or voted, "
            "so nothing went to the channel."
        )
        await h.newsbot.tick()
        await h.pump()
        told = [m for m in h.world.messages(h.admin_id) if "No weekly summary" in m["text"]]
        assert len(told) == 1  # the week is settled, not retried
        async with h.sessions() as session:
            stored = (await session.scalars(select(WeeklySummary))).one()
            assert stored.posted_at is not None
            assert stored.message_id is None


async def test_quote_consent_and_reactions_end_to_end(tmp_path: Path) -> None:
    async with running_harness(tmp_path, channel_extra={"summary_min_votes": 1}) as h:
        posts = await h.publish_sample()
        poll = next(m for m in posts if "poll" in m)
        zoe = h.world.add_user("Zoe", language_code="ru")["id"]
        yan = h.world.add_user("Yan")["id"]
        said = h.world.comment(zoe, h.channel_id, poll["message_id"], "Сильная армия важнее")
        h.world.react(yan, h.group_id, said["message_id"], "👍")
        h.world.vote(yan, h.channel_id, poll["message_id"], [0])
        await h.pump()
        assert (await h.command("/quote", zoe))[0].startswith(
            "Недельные сводки цитируют ваши комментарии как «читатель», без имени."
        )

        async def preview() -> str:
            before = len(h.world.messages(h.admin_id))
            await h.command("/summary news")
            shown = h.world.messages(h.admin_id)[before:]
            return "\n".join(str(m.get("text", m.get("caption", ""))) for m in shown)

        # As the chat shows it: the quote, then who said it and how readers answered.
        unnamed = await preview()
        assert "Сильная армия важнее— a reader · 1 reaction" in unnamed
        assert (await h.command("/quote on", zoe))[0] == (
            "Готово: недельные сводки могут называть вас по имени, цитируя."
        )
        assert "Сильная армия важнее— Zoe · 1 reaction" in await preview()
        await h.command("/quote off", zoe)
        assert "— Zoe" not in await preview()
        assert "/quote" in (await h.command("/quote maybe", zoe))[0]
        # /forget takes her words out of every summary made from now on.
        await h.command("/forget", zoe)
        asked = h.world.messages(zoe)[-1]
        h.world.click(zoe, zoe, asked["message_id"], "Да, удалить")
        await h.pump()
        assert "Сильная армия важнее" not in await preview()


def test_a_quote_keeps_every_line_of_the_comment() -> None:
    from bot.summaries.content import digest_quotes

    row = (1, 1, "First line,\nsecond line.\n\nThird.", 5, "Ann", None, True, None, 2, 0, [0])
    best, by_vote = digest_quotes([row], "ask")
    assert best[0].text == "First line, second line. Third."
    assert by_vote[0][1][0].text == "First line, second line. Third."


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_busy_week_is_one_caption_and_one_message_with_whole_lessons(language: str) -> None:
    """Forty discussed lessons with long quotes: the caption holds whole blocks, one more
    message holds as many whole lessons as fit and counts the rest; a lesson nobody voted
    on or discussed is not mentioned."""
    quote = Quote("Ann", "A long and thoughtful comment about the lesson " * 4, 2, 1)
    lessons = [
        LessonResult(
            f"Lesson question number {n}",
            ["Agree", "Partly", "Disagree"],
            [n, 1, 1],
            number=n,
            comments=3,
            quotes=[quote, quote, quote],
        )
        for n in range(1, 41)
    ]
    lessons.append(LessonResult("Nobody cared", ["Agree", "Disagree"], [0, 0], number=41))
    figures = SummaryFigures(
        posts=40,
        articles=3,
        titles=[f"Article {n} " + "with a rather long title " * 3 for n in range(3)],
        comments=120,
        commenters=30,
        new_commenters=10,
        previous_comments=100,
        lessons=lessons,
        liveliest=[],
        quotes=[],
    )
    _ = translator(language)
    text = render_summary(_, figures, "News", "23–29 November", "Chart.")
    assert utf16_length(parse_html(text.caption).text) <= 1024
    assert text.rest is not None
    shown = parse_html(text.rest).text
    assert utf16_length(shown) <= 4096
    drawn = [n for n in range(1, 41) if f"Lesson question number {n}»" in shown]
    assert drawn == list(range(1, len(drawn) + 1))
    assert 2 <= len(drawn) < 40
    left = 40 - len(drawn)
    more = {"en": f"{left} more lessons were discussed", "ru": f"Обсуждали ещё {left} урок"}
    assert more[language] in shown
    assert "Nobody cared" not in text.html
    # The caption is whole blocks, in order (never a list cut short); the rest begins
    # with the first block it could not hold.
    blocks = caption_blocks(_, figures, "News", "23–29 November", "Chart.")
    held = [n for n in range(1, len(blocks) + 1) if text.caption == "\n\n".join(blocks[:n])]
    assert held
    assert held[0] == len(blocks) or text.rest.startswith(blocks[held[0]])
