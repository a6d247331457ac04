"""Time limits Telegram enforces: 48 hours to delete a message, 24 hours for an update."""

from __future__ import annotations

from tests.emulator.raw import raw_emulator

HOUR = 3600


async def test_delete_message_refused_after_48_hours() -> None:
    async with raw_emulator() as raw:
        reader = raw.world.add_user("Ann")["id"]
        _, group_id = raw.world.create_channel("News")
        assert group_id is not None
        young = raw.world.post_in_group(reader, group_id, "young")
        old = raw.world.post_in_group(reader, group_id, "old")
        status, _ = await raw.reader("advance_clock", seconds=47 * HOUR)
        assert status == 200
        assert await raw.ok("deleteMessage", chat_id=group_id, message_id=young["message_id"])
        raw.world.advance_clock(HOUR)
        status, text = await raw.refused(
            "deleteMessage", chat_id=group_id, message_id=old["message_id"]
        )
        assert (status, text) == (400, "Bad Request: message can't be deleted")
        assert old["message_id"] in raw.world.chats[group_id].messages


async def test_unconfirmed_updates_are_dropped_after_24_hours() -> None:
    async with raw_emulator() as raw:
        user = raw.world.add_user("Ann")["id"]
        raw.world.send_private(user, "early")
        raw.world.advance_clock(23 * HOUR)
        raw.world.send_private(user, "later")
        raw.world.advance_clock(2 * HOUR)
        seen = await raw.ok("getUpdates", timeout=0)
        assert [u["message"]["text"] for u in seen] == ["later"]
        assert raw.world.expired_updates == 1
