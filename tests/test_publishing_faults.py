"""Telegram errors while publishing: nothing skipped, nothing reordered, nothing posted twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Segment, SegmentState
from tests.conftest import SAMPLE_ARTICLE
from tests.harness import Harness, running_harness
from tests.processes import channel_shows, expected_shown


async def _publish_sample(h: Harness) -> None:
    h.world.send_document(h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import")
    await h.pump()
    await h.command("/publish 1 now 1m")


def _shown(h: Harness) -> list[str]:
    return channel_shows(h.world, h.channel_id)


@pytest.mark.parametrize(
    ("kind", "method", "delivered"),
    [
        ("5xx", "sendMessage", False),  # refused: must be sent again
        ("5xx", "sendMessage", True),  # delivered, answer lost: must not be sent again
        ("timeout", "sendMessage", True),
        ("drop", "sendMessage", True),
        ("drop", "sendMessage", False),
        ("timeout", "sendPoll", True),
        ("5xx", "sendPoll", False),
    ],
)
async def test_network_faults_never_skip_reorder_or_duplicate(
    tmp_path: Path, kind: str, method: str, delivered: bool
) -> None:
    async with running_harness(tmp_path / "faulty") as h:
        expected = expected_shown(h.config)
        h.server.faults.timeout_seconds = 3.0  # longer than the bot's 2 s read timeout
        await _publish_sample(h)
        h.clock.advance(timedelta(minutes=4))  # posts 1-5 due: the fault hits one of them
        h.server.faults.plan(kind, method, times=1, after_effect=delivered)
        await h.newsbot.tick()
        await h.pump()
        async with h.sessions() as session:
            states = [s.state for s in (await session.scalars(select(Segment))).all()]
        assert SegmentState.FAILED not in states
        await h.run_until_idle()
        assert _shown(h) == expected


async def test_flood_control_waits_and_goes_on(tmp_path: Path) -> None:
    async with running_harness(tmp_path / "flood") as h:
        expected = expected_shown(h.config)
        await _publish_sample(h)
        # Three refusals: the rate limiter retries twice, then the publisher reschedules.
        h.server.faults.plan("429", "sendMessage", times=3)
        await h.newsbot.tick()
        async with h.sessions() as session:
            first = await session.scalar(select(Segment).where(Segment.position == 0))
            assert first is not None
            assert first.state is SegmentState.SCHEDULED
            assert first.last_error is not None
            assert "Flood control" in first.last_error
        await h.run_until_idle()
        assert _shown(h) == expected


@pytest.mark.parametrize(("policy", "copies"), [("assume_sent", 1), ("resend", 2)])
async def test_without_discussion_group_the_policy_decides(
    tmp_path: Path, policy: str, copies: int
) -> None:
    async with running_harness(tmp_path, publishing={"timed_out_send": policy}) as h:
        h.world.chats[h.channel_id].linked_chat_id = None  # no automatic forwards
        async with h.sessions.begin() as session:
            from db.models import Channel

            channel = await session.scalar(select(Channel))
            assert channel is not None
            channel.discussion_chat_id = None
        h.server.faults.timeout_seconds = 3.0
        await _publish_sample(h)
        h.server.faults.plan("timeout", "sendMessage", after_effect=True)
        await h.newsbot.tick()
        await h.run_until_idle()
        titles = [t for t in _shown(h) if t.startswith("Everything Russia's allies")]
        assert len(titles) == copies
        assert len(_shown(h)) == 14 + copies


async def test_a_forward_stored_but_never_handled_still_settles_the_doubt(
    tmp_path: Path,
) -> None:
    """A process stored the channel's automatic forward and died before handling it (one of
    several behind a webhook, or a crash between the two): the doubt is settled by that
    stored forward, so the first post is not sent twice, and the admins hear once that the
    article started."""
    async with running_harness(tmp_path / "stranded") as h:
        expected = expected_shown(h.config)
        h.world.send_private(h.admin_id, "/start")
        h.server.faults.timeout_seconds = 3.0  # longer than the bot's 2 s read timeout
        await _publish_sample(h)
        h.server.faults.plan("timeout", "sendMessage", times=1, after_effect=True)
        await h.newsbot.tick()  # the first post: delivered, its answer never came
        assert await h.newsbot.parts.inbox.fetch(0) >= 1  # its forward stored, not handled
        h.clock.advance(timedelta(minutes=2))  # past the doubt window
        await h.newsbot.tick()
        async with h.sessions() as session:
            first = await session.scalar(select(Segment).where(Segment.position == 0))
            assert first is not None
            assert first.state is SegmentState.POSTED
            assert first.discussion_thread_id is not None
        await h.run_until_idle()
        assert _shown(h) == expected
        told = [m.get("text", "") for m in h.world.messages(h.admin_id)]
        assert len([t for t in told if "has started" in t]) == 1
