"""The outbox under Telegram's faults, aimed at its sends through the emulator: flood control
(429 with retry_after), 5xx, dropped connections, refusals. Nothing is lost, nothing that
Telegram confirmed is sent twice, each chat keeps its order, and one chat held back holds
up no other."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from db.models import OutboxMessage
from tests.harness import Harness, running_harness
from tests.processes import eventually


def _replies(h: Harness, user_id: int) -> list[str]:
    return [str(m.get("text", "")) for m in h.world.messages(user_id) if m["from"]["id"] != user_id]


async def _held_by_flood_control(h: Harness) -> bool:
    async with h.sessions() as session:
        errors = await session.scalars(
            select(OutboxMessage.last_error).where(OutboxMessage.sent_at.is_(None))
        )
        return any(error and "RetryAfter" in error for error in errors)


async def _unsent(h: Harness) -> int:
    async with h.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
            )
        )
        return len(rows.all())


async def test_flood_control_holds_that_chat_in_order_and_no_other(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        people = [h.world.add_user("Ann")["id"], h.world.add_user("Bob")["id"]]
        for person in people:
            h.world.send_private(person, "/help")
            h.world.send_private(person, "/mydata")
        # The first answer sent (to whichever chat goes first) meets flood control.
        h.server.faults.plan("429", "sendMessage")
        await h.pump()
        held = [person for person in people if not h.world.messages(person)[2:]]
        assert len(held) == 1  # that chat waits: its second answer too, behind the first
        other = next(person for person in people if person not in held)
        assert len(_replies(h, other)) == 2  # the other chat is not held up
        assert await _unsent(h) == 2
        h.clock.advance(timedelta(seconds=2))  # Telegram's retry_after has passed
        await h.pump()
        answers = [m for m in h.world.messages(held[0]) if m["from"]["id"] != held[0]]
        assert len(answers) == 2
        assert str(answers[0].get("text", "")).startswith("For everyone")  # /help first
        assert "document" in answers[1]  # then /mydata's file: in order
        assert await _unsent(h) == 0


async def test_5xx_and_dropped_connections_are_sent_again_until_sent_once(
    tmp_path: Path,
) -> None:
    async with running_harness(tmp_path) as h:
        ann = h.world.add_user("Ann")["id"]
        for kind in ("5xx", "drop"):
            h.world.send_private(ann, "/help")
            h.server.faults.plan(kind, "sendMessage")  # refused before it took effect
            before = len(_replies(h, ann))
            await h.pump()
            assert len(_replies(h, ann)) == before  # not delivered: held for a retry
            h.clock.advance(timedelta(minutes=1))  # past the back-off
            await h.pump()
            assert len(_replies(h, ann)) == before + 1  # delivered once
        assert await _unsent(h) == 0


async def test_a_send_telegram_confirmed_is_never_sent_again(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h:
        ann = h.world.add_user("Ann")["id"]
        h.world.send_private(ann, "/help")
        await h.pump()
        assert len(_replies(h, ann)) == 1
        for _ in range(3):  # later sweeps and restarts find nothing to send
            h.clock.advance(timedelta(minutes=5))
            await h.pump()
        await h.newsbot.stop()
        await h.newsbot.start()
        await h.pump()
        assert len(_replies(h, ann)) == 1


async def test_a_refused_message_is_given_up_and_the_chat_goes_on(tmp_path: Path) -> None:
    """Telegram's 400 for one message (here: a chat that no longer exists) settles it as
    failed, with the reason kept; the messages after it still go."""
    async with running_harness(tmp_path) as h:
        ann = h.world.add_user("Ann")["id"]
        h.world.send_private(ann, "/start")
        await h.pump()
        async with h.sessions.begin() as session:
            from bot.outbox import queue_html

            queue_html(session, -1009999999999, "to nowhere", at=h.clock.now())
            queue_html(session, ann, "still delivered", at=h.clock.now())
        await h.pump()
        assert _replies(h, ann)[-1] == "still delivered"
        async with h.sessions() as session:
            failed = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
            )
        assert failed is not None
        assert failed.last_error is not None
        assert "not found" in failed.last_error.lower()


async def test_the_live_loop_sends_as_messages_arrive_and_stops_in_order(
    tmp_path: Path,
) -> None:
    """``OutboxSender.run`` as the running bot uses it: woken when something is queued, it
    sends; held back by flood control, it sends once the hold is over; asked to stop, it
    ends without a message lost (what is left waits for the next start)."""
    import asyncio

    from bot.outbox import queue_html
    from tests.conftest import wait_until

    async with running_harness(tmp_path) as h:
        ann = h.world.add_user("Ann")["id"]
        h.world.send_private(ann, "/start")
        await h.pump()
        outbox = h.newsbot.parts.outbox
        stop = asyncio.Event()
        loop = asyncio.create_task(outbox.run(stop))
        try:
            async with h.sessions.begin() as session:
                queue_html(session, ann, "first", at=h.clock.now())
            outbox.wake()
            await wait_until(lambda: _replies(h, ann)[-1] == "first", timeout=10)
            h.server.faults.plan("429", "sendMessage")
            async with h.sessions.begin() as session:
                queue_html(session, ann, "second", at=h.clock.now())
            outbox.wake()
            # The hold is stored before the clock moves on: moved first, the hold would be
            # counted from the later time and never end on this manual clock.
            assert await eventually(lambda: _held_by_flood_control(h), within=10)
            assert _replies(h, ann)[-1] == "first"  # held for retry_after
            h.clock.advance(timedelta(seconds=2))
            outbox.wake()
            await wait_until(lambda: _replies(h, ann)[-1] == "second", timeout=10)
        finally:
            stop.set()
            await asyncio.wait_for(loop, 10)
        assert loop.done()
        assert loop.exception() is None
        assert await _unsent(h) == 0
