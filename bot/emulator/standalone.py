"""``newsbot emulator``: the emulator as a process, with a demo channel ready to use."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path

from bot.emulator.server import EmulatorServer
from bot.emulator.world import World


def random_token() -> str:
    return f"{secrets.randbelow(9_000_000) + 1_000_000}:{secrets.token_urlsafe(27)}"


def config_for(
    server: EmulatorServer,
    channel_id: int,
    admin_id: int,
    database: str,
    web_port: int | None = None,
) -> str:
    """A newsbot config that points the bot at this emulator (with the Mini App on
    ``web_port``, if given)."""
    return (
        f'token = "{server.world.token}"\n'
        f'api_base_url = "{server.base_url}"\n'
        f"admins = [{admin_id}]\n"
        f"moderators = [{admin_id}]\n"
        f'database_url = "sqlite+aiosqlite:///{database}"\n'
        "# advance_clock (docs/emulator.md) moves the bot's time too.\n"
        "follow_api_clock = true\n\n"
        f'[[channels]]\nchat = {channel_id}\nname = "demo"\ntimezone = "UTC"\n'
        'post_spacing = "10s"\n\n'
        "[articles]\n"
        "# Pages and feeds served on this machine (loopback) may be imported: off by default,\n"
        "# so that a link cannot reach into the operator's own network.\n"
        "fetch_private_addresses = true\n"
    ) + (
        "\n[web]\n"
        "# The Mini App, opened with /_emulator/open_web_app. Plain HTTP on loopback: this\n"
        "# emulator is a test environment, where Telegram allows it; a real bot needs HTTPS.\n"
        f'url = "http://127.0.0.1:{web_port}/app/"\n'
        f'listen = "127.0.0.1:{web_port}"\n'
        if web_port is not None
        else ""
    )


def parse_route(text: str) -> tuple[str, list[str]]:
    """``https://bot.example.org=http://127.0.0.1:8443[,http://127.0.0.1:8444]``."""
    public, _, local = text.partition("=")
    locals_ = [part.strip() for part in local.split(",") if part.strip()]
    if not public.startswith("https://") or not locals_:
        raise ValueError(
            f"expected PUBLIC=LOCAL[,LOCAL...], like "
            f"https://bot.example.org=http://127.0.0.1:8443, not {text!r}"
        )
    return public.strip(), locals_


async def serve(
    port: int,
    token: str | None,
    write_config: Path | None,
    routes: list[tuple[str, list[str]]] | None = None,
) -> None:
    world = World(token or random_token(), test_environment=True)
    admin = world.add_user("Admin", username="demo_admin")
    channel_id, group_id = world.create_channel(
        "newsbot demo", "@newsbot_demo", owner_id=admin["id"]
    )
    # The admin has pressed Start, as a real one would: the bot may write to them.
    world.send_private(admin["id"], "/start")
    server = EmulatorServer(world)
    await server.start(port)
    lines = [
        f"Bot API base URL : {server.base_url}",
        f"bot token        : {world.token}",
        f"channel          : {channel_id} (@newsbot_demo)",
        f"discussion group : {group_id}",
        f"admin user       : {admin['id']}",
        f"reader API       : {server.base_url}/_emulator/ (see docs/emulator.md)",
    ]
    for public, locals_ in routes or []:
        # Plays the TLS proxy: a webhook set on ``public`` is delivered to ``locals_``.
        world.route_webhook(public, *locals_)
        lines.append(f"webhook route    : {public} -> {', '.join(locals_)}")
    if write_config is not None:
        database = write_config.with_suffix(".db").resolve()
        web_port = free_port()
        text = config_for(server, channel_id, admin["id"], str(database), web_port)
        await asyncio.to_thread(write_config.write_text, text, "utf-8")
        lines.append(f"config written   : {write_config}")
        lines.append(f"Mini App         : http://127.0.0.1:{web_port}/app/ (once newsbot runs)")
    print("\n".join(lines), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def free_port() -> int:
    """A loopback port nobody listens on now, for the Mini App newsbot will serve."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
