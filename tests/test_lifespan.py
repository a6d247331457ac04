"""The bot's one lifespan: start builds the parts, ``run`` runs every background job in
one task group, and a stop ends each job in order, letting the work under way finish."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ARTICLE, wait_until
from tests.harness import running_harness

JOBS = {
    "newsbot: outbox",
    "newsbot: polling intake",
    "newsbot: schedule",
    "newsbot: sources",
}


def _jobs() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("newsbot: ")]


async def test_run_takes_answers_and_publishes_then_every_job_ends_on_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_harness(tmp_path, use_scheduler=True) as h:
        stop = asyncio.Event()
        running = asyncio.create_task(h.newsbot.run(stop))
        await wait_until(lambda: {t.get_name() for t in _jobs()} == JOBS)
        jobs = _jobs()
        # Nobody pumps or ticks here: intake, outbox and schedule do it all by themselves.
        h.world.send_document(
            h.admin_id, "a.txt", SAMPLE_ARTICLE.read_bytes(), caption="/import news"
        )
        await wait_until(
            lambda: any("Imported" in m.get("text", "") for m in h.world.messages(h.admin_id)),
            timeout=20,
        )
        h.world.send_private(h.admin_id, "/publish 1 now 10m")
        await wait_until(lambda: h.channel_posts(), timeout=20)  # the first post, by itself
        stop.set()
        await asyncio.wait_for(running, 20)
        assert all(job.done() and not job.cancelled() for job in jobs)
        assert all(job.exception() is None for job in jobs)
        assert _jobs() == []
        assert len(h.channel_posts()) == 1  # the next is ten minutes away on the clock
    # Only the long poll to Telegram is cut off (httpcore traces it); no query, no send.
    cancelled = [
        r.name
        for r in caplog.records
        if "Cancelled" in r.getMessage() and not r.name.startswith(("httpcore", "httpx"))
    ]
    assert cancelled == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_stopped_bot_is_built_again_from_nothing(tmp_path: Path) -> None:
    """Stop takes the parts down; a second start builds them anew on the same database,
    and a bot that is not started says so instead of acting on half its parts."""
    async with running_harness(tmp_path) as h:
        await h.newsbot.stop()
        with pytest.raises(RuntimeError, match="not started"):
            h.newsbot.parts  # noqa: B018 - reading it is the test
        await h.newsbot.start()
        assert (await h.command("/status"))[0]
