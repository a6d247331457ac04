"""Two channels, two teams, one bot: each team acts on, sees and hears about its own
channel only; operators act everywhere (issue: every channel its own team)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import ADMIN_CACHE_TTL
from bot.app import NewsBot
from bot.clock import ManualClock
from bot.emulator.limits import FloodLimits
from bot.emulator.server import EmulatorServer
from bot.emulator.world import World
from db.models import Article, AuditEntry, Comment, Role, Segment
from tests.conftest import SAMPLE_ARTICLE, TEST_TOKEN
from tests.harness import START, Harness, harness_config

TITLE_A = "Ports and prices"
ARTICLE_A = f"""---
title: {TITLE_A}
lessons: auto
---
# {TITLE_A}

Shipping costs rose again this week, and the ports are full.

## What to take away

1. Prices follow freight costs.
2. Full ports mean late deliveries.
""".encode()


@dataclass
class Teams:
    h: Harness
    people: dict[str, int]
    channel_b: int
    group_b: int


@asynccontextmanager
async def two_teams(tmp_path: Path) -> AsyncIterator[Teams]:
    """Channel "news" (English) run by Alice, "novosti" (Russian) run by Boris; Oscar
    operates the bot; each channel has a moderator of its own."""
    clock = ManualClock(START)
    world = World(
        TEST_TOKEN, clock=lambda: clock.now().timestamp(), flood=FloodLimits(private_burst=100)
    )
    people = {
        "operator": world.add_user("Oscar", username="oscar_op")["id"],
        "admin A": world.add_user("Alice", username="alice_a")["id"],
        "admin B": world.add_user("Boris", username="boris_b", language_code="ru")["id"],
        "moderator A": world.add_user("Mia", username="mia_a")["id"],
        "moderator B": world.add_user("Misha", username="misha_b", language_code="ru")["id"],
        "reader": world.add_user("Rita", username="rita_r")["id"],
        "stranger": world.add_user("Sam")["id"],
    }
    channel_a, group_a = world.create_channel("News", "@news_a", owner_id=people["admin A"])
    channel_b, group_b = world.create_channel("Новости", "@novosti_b", owner_id=people["admin B"])
    assert group_a is not None
    assert group_b is not None
    for person in people.values():
        world.send_private(person, "/start")  # everyone but the tests' latecomers started
    server = EmulatorServer(world)
    await server.start()
    channels = [
        {"chat": channel_a, "name": "news", "timezone": "Europe/Berlin",
         "moderators": [people["moderator A"]]},
        {"chat": channel_b, "name": "novosti", "language": "ru", "timezone": "Europe/Moscow",
         "moderators": [people["moderator B"]]},
    ]  # fmt: skip
    config = harness_config(server, tmp_path / "newsbot.db", channels, people["operator"])
    newsbot = NewsBot(config, clock=clock, use_scheduler=False, request_timeout=2.0)
    await newsbot.start()
    h = Harness(world, server, newsbot, clock, config, channel_a, group_a, people["admin A"], [])
    try:
        await h.pump()
        yield Teams(h, people, channel_b, group_b)
    finally:
        await h.newsbot.stop()
        await server.stop()


async def _import(h: Harness, who: int, data: bytes, name: str = "a.md") -> str:
    h.world.send_document(who, name, data, caption="/import")
    await h.pump()
    return str(h.world.messages(who)[-1].get("text", ""))


async def _state(h: Harness) -> tuple[object, ...]:
    """What any command could change."""
    async with h.sessions() as session:
        segments = (await session.execute(
            select(Segment.id, Segment.state, Segment.scheduled_at, Segment.channel_id)
            .order_by(Segment.id)
        )).all()  # fmt: skip
        articles = (await session.execute(
            select(Article.id, Article.paused, Article.channel_id).order_by(Article.id)
        )).all()  # fmt: skip
        roles = (await session.execute(select(Role.user_id, Role.channel_id))).all()
        hidden = (await session.execute(select(Comment.id, Comment.hidden))).all()
        audit = await session.scalar(select(func.count(AuditEntry.id)))
    return tuple(segments), tuple(articles), tuple(sorted(roles)), tuple(hidden), audit


# Every command acting on channel A, and the roles that may give it.
COMMANDS_ON_A = [
    ("/articles", {"operator", "admin A"}),
    ("/preview 1", {"operator", "admin A"}),
    ("/status", {"operator", "admin A"}),
    ("/pause 1", {"operator", "admin A"}),
    ("/cancel 1", {"operator", "admin A"}),
    ("/publish 1 news +3h", {"operator", "admin A"}),
    ("/summary news", {"operator", "admin A"}),
    ("/audit", {"operator", "admin A", "moderator A"}),
    ("/export news", {"operator", "admin A", "moderator A"}),
    ("/unhide {hidden}", {"operator", "admin A", "moderator A"}),
    ("/grant moderator @rita_r news", {"operator", "admin A"}),
    ("/unban @rita_r", {"operator", "admin A", "moderator A"}),
]


@pytest.mark.parametrize("role", ["operator", "admin A", "admin B", "moderator A",
                                  "moderator B", "reader", "stranger"])  # fmt: skip
async def test_every_command_on_channel_a_for_every_role(tmp_path: Path, role: str) -> None:
    """Allowed roles act on channel A; every other role changes nothing and learns nothing
    of channel A (its article's title, its comments, its audit)."""
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        answer = await _import(h, people["admin A"], ARTICLE_A)
        assert "Imported article 1" in answer, answer
        await h.command("/publish 1 tomorrow 09:00", people["admin A"])
        posts = h.world.messages(h.channel_id)
        # A comment of channel A, hidden by its moderator, for /unhide.
        h.world.send_private(people["admin A"], "/publish 1 now 1m")
        await h.pump()
        await h.run_until_idle()
        posts = h.channel_posts()
        assert posts
        comment = h.world.comment(people["reader"], h.channel_id, posts[0]["message_id"], "hi")
        await h.pump()
        h.world.reply(people["moderator A"], h.group_id, comment["message_id"], "/hide rude")
        await h.pump()
        async with h.sessions() as session:
            hidden = await session.scalar(select(Comment.id).where(Comment.hidden.is_(True)))
        assert hidden is not None
        await h.command("/resume 1", people["admin A"])
        who = people[role]
        for text, allowed in COMMANDS_ON_A:
            command = text.format(hidden=hidden)
            before = await _state(h)
            seen = len(h.world.messages(who))
            h.world.send_private(who, command)
            await h.pump()
            answers = h.world.messages(who)[seen + 1 :]
            words = " ".join(str(m.get("text") or m.get("caption") or "") for m in answers)
            if role in allowed:
                assert "Sorry" not in words, (command, words)
                assert "No article" not in words, (command, words)
                continue
            assert await _state(h) == before, command
            assert TITLE_A not in words, (command, words)
            assert "rude" not in words, (command, words)  # the hidden comment's reason
            assert not any(m.get("document") for m in answers), command


async def test_a_moderator_of_one_channel_cannot_hide_in_the_other(tmp_path: Path) -> None:
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        await _import(h, people["admin B"], SAMPLE_ARTICLE.read_bytes(), "a.txt")
        await h.command("/publish 1 now 1m", people["admin B"])
        await h.run_until_idle()
        post = h.world.messages(t.channel_b)[0]
        comment = h.world.comment(people["reader"], t.channel_b, post["message_id"], "привет")
        await h.pump()
        h.world.reply(people["moderator A"], t.group_b, comment["message_id"], "/hide spam")
        await h.pump()
        # Not a command from them there: a comment like any other, and nothing hidden.
        assert comment["message_id"] in h.world.chats[t.group_b].messages
        async with h.sessions() as session:
            assert await session.scalar(select(func.count()).where(Comment.hidden)) == 0
        h.world.reply(people["moderator B"], t.group_b, comment["message_id"], "/hide spam")
        await h.pump()
        assert comment["message_id"] not in h.world.chats[t.group_b].messages
        confirmation = h.world.messages(people["moderator B"])[-1]["text"]
        # Named as Telegram shows them, in the moderator's language.
        assert "Rita (@rita_r)" in confirmation
        assert confirmation.startswith("Скрыт")


async def test_each_team_hears_its_own_article_in_its_own_language(tmp_path: Path) -> None:
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        await _import(h, people["admin A"], ARTICLE_A)
        await h.command("/publish 1 now 1m", people["admin A"])
        await _import(h, people["admin B"], SAMPLE_ARTICLE.read_bytes(), "a.txt")
        await h.command("/publish 2 now 1m", people["admin B"])
        await h.run_until_idle()

        def texts(person: str) -> list[str]:
            return [str(m.get("text", "")) for m in h.world.messages(people[person])]

        assert any(
            "Article 1" in text and "has started in news" in text for text in texts("admin A")
        )
        assert any(
            "Article 1" in text and "is finished in news" in text for text in texts("admin A")
        )
        assert not any("Article 2" in text or "Статья 2" in text for text in texts("admin A"))
        assert any(text.startswith("Статья 2") for text in texts("admin B"))
        assert not any("Article 1" in text or "Статья 1" in text for text in texts("admin B"))
        # The operator hears both (operator_notices defaults to on).
        assert any("Article 1" in text for text in texts("operator"))
        assert any("Article 2" in text for text in texts("operator"))


async def test_a_notice_waits_for_an_admin_who_never_pressed_start(tmp_path: Path) -> None:
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        late = h.world.add_user("Lena", username="lena_late")["id"]
        h.world.make_admin(h.channel_id, late)  # a channel admin who may post, never wrote
        await _import(h, people["admin A"], ARTICLE_A)
        h.clock.advance(ADMIN_CACHE_TTL)  # the channel's administrators are read again
        await h.command("/publish 1 now 1m", people["admin A"])
        await h.run_until_idle()
        assert h.world.messages(late) == []  # Telegram would not let the bot write
        h.world.send_private(late, "/start")
        await h.pump()
        texts = [str(m.get("text", "")) for m in h.world.messages(late)]
        started = [i for i, text in enumerate(texts) if "has started in news" in text]
        finished = [i for i, text in enumerate(texts) if "is finished in news" in text]
        assert started, texts
        assert finished, texts
        assert started[0] < finished[0]
        assert any("You are an admin of" in text for text in texts)


async def test_the_same_text_is_each_teams_own_article(tmp_path: Path) -> None:
    """Importing what another team already imported neither reveals nor reuses theirs."""
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        assert "Imported article 1" in await _import(h, people["admin A"], ARTICLE_A)
        answer = await _import(h, people["admin B"], ARTICLE_A)
        assert "статья 2" in answer.lower() or "article 2" in answer.lower(), answer
        listed = await h.command("/articles", people["admin B"])
        assert "2." in listed[0]
        assert "1." not in listed[0].replace("2.", "")


async def test_an_operator_with_two_channels_is_asked_where_an_import_goes(
    tmp_path: Path,
) -> None:
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        question = await _import(h, people["operator"], ARTICLE_A)
        assert question == "Which channel is this article for?"
        keyboard = h.world.messages(people["operator"])[-1]["reply_markup"]["inline_keyboard"]
        assert [row[0]["text"] for row in keyboard] == ["news", "novosti"]
        data = keyboard[1][0]["callback_data"]
        message_id = h.world.messages(people["operator"])[-1]["message_id"]
        h.world.press_button(people["operator"], people["operator"], message_id, data)
        await h.pump()
        answer = h.world.messages(people["operator"])[-1]["text"]
        assert "article 1" in answer.lower(), answer
        async with h.sessions() as session:
            article = await session.get(Article, 1)
            assert article is not None
            assert article.language == "ru"  # segmented for the Russian channel


async def test_a_button_acts_only_while_its_presser_still_runs_the_channel(
    tmp_path: Path,
) -> None:
    """[Publish now] checks, at the press, that its presser is still an admin of the
    article's channel: one removed as its administrator in the meantime changes nothing."""
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        late_admin = h.world.add_user("Lev", username="lev_l")["id"]
        h.world.send_private(late_admin, "/start")
        h.world.make_admin(h.channel_id, late_admin)  # may post: an admin of channel A
        h.clock.advance(ADMIN_CACHE_TTL)
        await h.pump()
        assert "Imported article 1" in await _import(h, late_admin, ARTICLE_A)
        offer = h.world.messages(late_admin)[-1]
        h.world.demote(h.channel_id, late_admin)  # no longer an administrator there
        h.clock.advance(ADMIN_CACHE_TTL)
        before = await _state(h)
        h.world.click(late_admin, late_admin, offer["message_id"], "Publish now")
        await h.pump()
        assert await _state(h) == before
        assert h.world.messages(h.channel_id) == []
        # The same button, pressed by someone else, is no button of theirs either.
        h.world.click(people["admin B"], late_admin, offer["message_id"], "Publish now")
        await h.pump()
        assert await _state(h) == before


async def test_people_are_named_by_name_reply_or_buttons_when_names_collide(
    tmp_path: Path,
) -> None:
    async with two_teams(tmp_path) as t:
        h, people = t.h, t.people
        await _import(h, people["admin A"], ARTICLE_A)
        await h.command("/publish 1 now 1m", people["admin A"])
        await h.run_until_idle()
        post = h.channel_posts()[0]
        sams = [h.world.add_user("Sam", "Stone")["id"], h.world.add_user("Sam", "Stone")["id"]]
        comments = [
            h.world.comment(sam, h.channel_id, post["message_id"], f"hi {n}")
            for n, sam in enumerate(sams)
        ]
        await h.pump()
        # A name two readers share: buttons, each as Telegram shows the person.
        asked = await h.command("/grant moderator Sam Stone", people["admin A"])
        assert asked == ["Several people have that name. Whom do you mean?"]
        question = h.world.messages(people["admin A"])[-1]
        assert [row[0]["text"] for row in question["reply_markup"]["inline_keyboard"]] == [
            "Sam Stone",
            "Sam Stone",
        ]
        h.world.click(people["admin A"], people["admin A"], question["message_id"], "Sam Stone")
        await h.pump()
        assert h.world.messages(people["admin A"])[-1]["text"] == (
            "Sam Stone is now a moderator of news."
        )
        # A reply to a message of theirs forwarded to the bot names the other one.
        forwarded = h.world.forward_to_bot(people["admin A"], h.group_id, comments[1]["message_id"])
        h.world.send_private(
            people["admin A"], "/grant moderator", reply_to=forwarded["message_id"]
        )
        await h.pump()
        assert h.world.messages(people["admin A"])[-1]["text"] == (
            "Sam Stone is now a moderator of news."
        )
        async with h.sessions() as session:
            granted = set(await session.scalars(select(Role.user_id)))
        assert granted == set(sams)
        # Nobody of that name in channel B's group: admin B hears that (in Russian), not a
        # guess, and not that channel A has such readers.
        refused = await h.command("/grant moderator Sam Stone", people["admin B"])
        assert refused == ["такой человек мне не известен: Sam Stone"]
