"""``newsbot demo``: the whole flow on one machine, with no token and no config.

An emulator on a free loopback port, a temporary SQLite database, the sample
article imported and published by an admin on an accelerated (manual) clock,
seeded simulated readers commenting, replying, voting and reacting, and a
transcript of what each chat shows.
"""

from __future__ import annotations

import contextlib
import logging
import random
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import NewsBot
from bot.clock import ManualClock
from bot.config import Config, config_from_mapping
from bot.emulator.server import EmulatorServer
from bot.emulator.standalone import random_token
from bot.emulator.world import World

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "russia-allies-guarantees.txt"
DEMO_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday morning
READERS = [
    ("Noa", "Levi"),
    ("Oleksii", "Bondar"),
    ("Maya", "Cohen"),
    ("Daniel", None),
    ("Iryna", "Koval"),
    ("Yossi", "Mizrahi"),
    ("Sara", None),
    ("Taras", "Shevchuk"),
]
COMMENTS = [
    "This matches what I saw in 2014.",
    "Good summary, but the table needs sources.",
    "Is there any sign Israel will change course?",
    "Strong words. I am not fully convinced.",
    "The part about guarantees is the key point.",
    "Thanks, sharing this with my family.",
    "Syria and Ukraine are very different cases.",
    "History keeps repeating itself.",
]
ON_LESSON = [
    "Security guarantees mean little without a strong army.",
    "Guarantees from Moscow never protected anyone.",
    "A strong army matters more than security guarantees on paper.",
    "Israel should not count on Russian guarantees.",
    "The lesson is right: allies are not guarantees.",
]
REPLIES = ["Agreed.", "Why do you think so?", "Exactly my thought.", "Not sure about that."]
REACTIONS = ["👍", "🔥", "🤔", "👎", "❤"]
Say = Callable[[str], None]


class SimulatedReaders:
    """Seeded readers, so every demo run tells the same story."""

    def __init__(self, world: World, channel_id: int, group_id: int, seed: int = 7) -> None:
        self.world, self.channel_id, self.group_id = world, channel_id, group_id
        self.random = random.Random(seed)
        self.ids = [
            world.add_user(first, last, username=first.lower())["id"] for first, last in READERS
        ]
        self.handled: set[int] = set()
        self.seen: set[tuple[int, int]] = set()

    def respond(self) -> None:
        """React to every channel message not yet seen: comment, reply, vote, react; and
        answer the companion polls in the discussion group, where votes carry names."""
        for message in self.world.messages(self.group_id):
            key = (self.group_id, message["message_id"])
            if "poll" not in message or message.get("is_automatic_forward") or key in self.seen:
                continue
            self.seen.add(key)
            for reader in self.ids:
                if self.random.random() < 0.7:
                    choice = self.random.choices([0, 1, 2], weights=[5, 2, 2])[0]
                    self.world.vote(reader, self.group_id, message["message_id"], [choice])
        for message in self.world.messages(self.channel_id):
            if message["message_id"] in self.handled:
                continue
            self.handled.add(message["message_id"])
            if "poll" in message:
                for reader in self.ids:
                    if self.random.random() < 0.8:
                        choice = self.random.choices([0, 1, 2], weights=[5, 2, 2])[0]
                        self.world.vote(reader, self.channel_id, message["message_id"], [choice])
                # Some argue about the lesson under its poll, answering each other.
                said = [
                    self.world.comment(
                        reader,
                        self.channel_id,
                        message["message_id"],
                        self.random.choice(ON_LESSON),
                    )
                    for reader in self.random.sample(self.ids, self.random.randint(1, 3))
                ]
                self._respond_to(said)
                continue
            comments = []
            for reader in self.random.sample(self.ids, self.random.randint(1, 3)):
                comments.append(
                    self.world.comment(
                        reader, self.channel_id, message["message_id"], self.random.choice(COMMENTS)
                    )
                )
            self._respond_to(comments)
            for reader in self.ids:
                if self.random.random() < 0.5:
                    self.world.react(
                        reader,
                        self.channel_id,
                        message["message_id"],
                        self.random.choice(REACTIONS),
                    )

    def _respond_to(self, comments: list[dict[str, Any]]) -> None:
        """A reply now and then, and reactions to comments in the discussion group."""
        if comments and self.random.random() < 0.6:
            target = self.random.choice(comments)
            replier = self.random.choice(self.ids)
            self.world.reply(
                replier, self.group_id, target["message_id"], self.random.choice(REPLIES)
            )
        for said in comments:
            for reader in self.random.sample(self.ids, self.random.randint(0, 3)):
                self.world.react(
                    reader, self.group_id, said["message_id"], self.random.choice(REACTIONS)
                )


def _demo_config(server: EmulatorServer, channel_id: int, admin_id: int, database: Path) -> Config:
    return config_from_mapping(
        {
            "token": server.world.token,
            "api_base_url": server.base_url,
            "admins": [admin_id],
            "moderators": [admin_id],
            "database_url": f"sqlite+aiosqlite:///{database}",
            "log_level": "WARNING",
            "channels": [
                {
                    "chat": channel_id,
                    "name": "demo",
                    "timezone": "Europe/Berlin",
                    "post_spacing": "30m",
                    # Eight readers: a small channel, so fewer votes make a standout; and
                    # the seeded readers, being made up, are quoted by name.
                    "summary_min_votes": 3,
                    "summary_names": "always",
                    "companion_polls": True,
                }
            ],
            "publishing": {"poll_close_after": "2d"},
            # The sample is also served on loopback, to be imported from its link.
            "articles": {"fetch_private_addresses": True},
        },
        env={},
    )


@contextlib.asynccontextmanager
async def serving_sample() -> AsyncIterator[str]:
    """The sample article as a web page on a free loopback port; its link."""
    from aiohttp import web

    async def page(_request: web.Request) -> web.StreamResponse:
        return web.Response(body=SAMPLE.read_bytes(), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/articles/russia-allies-guarantees", page)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/articles/russia-allies-guarantees"
    finally:
        await runner.cleanup()


class Transcript:
    def __init__(self, world: World, say: Say) -> None:
        self.world, self.say = world, say

    def private(self, user_id: int, since: int) -> int:
        messages = self.world.messages(user_id)
        for message in messages[since:]:
            mine = message.get("from", {}).get("id") == user_id
            arrow = "  >" if mine else "  <"
            body = message.get("text") or message.get("caption") or ""
            if "document" in message:
                body = f"[{message['document'].get('file_name')}] {body}"
            self.say(f"{arrow} " + body.replace("\n", "\n    "))
        return len(messages)

    def summary(self, channel_id: int, since: int, directory: Path) -> None:
        messages = self.world.messages(channel_id)[since:]
        self.say("\n══ The weekly summary, as posted to the channel ══")
        charts = 0
        for message in messages:
            if message.get("disable_notification"):
                self.say("[sent silently: no sound for subscribers]")
            if "photo" in message:
                charts += 1
                chart = directory / f"weekly-summary-{charts}.png"
                content = self.world.files[message["photo"][-1]["file_id"]].content
                chart.write_bytes(content)
                self.say(f"[chart image: {chart}]")
            self.say(message.get("caption") or message.get("text") or "")

    def channel(self, channel_id: int, zone: Any, upto: int | None = None) -> None:
        chat = self.world.chats[channel_id]
        self.say(f"\n══ Channel «{chat.title}» (@{(chat.username or '').lstrip('@')}) ══")
        for message in self.world.messages(channel_id)[:upto]:
            when = (
                datetime.fromtimestamp(message["date"], UTC).astimezone(zone).strftime("%a %H:%M")
            )
            if "poll" in message:
                poll = message["poll"]
                total = poll["total_voter_count"] or 1
                options = " · ".join(
                    f"{o['text']} {o['voter_count']} ({round(100 * o['voter_count'] / total)}%)"
                    for o in poll["options"]
                )
                closed = " — closed" if poll["is_closed"] else ""
                self.say(f"[{when}] 📊 {poll['question']}\n        {options}{closed}")
                continue
            first_line, _, rest = message.get("text", "").partition("\n")
            self.say(f"[{when}] {first_line}")
            if rest.strip():
                preview = rest.strip().split("\n")[0]
                self.say(f"        {preview[:110]}{'…' if len(preview) > 110 else ''}")
            counts = self.world.reactions.get((channel_id, message["message_id"]), {})
            totals: dict[str, int] = {}
            for emojis in counts.values():
                for emoji in emojis:
                    totals[emoji] = totals.get(emoji, 0) + 1
            if totals:
                self.say(
                    "        "
                    + "  ".join(
                        f"{e} {n}" for e, n in sorted(totals.items(), key=lambda kv: -kv[1])
                    )
                )

    def discussion(self, group_id: int, threads: int = 3) -> None:
        chat = self.world.chats[group_id]
        self.say(f"\n══ Discussion group «{chat.title}» (first {threads} threads) ══")
        forwards = [m for m in self.world.messages(group_id) if m.get("is_automatic_forward")]
        for forward in forwards[:threads]:
            title = (forward.get("text") or forward.get("poll", {}).get("question", "")).split(
                "\n"
            )[0]
            self.say(f"↪ {title[:90]}")
            for message in self.world.messages(group_id):
                if message.get("message_thread_id") != forward["message_id"]:
                    continue
                author = message.get("from", {}).get("first_name", "?")
                nested = message.get("reply_to_message", {}).get("is_automatic_forward") is not True
                indent = "      ↳ " if nested else "    "
                self.say(f"{indent}{author}: {message.get('text', '')}")


async def run_demo(say: Say = print, workdir: Path | None = None, keep: bool = False) -> Path:
    """Run the whole flow; returns the database path. A temporary folder is removed at the
    end unless ``keep`` (a given ``workdir`` is always kept)."""
    logging.getLogger().setLevel(logging.WARNING)
    clock = ManualClock(DEMO_START)
    world = World(random_token(), clock=lambda: clock.now().timestamp())
    admin = world.add_user("Ada", "Editor", username="ada_editor")["id"]
    channel_id, group_id = world.create_channel("newsbot demo", "@newsbot_demo", owner_id=admin)
    assert group_id is not None
    world.send_private(admin, "/start")  # the admin has pressed Start: notices reach her
    directory = workdir or Path(tempfile.mkdtemp(prefix="newsbot-demo-"))
    database = directory / "newsbot.db"
    async with EmulatorServer(world) as server:
        config = _demo_config(server, channel_id, admin, database)
        zone = config.channels[0].zone
        say(f"newsbot demo: a Bot API emulator at {server.base_url}, no token needed.")
        say(f"Database: {database}\n")
        newsbot = NewsBot(config, clock=clock, use_scheduler=False, request_timeout=5.0)
        await newsbot.start()
        try:
            readers = SimulatedReaders(world, channel_id, group_id)
            transcript = Transcript(world, say)

            async def pump() -> None:
                await newsbot.handle_pending()

            say("══ Admin Ada, in a private chat with the bot ══")
            seen = 0
            world.send_document(admin, SAMPLE.name, SAMPLE.read_bytes(), caption="/import")
            await pump()
            world.send_private(admin, "/publish 1 now 30m")
            await pump()
            seen = transcript.private(admin, seen)

            # The accelerated clock: jump to each due moment; readers answer each new post.
            asked_status = False
            for _ in range(200):
                upcoming = await newsbot.tick()
                await pump()
                readers.respond()
                await pump()
                if not asked_status and len(world.messages(channel_id)) >= 3:
                    world.send_private(admin, "/status")
                    await pump()
                    seen = transcript.private(admin, seen)
                    asked_status = True
                if upcoming is None or upcoming > clock.now() + timedelta(days=3):
                    break
                clock.set(max(upcoming, clock.now()))
            # The same article from a link, as editors mostly have it: a second article
            # (a draft),
            # whose first post links to the page.
            async with serving_sample() as link:
                world.send_private(admin, link)
                await pump()
                await newsbot.fetch_due()
                await pump()
            seen = transcript.private(admin, seen)
            # Monday 09:00 in the channel's time zone: the weekly summary of the week before.
            clock.set(newsbot.parts.summaries.next_slot())
            before = len(world.messages(channel_id))
            await newsbot.tick()
            transcript.channel(channel_id, zone, upto=before)
            transcript.discussion(group_id)
            transcript.summary(channel_id, before, directory)
        finally:
            await newsbot.stop()
    if keep or workdir is not None:
        say(f"\nEverything above is stored in {database}")
    else:
        shutil.rmtree(directory, ignore_errors=True)
        say(
            "\nThe demo's database and chart were in a temporary folder, now removed "
            "(--keep keeps it)."
        )
    return database
