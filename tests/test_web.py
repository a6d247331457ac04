"""The Mini App over HTTP: who sees what, in their language, escaped, under a strict CSP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from aiohttp import web

from bot.access import ADMIN_CACHE_TTL
from bot.web.server import INIT_DATA_HEADER, MiniApp
from tests.harness import Harness, running_harness
from tests.sites import Site, running_site

APP = "https://bot.example.org/app/"


@asynccontextmanager
async def mini_app(h: Harness) -> AsyncIterator[str]:
    parts = h.newsbot.parts
    app = MiniApp(h.config, parts.sessions, parts.access, h.clock, parts.application.bot)
    runner = web.AppRunner(app.application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/app"
    finally:
        await runner.cleanup()


def init_data(h: Harness, user_id: int) -> str:
    """What the person's Telegram app hands the page (the emulator signs it)."""
    url = h.world.open_web_app(user_id, url=APP)["url"]
    return dict(parse_qsl(urlsplit(url).fragment))["tgWebAppData"]


async def view(base: str, data: str | None) -> tuple[int, str, Mapping[str, str]]:
    headers = {INIT_DATA_HEADER: data} if data is not None else {}
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{base}/view/channels", headers=headers) as response,
    ):
        return response.status, await response.text(), dict(response.headers)


async def test_each_person_sees_their_own_channels_and_nothing_else(tmp_path: Path) -> None:
    async with running_harness(tmp_path, extra_channels=1) as h, mini_app(h) as base:
        olga = h.world.add_user("Olga", language_code="ru")["id"]
        rita = h.world.add_user("Rita")["id"]
        other_channel = h.more_channels[0][0]
        h.world.promote(other_channel, olga)  # an admin of news2 only
        article = b"---\nsource: javascript:alert(1)\n---\n# Ports <b>&</b> prices\n\n"
        h.world.send_document(h.admin_id, "a.md", article + b"Text. " * 40, caption="/import news")
        await h.pump()
        status, operator_page, headers = await view(base, init_data(h, h.admin_id))
        assert status == 200
        assert "<h2>news <small>Europe/Berlin</small></h2>" in operator_page
        assert "<h2>news2 " in operator_page
        # A title is text, never markup.
        assert "1. Ports &lt;b&gt;&amp;&lt;/b&gt; prices" in operator_page
        assert "not scheduled yet" in operator_page
        assert "javascript:" not in operator_page
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        h.clock.advance(ADMIN_CACHE_TTL)  # the bot asks Telegram for the admins again
        _, olga_page, _ = await view(base, init_data(h, olga))
        assert "<h1>Ваш канал</h1>" in olga_page
        assert "news2" in olga_page
        assert "Ports" not in olga_page
        assert "<h2>news " not in olga_page
        status, text, _ = await view(base, init_data(h, rita))
        assert (status, text) == (403, "This page is for the channel's admins and moderators.")


async def test_without_valid_init_data_nothing_is_shown(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h, mini_app(h) as base:
        signed = init_data(h, h.admin_id)
        assert (await view(base, None))[0] == 401
        assert (await view(base, signed.replace("Ada", "Eve")))[0] == 401
        h.clock.advance(timedelta(days=1, minutes=1))  # the signature has aged out
        assert (await view(base, signed))[0] == 401
        async with aiohttp.ClientSession() as client, client.get(f"{base}/") as shell:
            page = await shell.text()
        # Outside Telegram the page says where to open it; no inline script anywhere.
        assert "Open this page from the bot in Telegram" in page
        assert "https://t.me/newsbot_emulated_bot" in page
        assert "<script>" not in page
        assert 'data-first="channels"' in page
        async with aiohttp.ClientSession() as client:
            for asked, first in (("article/7", "article/7"), ("../admin", "channels"),
                                 ('channels" onload="x', "channels")):  # fmt: skip
                async with client.get(f"{base}/", params={"view": asked}) as shell:
                    assert f'data-first="{first}"' in await shell.text()


async def test_feeds_and_the_drafts_they_brought_are_listed(tmp_path: Path) -> None:
    async with running_site() as site:
        await _with_feed(tmp_path, site)


async def _with_feed(tmp_path: Path, site: Site) -> None:
    from tests.test_feeds import rss, story

    site.page("/rss", rss([("g1", site.url("/s/1"), "First story")]), "application/rss+xml")
    site.page("/s/1", story("First story"))
    async with running_harness(
        tmp_path, articles={"fetch_private_addresses": True},
        channel_extra={"feeds": [site.url("/rss")]},
    ) as h, mini_app(h) as base:  # fmt: skip
        await h.command("/start")
        await h.newsbot.fetch_due()
        _, page, _ = await view(base, init_data(h, h.admin_id))
        assert "<h3>Waiting for a decision</h3>" in page
        assert "1. First story" in page
        assert '<span class="title">Example Daily</span>' in page


SHORT = b"""# Harbour reopens

The harbour reopened on Monday after a week of repairs, and the first ferries left on time.

## Lessons for the city

Key lessons:

1. Warnings must reach boat owners a day earlier.
2. Spare parts should be stored away from the shore.
"""


async def test_the_article_page_shows_posts_votes_and_how_agreement_moved(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path, extra_channels=1) as h, mini_app(h) as base:
        h.world.send_document(h.admin_id, "a.md", SHORT, caption="/import news")
        await h.pump()
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        posts = h.channel_posts()
        polls = [m for m in posts if "poll" in m]
        readers = [h.world.add_user(name)["id"] for name in ("Ann", "Ben", "Cy")]
        for reader, option in zip(readers, (0, 0, 2), strict=True):
            h.world.vote(reader, h.channel_id, polls[0]["message_id"], [option])
            await h.pump()
            h.clock.advance(timedelta(hours=1))
        h.world.comment(readers[0], h.channel_id, posts[0]["message_id"], "Good news <b>!</b>")
        await h.pump()
        data = init_data(h, h.admin_id)
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"{base}/view/article/1", headers={INIT_DATA_HEADER: data}) as response,
        ):
            page = await response.text()
        assert "<h1>Harbour reopens</h1>" in page
        assert '1. Harbour reopens</span> <span class="state">1 comment · 0 reactions' in page
        lesson = "Warnings must reach boat owners a day earlier."
        assert f'data-view="lesson/1">{lesson}</a> <span class="state">3 voters' in page
        assert 'data-share="67"></span>Agree: 2' in page
        assert 'data-share="33"></span>Disagree: 1' in page
        # Three votes an hour apart: the line runs from all agreeing down to two in three.
        assert 'points="0.0,0.0 150.0,0.0 300.0,26.7"' in page
        # Another channel's admin never gets it; an article that does not exist reads the same.
        olga = h.world.add_user("Olga")["id"]
        h.world.promote(h.more_channels[0][0], olga)
        h.clock.advance(ADMIN_CACHE_TTL)
        async with aiohttp.ClientSession() as client:
            for article in ("1", "99"):
                async with client.get(
                    f"{base}/view/article/{article}", headers={INIT_DATA_HEADER: init_data(h, olga)}
                ) as refused:
                    assert refused.status == 404
                    assert await refused.text() == "There is no such article in your channels."


async def test_status_and_articles_offer_the_mini_app_where_it_is_served(tmp_path: Path) -> None:
    web = {"url": "https://bot.example.org/app/", "listen": "127.0.0.1:1"}
    async with running_harness(tmp_path, web=web) as h:
        h.world.send_document(h.admin_id, "a.md", SHORT, caption="/import news")
        await h.pump()
        await h.command("/status")
        status = h.world.messages(h.admin_id)[-1]
        assert status["reply_markup"]["inline_keyboard"] == [
            [{"text": "Open the discussion",
              "web_app": {"url": "https://bot.example.org/app/?view=channels"}}]
        ]  # fmt: skip
        await h.command("/articles")
        listed = h.world.messages(h.admin_id)[-1]
        assert listed["reply_markup"]["inline_keyboard"][-1][0]["text"] == "Open the discussion"
        h.world.click(h.admin_id, h.admin_id, listed["message_id"], "1. Harbour reopens")
        await h.pump()
        shown = h.world.messages(h.admin_id)[-1]["reply_markup"]["inline_keyboard"]
        assert shown[-1][0]["web_app"]["url"] == "https://bot.example.org/app/?view=article/1"
        opened = h.world.open_web_app(
            h.admin_id, chat_id=h.admin_id, message_id=h.world.messages(h.admin_id)[-1][
                "message_id"], label="Open the discussion"
        )["url"]  # fmt: skip
        assert opened.startswith("https://bot.example.org/app/?view=article/1#tgWebAppData=")
    async with running_harness(tmp_path / "without") as h:
        await h.command("/status")
        assert "reply_markup" not in h.world.messages(h.admin_id)[-1]


async def _lesson(base: str, data: str, view: str) -> str:
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{base}/view/{view}", headers={INIT_DATA_HEADER: data}) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.text()


async def test_the_lesson_page_shows_threads_by_vote_searchable_and_paged(
    tmp_path: Path,
) -> None:
    async with running_harness(
        tmp_path, channel_extra={"companion_polls": True}
    ) as h, mini_app(h) as base:  # fmt: skip
        h.world.send_document(h.admin_id, "a.md", SHORT, caption="/import news")
        await h.pump()
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        await h.run_until_idle()  # the companion polls follow their polls' forwards
        companion = next(
            m for m in h.world.messages(h.group_id)
            if "poll" in m and not m.get("is_automatic_forward")
        )  # fmt: skip
        ann, ben, cy = (h.world.add_user(name)["id"] for name in ("Ann", "Ben", "Cy"))
        h.world.vote(ann, h.group_id, companion["message_id"], [0])
        h.world.vote(ben, h.group_id, companion["message_id"], [2])
        said = h.world.reply(ann, h.group_id, companion["message_id"], "Warnings came too late")
        h.world.reply(ben, h.group_id, companion["message_id"], "Boats were <fine> 100%")
        h.world.reply(cy, h.group_id, said["message_id"], "Agreed with Ann")
        for number in range(55):
            h.world.reply(cy, h.group_id, companion["message_id"], f"Note {number}")
            h.clock.advance(timedelta(seconds=1))
        await h.pump()
        data = init_data(h, h.admin_id)
        lesson = "lesson/1"
        first = await _lesson(base, data, lesson)
        assert "<h1>Warnings must reach boat owners a day earlier.</h1>" in first
        assert first.count('<p class="text">Note') == 50  # one page
        assert "Note 54" in first
        assert "Note 5<" in first
        assert "Note 4<" not in first
        older = first.split('data-view="lesson/1?before=')[1].split('"')[0]
        second = await _lesson(base, data, f"{lesson}?before={older}")
        assert "Note 4<" in second
        assert "Note 0<" in second
        assert "Note 54" not in second
        assert "Warnings came too late" in second
        # Ann's comment with her vote and the reply under it; Ben's text escaped.
        assert "<b>Ann</b>" in second
        assert '<span class="vote">Agree</span>' in second
        assert '<ul class="replies"><li><p class="meta"><b>Cy</b>' in second
        assert "Boats were &lt;fine&gt; 100%" in second
        agreeing = await _lesson(base, data, f"{lesson}?vote=0")
        assert "Warnings came too late" in agreeing
        assert "Boats were" not in agreeing
        assert "Note" not in agreeing
        unnamed = await _lesson(base, data, f"{lesson}?vote=none")
        assert "Note 54" in unnamed
        assert "Warnings came" not in unnamed
        found = await _lesson(base, data, f"{lesson}?q=100%25")
        assert "Boats were" in found
        assert "Note" not in found
        assert 'value="100%"' in found


async def _act(base: str, data: str, action: str, body: object) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            f"{base}/act/{action}", json=body, headers={INIT_DATA_HEADER: data}
        ) as response,
    ):
        return response.status, await response.text()


async def test_a_moderator_hides_from_the_page_and_can_undo(tmp_path: Path) -> None:
    async with running_harness(tmp_path, extra_channels=1) as h, mini_app(h) as base:
        h.world.send_document(h.admin_id, "a.md", SHORT, caption="/import news")
        await h.pump()
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        poll = next(m for m in h.channel_posts() if "poll" in m)
        rita = h.world.add_user("Rita")["id"]
        said = h.world.comment(rita, h.channel_id, poll["message_id"], "Buy cheap pills here")
        await h.pump()
        admin = init_data(h, h.admin_id)
        page = await _lesson(base, admin, "lesson/1")
        assert 'data-act="hide" data-comment="1" data-confirm="Hide it?">Hide</button>' in page
        # A reader, and another channel's moderator, are told it does not exist.
        olga = h.world.add_user("Olga")["id"]
        h.world.promote(h.more_channels[0][0], olga)
        h.clock.advance(ADMIN_CACHE_TTL)
        admin = init_data(h, h.admin_id)
        for stranger in (rita, olga):
            assert await _act(base, init_data(h, stranger), "hide", {"comment": 1}) == (
                404,
                "there is no comment 1",
            )
        assert await _act(base, admin, "hide", {"comment": "x"}) == (
            400,
            "That request could not be read.",
        )
        status, done = await _act(base, admin, "hide", {"comment": 1})
        assert status == 200
        assert done.startswith('<span class="done">Hidden.</span> <button type="button" '
                               'data-act="unhide" data-comment="1">Undo</button>')  # fmt: skip
        # Gone from the group readers see and from the page; the audit log names it.
        assert said["message_id"] not in {m["message_id"] for m in h.world.messages(h.group_id)}
        assert "Buy cheap pills" not in await _lesson(base, admin, "lesson/1")
        audit = (await h.command("/audit"))[0]
        assert "hide" in audit
        status, undone = await _act(base, admin, "unhide", {"comment": 1})
        assert (status, undone.strip()) == (
            200,
            '<span class="done">Shown again in the records, exports and summaries.</span>',
        )
        assert "Buy cheap pills" in await _lesson(base, admin, "lesson/1")


async def test_hidden_comments_list_who_when_why_and_come_back(tmp_path: Path) -> None:
    async with running_harness(
        tmp_path, moderation={"blocked_words": ["casino"]}
    ) as h, mini_app(h) as base:  # fmt: skip
        h.world.send_document(h.admin_id, "a.md", SHORT, caption="/import news")
        await h.pump()
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        post = h.channel_posts()[0]
        rita = h.world.add_user("Rita")["id"]
        h.world.comment(rita, h.channel_id, post["message_id"], "Visit my <casino>")
        h.world.comment(rita, h.channel_id, post["message_id"], "Rude words here")
        await h.pump()
        admin = init_data(h, h.admin_id)
        assert (await _act(base, admin, "hide", {"comment": 2}))[0] == 200
        page = await _lesson(base, admin, "hidden")
        assert page.index("Rude words here") < page.index("Visit my &lt;casino&gt;")
        assert "hidden by Ada (@ada_admin) · 2026-11-23 10:01 · why: —" in page
        assert (
            "hidden by an automatic rule · 2026-11-23 10:01 · why: auto: blocked word: casino"
            in page
        )
        assert (await _act(base, admin, "unhide", {"comment": 2}))[0] == 200
        page = await _lesson(base, admin, "hidden")
        assert "Rude words here" not in page
        assert "Visit my" in page
        reader_page = await view(base, init_data(h, rita))
        assert reader_page[0] == 403


async def test_the_finished_notice_and_the_admins_summary_open_the_mini_app(
    tmp_path: Path,
) -> None:
    web = {"url": "https://bot.example.org/app/", "listen": "127.0.0.1:1"}
    async with running_harness(
        tmp_path, web=web, channel_extra={"summary_to": "both", "summary_min_votes": 1}
    ) as h:  # fmt: skip
        await h.command("/start")
        h.world.send_document(h.admin_id, "a.md", SHORT, caption="/import news")
        await h.pump()
        await h.command("/publish 1 now 1m")
        await h.run_until_idle()
        finished = next(
            m for m in h.world.messages(h.admin_id) if "is finished in" in m.get("text", "")
        )
        assert finished["reply_markup"]["inline_keyboard"] == [
            [{"text": "Open the discussion",
              "web_app": {"url": "https://bot.example.org/app/?view=article/1"}}]
        ]  # fmt: skip
        poll = next(m for m in h.channel_posts() if "poll" in m)
        h.world.vote(h.world.add_user("Ann")["id"], h.channel_id, poll["message_id"], [0])
        await h.pump()
        h.clock.set(h.newsbot.parts.summaries.next_slot())
        await h.newsbot.tick()
        await h.pump()
        copy = h.world.messages(h.admin_id)[-1]
        assert "photo" in copy or "text" in copy
        assert copy["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"] == (
            "https://bot.example.org/app/?view=channels"
        )
        assert all("reply_markup" not in m for m in h.channel_posts()[-2:])
