"""Reactions: per-user in groups (opt-in), anonymous counts on channel posts (grouped, late)."""

from __future__ import annotations

from tests.emulator.raw import raw_emulator


async def test_group_reactions_per_user_only_when_asked_for() -> None:
    async with raw_emulator() as raw:
        reader = raw.world.add_user("Ann")["id"]
        _, group_id = raw.world.create_channel("News")
        assert group_id is not None
        comment = raw.world.post_in_group(reader, group_id, "hello")
        await raw.updates(allowed_updates=["message"])
        raw.world.react(reader, group_id, comment["message_id"], "👍")
        assert await raw.updates() == []
        await raw.updates(allowed_updates=["message", "message_reaction"])
        raw.world.react(reader, group_id, comment["message_id"], "🔥")
        [update] = await raw.updates()
        reaction = update["message_reaction"]
        assert reaction["user"]["id"] == reader
        assert reaction["old_reaction"] == [{"type": "emoji", "emoji": "👍"}]
        assert reaction["new_reaction"] == [{"type": "emoji", "emoji": "🔥"}]


async def test_channel_counts_arrive_grouped_after_the_delay() -> None:
    async with raw_emulator(reaction_count_delay=120) as raw:
        readers = [raw.world.add_user(f"R{n}")["id"] for n in range(3)]
        channel_id, _ = raw.world.create_channel("News")
        await raw.updates(allowed_updates=["message_reaction_count"])
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        for reader in readers:
            raw.world.react(reader, channel_id, post["message_id"], "👍")
        raw.world.advance_clock(119)
        assert await raw.updates() == []
        raw.world.advance_clock(1)
        [update] = await raw.updates()
        counts = update["message_reaction_count"]["reactions"]
        assert counts == [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 3}]


async def test_no_reactions_for_a_bot_that_is_not_an_administrator() -> None:
    async with raw_emulator(reaction_count_delay=0) as raw:
        reader = raw.world.add_user("Ann")["id"]
        _, group_id = raw.world.create_channel("News", bot_in_group="member")
        assert group_id is not None
        comment = raw.world.post_in_group(reader, group_id, "hello")
        await raw.updates(allowed_updates=["message_reaction", "message_reaction_count"])
        raw.world.react(reader, group_id, comment["message_id"], "👍")
        assert await raw.updates() == []


async def test_the_delay_is_set_over_the_reader_api() -> None:
    async with raw_emulator(reaction_count_delay=600) as raw:
        reader = raw.world.add_user("Ann")["id"]
        channel_id, _ = raw.world.create_channel("News")
        await raw.updates(allowed_updates=["message_reaction_count"])
        status, _body = await raw.reader("set_reaction_count_delay", seconds=5)
        assert status == 200
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        raw.world.react(reader, channel_id, post["message_id"], "👍")
        raw.world.advance_clock(5)
        assert len(await raw.updates()) == 1
