"""Comment intake with one, two and three ``newsbot run`` processes on PostgreSQL, each
receiving by webhook (the emulator delivers as Telegram does, several requests at once,
taking turns among the processes as a reverse proxy would), beside one process on SQLite
receiving the same way.

Each round: a fresh emulator and database, the processes started, one post published,
then readers write N comments; the figure is comments per second until all are stored.
The last line says how intake grows with processes (this machine has two cores, which
the emulator, the processes and PostgreSQL share).

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


async def measure(kind: str, processes: int, comments: int) -> float:
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
        ports = _free_ports(processes)
        scene.world.route_webhook(PUBLIC, *(f"http://127.0.0.1:{port}" for port in ports))
        running = [
            await spawn(
                *cli,
                "run",
                "--webhook",
                f"{PUBLIC}/tg",
                "--listen",
                f"127.0.0.1:{port}",
                ready="is running",
            )
            for port in ports
        ]
        try:
            threads = "SELECT count(*) FROM segments WHERE discussion_thread_id IS NOT NULL"
            await _until(lambda: _has(url, threads, 1))
            post_id = int(scene.world.messages(scene.channel_id)[0]["message_id"])
            readers = [scene.world.add_user(f"Reader {n}")["id"] for n in range(READERS)]
            began = time.perf_counter()
            for number in range(comments):
                scene.world.comment(
                    readers[number % READERS], scene.channel_id, post_id, f"bench {number}"
                )
            await _until(lambda: _has(url, "SELECT count(*) FROM comments", comments))
            return comments / (time.perf_counter() - began)
        finally:
            for process in running:
                await stop(process)
            await scene.server.stop()
            if kind == "postgresql":
                await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _has(url: str, query: str, rows: int) -> bool:
    return await _count(url, query) >= rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    setups = [("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 3)]
    figures: dict[tuple[str, int], list[float]] = {setup: [] for setup in setups}
    for _ in range(args.rounds):
        for kind, processes in setups:
            figures[kind, processes].append(await measure(kind, processes, args.comments))
    print(f"{'database':11} {'processes':>9} {'comments/s':>10}  rounds ({args.comments:,} each)")
    medians = {setup: statistics.median(values) for setup, values in figures.items()}
    for (kind, processes), values in figures.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"{kind:11} {processes:9} {medians[kind, processes]:10.0f}  {shown}")
    one = medians["postgresql", 1]
    print(
        "webhook intake on PostgreSQL with 1/2/3 processes: "
        + " / ".join(f"{medians['postgresql', n] / one:.2f}" for n in (1, 2, 3))
        + f" of one process; one process on SQLite: {medians['sqlite', 1] / one:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
