"""Comment intake with one, two and three ``newsbot run`` processes on PostgreSQL by
webhook (the emulator delivers as Telegram does, up to ``max_connections`` requests at
once, taking turns among the processes as a reverse proxy would), beside one polling
process on PostgreSQL and one on SQLite.

Each round: a fresh emulator and database, the processes started, one post published,
then readers write N comments; the figures are comments per second until all are stored
and the bots' CPU time per comment (user + system, every process together, from
``/proc``), which does not depend on how many cores this machine has. The last lines
compare webhook with polling and project what processes on cores of their own would take.

Run: .venv/bin/python bench/scale_bench.py [--comments 3000] [--rounds 1]
     (NEWSBOT_BENCH_POSTGRESQL names the server; default postgres@127.0.0.1:5432)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import ROOT, Stage, spawn, stage, stop
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

SERVER = os.environ.get(
    "NEWSBOT_BENCH_POSTGRESQL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PUBLIC = "https://bot.example.org"
READERS = 200


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for probe in sockets:
        probe.bind(("127.0.0.1", 0))
    ports = [int(probe.getsockname()[1]) for probe in sockets]
    for probe in sockets:
        probe.close()
    return ports


async def _admin(statement: str) -> None:
    engine = create_async_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


async def _count(url: str, query: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(query))).scalar() or 0)
    except Exception:  # noqa: BLE001 - not created yet
        return 0
    finally:
        await engine.dispose()


async def _until(check: object, within: float = 300) -> None:
    assert callable(check)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the condition did not come true in time")


def _config(scene: Stage, database_url: str) -> str:
    return (
        f'token = "{scene.world.token}"\n'
        f'api_base_url = "{scene.server.base_url}"\n'
        f"admins = [{scene.admin_id}]\n"
        f'database_url = "{database_url}"\nlog_level = "WARNING"\n\n'
        f'[[channels]]\nchat = {scene.channel_id}\nname = "news"\npost_spacing = "1h"\n'
    )


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(kind: str, mode: str, processes: int, comments: int) -> tuple[float, float]:
    """Comments per second, and the bots' CPU milliseconds per comment."""
    scene = await stage()
    name = f"newsbot_bench_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        if kind == "postgresql":
            await _admin(f'CREATE DATABASE "{name}"')
            url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite+aiosqlite:///{directory / 'n.db'}"
        config = directory / "newsbot.toml"
        config.write_text(_config(scene, url), encoding="utf-8")
        article = directory / "a.txt"
        article.write_text("Bench news\nOne paragraph to discuss.\n", encoding="utf-8")
        cli = [sys.executable, "-m", "bot.cli", "--config", str(config)]
        for words in (["import", str(article)], ["publish", "1"]):
            done = await asyncio.create_subprocess_exec(
                *cli, *words, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL
            )
            assert await done.wait() == 0
        if mode == "webhook":
            ports = _free_ports(processes)
            scene.world.route_webhook(PUBLIC, *(f"http://127.0.0.1:{port}" for port in ports))
            receiving = [
                ["--webhook", f"{PUBLIC}/tg", "--listen", f"127.0.0.1:{port}"] for port in ports
            ]
        else:
            receiving = [["--polling"]]
        running = [await spawn(*cli, "run", *how, ready="is running") for how in receiving]
        try:
            threads = "SELECT count(*) FROM segments WHERE discussion_thread_id IS NOT NULL"
            await _until(lambda: _has(url, threads, 1))
            post_id = int(scene.world.messages(scene.channel_id)[0]["message_id"])
            readers = [scene.world.add_user(f"Reader {n}")["id"] for n in range(READERS)]
            cpu = sum(_cpu_seconds(process.pid) for process in running)
            began = time.perf_counter()
            for number in range(comments):
                scene.world.comment(
                    readers[number % READERS], scene.channel_id, post_id, f"bench {number}"
                )
            await _until(lambda: _has(url, "SELECT count(*) FROM comments", comments))
            elapsed = time.perf_counter() - began
            cpu = sum(_cpu_seconds(process.pid) for process in running) - cpu
            return comments / elapsed, cpu * 1000 / comments
        finally:
            for process in running:
                await stop(process)
            await scene.server.stop()
            if kind == "postgresql":
                await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _has(url: str, query: str, rows: int) -> bool:
    return await _count(url, query) >= rows


SETUPS = [
    ("sqlite", "polling", 1),
    ("postgresql", "polling", 1),
    ("postgresql", "webhook", 1),
    ("postgresql", "webhook", 2),
    ("postgresql", "webhook", 3),
]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    rates: dict[tuple[str, str, int], list[float]] = {setup: [] for setup in SETUPS}
    costs: dict[tuple[str, str, int], list[float]] = {setup: [] for setup in SETUPS}
    for _ in range(args.rounds):
        for setup in SETUPS:
            rate, cost = await measure(*setup, args.comments)
            rates[setup].append(rate)
            costs[setup].append(cost)
    print(
        f"{'database':11} {'intake':8} {'processes':>9} {'comments/s':>10} {'CPU ms/comment':>14}"
        f"  rounds ({args.comments:,} comments each)"
    )
    rate = {setup: statistics.median(values) for setup, values in rates.items()}
    cost = {setup: statistics.median(values) for setup, values in costs.items()}
    for setup in SETUPS:
        kind, mode, processes = setup
        shown = ", ".join(
            f"{r:.0f}/s {c:.2f} ms" for r, c in zip(rates[setup], costs[setup], strict=True)
        )
        print(f"{kind:11} {mode:8} {processes:9} {rate[setup]:10.0f} {cost[setup]:14.2f}  {shown}")
    polling, webhook = cost["postgresql", "polling", 1], cost["postgresql", "webhook", 1]
    print(f"webhook/polling CPU per comment on PostgreSQL: {webhook / polling:.2f} (target <= 1.2)")
    one = rate["postgresql", "webhook", 1]
    print(
        "webhook intake with 1/2/3 processes: "
        + " / ".join(f"{rate['postgresql', 'webhook', n] / one:.2f}" for n in (1, 2, 3))
        + f" of one process (this machine: {os.cpu_count()} cores for the emulator, "
        "PostgreSQL and the bots together)"
    )
    per_core = 1000 / cost["postgresql", "webhook", 3]
    print(
        f"one core of bot CPU takes {per_core:.0f} comments/s by webhook with 3 processes; "
        f"8 processes on 8 cores of their own: about {8 * per_core:,.0f}/s if PostgreSQL "
        "and the proxy keep up"
    )


if __name__ == "__main__":
    asyncio.run(main())
