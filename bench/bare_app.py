"""The baseline: a bare python-telegram-bot 22 application, as a tutorial writes one.

``run_polling`` with one ``MessageHandler``; in ``insert`` mode each message is
inserted into SQLite with aiosqlite and committed (WAL, ``synchronous=NORMAL``, as
newsbot's database is set up), in ``count`` mode it is only
counted. It prints ``ready`` when polling and ``done`` once it has seen the number
of comments it was told to expect (messages whose text starts with "bench comment").

Run: python bench/bare_app.py URL TOKEN DATABASE insert|count EXPECTED
"""

from __future__ import annotations

import os
import sys

import aiosqlite
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


def main() -> None:
    base_url, token, database, mode, expected = sys.argv[1:6]
    target = int(expected)
    seen = 0
    os.environ.setdefault("PTB_TIMEDELTA", "1")

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal seen
        message = update.effective_message
        if message is None or not (message.text or "").startswith("bench comment"):
            return
        if mode == "insert":
            connection = context.bot_data["db"]
            await connection.execute(
                "INSERT INTO comments (chat_id, message_id, user_id, text) VALUES (?, ?, ?, ?)",
                (message.chat_id, message.message_id, message.from_user.id, message.text),
            )
            await connection.commit()
        seen += 1
        if seen == target:
            print("done", flush=True)

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        connection = await aiosqlite.connect(database)
        # newsbot's own SQLite settings (db/engine.py), so a commit costs both the same.
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS comments (chat_id INTEGER, message_id INTEGER, "
            "user_id INTEGER, text TEXT)"
        )
        await connection.commit()
        application.bot_data["db"] = connection
        print("ready", flush=True)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        await application.bot_data["db"].close()

    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, on_message))
    application.run_polling(allowed_updates=["message"], poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
