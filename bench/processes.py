"""What the process benchmarks share: an emulator with a channel, its discussion group
and an admin; newsbot and the bare baseline app as real processes pointed at it; and
their resident memory as the kernel counts it."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.emulator.server import EmulatorServer
from bot.emulator.standalone import config_for, random_token
from bot.emulator.world import World

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "russia-allies-guarantees.txt"


@dataclass
class Stage:
    world: World
    server: EmulatorServer
    channel_id: int
    group_id: int
    admin_id: int


async def stage() -> Stage:
    world = World(random_token())
    admin = world.add_user("Admin", username="bench_admin")
    channel_id, group_id = world.create_channel("Bench", "@bench_news", owner_id=admin["id"])
    assert group_id is not None
    server = EmulatorServer(world)
    await server.start(0)
    return Stage(world, server, channel_id, group_id, admin["id"])


async def spawn(*command: str, ready: str, within: float = 60) -> asyncio.subprocess.Process:
    """Start a process and wait until it prints a line containing ``ready``."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=ROOT
    )
    assert process.stdout is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        line = await asyncio.wait_for(process.stdout.readline(), deadline - time.monotonic())
        if not line:
            raise RuntimeError(f"{command[1]} exited before it was ready")
        if ready in line.decode():
            return process
    raise TimeoutError(f"{command[1]} was not ready in {within} s")


def morning_zone() -> str:
    """A time zone where it is about nine in the morning now. The benchmarks publish
    "now" through the chat as an admin does; at night in the channel's zone newsbot would
    first ask whether to move the posts to the morning, and a benchmark measures
    throughput, not that question."""
    hours = (9 - time.gmtime().tm_hour + 12) % 24 - 12  # UTC-12 to UTC+11
    # Etc/GMT's signs are POSIX's: Etc/GMT-3 is three hours ahead of UTC.
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


async def spawn_newsbot(
    stage: Stage, directory: Path, extra_channels: str = ""
) -> asyncio.subprocess.Process:
    config = directory / "newsbot.toml"
    text = config_for(stage.server, stage.channel_id, stage.admin_id, str(directory / "n.db"))
    text = text.replace("[[channels]]", 'log_level = "WARNING"\n\n[[channels]]', 1)
    zone = f'timezone = "{morning_zone()}"'
    config.write_text((text + extra_channels).replace('timezone = "UTC"', zone))
    # Migrated beforehand, as a deployment does: a start on an up-to-date schema.
    migrating = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "db", "upgrade", "--config", str(config),
        stdout=asyncio.subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    await migrating.wait()
    return await spawn(
        sys.executable, "-m", "bot.cli", "run", "--config", str(config), ready="is running"
    )


async def spawn_bare(
    stage: Stage, directory: Path, mode: str, expected: int
) -> asyncio.subprocess.Process:
    return await spawn(
        sys.executable,
        str(ROOT / "bench" / "bare_app.py"),
        stage.server.base_url,
        stage.world.token,
        str(directory / f"bare-{mode}.db"),
        mode,
        str(expected),
        ready="ready",
    )


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


def rss_mib(pid: int) -> float:
    """Resident memory of a process (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def count_rows(database: Path, query: str) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute(query).fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


async def wait_for(check: object, within: float = 300, every: float = 0.05) -> None:
    assert callable(check)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(every)
    raise TimeoutError("the condition did not come true in time")
