"""The Mini App in a real browser (Debian's chromium, headless, phone-sized): its script
reads Telegram's fragment, passes the CSP and loads the caller's page. Skipped, with the
reason, where no Chromium is installed."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.harness import running_harness
from tests.test_web import mini_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium here (apt-get install chromium)"
)


async def rendered(url: str, screenshot: Path) -> str:
    """The page's DOM once its script has run, and a 360x740 screenshot of it."""
    assert CHROMIUM is not None
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--window-size=360,740", "--virtual-time-budget=5000"]  # fmt: skip
    for extra in ([f"--screenshot={screenshot}"], ["--dump-dom"]):
        process = await asyncio.create_subprocess_exec(
            *common, *extra, url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), timeout=40)
    return output.decode()


@pytest.mark.timeout(120)
async def test_the_mini_app_loads_the_callers_channels_in_chromium(tmp_path: Path) -> None:
    async with running_harness(tmp_path) as h, mini_app(h) as base:
        h.world.send_document(h.admin_id, "a.md", b"# Ports and prices\n\n" + b"Text. " * 40,
                              caption="/import news")  # fmt: skip
        await h.pump()
        opened = h.world.open_web_app(h.admin_id, url=f"{base}/")["url"]
        dom = await rendered(opened, tmp_path / "channels.png")
        assert "<h1>Your channel</h1>" in dom
        assert "1. Ports and prices" in dom
        assert (tmp_path / "channels.png").stat().st_size > 1000
        outside = await rendered(f"{base}/", tmp_path / "outside.png")
        assert "Open this page from the bot in Telegram" in outside
        assert "Your channel" not in outside
