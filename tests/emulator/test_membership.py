"""Privacy mode, membership and rights: what the bot sees and may do in each chat."""

from __future__ import annotations

from tests.emulator.raw import JSON, raw_emulator

ALL = ["message", "edited_message", "my_chat_member", "chat_member", "message_reaction"]


def _texts(updates: list[JSON]) -> list[str]:
    return [u["message"].get("text", "") for u in updates if "message" in u]


async def test_get_me_reports_privacy_mode() -> None:
    async with raw_emulator(privacy_mode=True) as raw:
        assert (await raw.ok("getMe"))["can_read_all_group_messages"] is False
        status, _ = await raw.reader("set_privacy_mode", enabled=False)
        assert status == 200
        assert (await raw.ok("getMe"))["can_read_all_group_messages"] is True


async def test_a_plain_member_with_privacy_on_sees_only_what_is_meant_for_it() -> None:
    async with raw_emulator(privacy_mode=True) as raw:
        reader = raw.world.add_user("Ann")["id"]
        channel_id, group_id = raw.world.create_channel("News", bot_in_group="member")
        assert group_id is not None
        await raw.updates(allowed_updates=ALL)
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        raw.world.comment(reader, channel_id, post["message_id"], "an ordinary comment")
        raw.world.comment(reader, channel_id, post["message_id"], "/hide")
        raw.world.comment(reader, channel_id, post["message_id"], "/hide@newsbot_emulated_bot")
        mine = await raw.ok("sendMessage", chat_id=group_id, text="the bot speaks")
        raw.world.reply(reader, group_id, mine["message_id"], "a reply to the bot")
        seen = await raw.updates()
        assert _texts(seen) == ["/hide@newsbot_emulated_bot", "a reply to the bot"]
        assert not any(u["message"].get("is_automatic_forward") for u in seen)


async def test_privacy_off_or_administrator_sees_every_comment_and_forward() -> None:
    for options, bot_in_group in (
        ({"privacy_mode": False}, "member"),
        ({"privacy_mode": True}, "admin"),
    ):
        async with raw_emulator(**options) as raw:
            reader = raw.world.add_user("Ann")["id"]
            channel_id, _ = raw.world.create_channel("News", bot_in_group=bot_in_group)
            post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
            raw.world.comment(reader, channel_id, post["message_id"], "an ordinary comment")
            seen = await raw.updates()
            assert [u["message"].get("is_automatic_forward", False) for u in seen] == [True, False]


async def test_a_bot_outside_the_group_sees_nothing_of_it() -> None:
    async with raw_emulator() as raw:
        reader = raw.world.add_user("Ann")["id"]
        channel_id, _ = raw.world.create_channel("News", bot_in_group="absent")
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        raw.world.comment(reader, channel_id, post["message_id"], "/hide@newsbot_emulated_bot")
        assert await raw.updates() == []


async def test_membership_changes_reach_the_bot_as_telegram_sends_them() -> None:
    async with raw_emulator() as raw:
        owner = raw.world.add_user("Owner")["id"]
        reader = raw.world.add_user("Ann")["id"]
        channel_id, group_id = raw.world.create_channel("News", owner_id=owner)
        assert group_id is not None
        await raw.updates(allowed_updates=ALL)
        await raw.reader(
            "promote", chat_id=channel_id, user_id=raw.world.bot_id, can_post_messages=False
        )
        await raw.reader("add_member", chat_id=group_id, user_id=reader)
        await raw.reader("remove_member", chat_id=channel_id, user_id=raw.world.bot_id)
        seen = await raw.updates()
        kinds = [next(k for k in u if k != "update_id") for u in seen]
        assert kinds == ["my_chat_member", "chat_member", "my_chat_member"]
        demoted, joined, removed = (u[k] for u, k in zip(seen, kinds, strict=True))
        assert demoted["old_chat_member"]["can_post_messages"] is True
        assert demoted["new_chat_member"]["can_post_messages"] is False
        assert demoted["from"]["id"] == owner
        assert (joined["old_chat_member"]["status"], joined["new_chat_member"]["status"]) == (
            "left",
            "member",
        )
        assert removed["new_chat_member"]["status"] == "left"
        status, text = await raw.refused("sendMessage", chat_id=channel_id, text="still here?")
        assert (status, text) == (403, "Forbidden: bot is not a member of the channel chat")


async def test_chat_member_updates_only_when_asked_for() -> None:
    async with raw_emulator() as raw:
        reader = raw.world.add_user("Ann")["id"]
        _, group_id = raw.world.create_channel("News")
        await raw.updates(allowed_updates=["message"])
        raw.world.add_member(group_id or 0, reader)
        assert await raw.updates() == []


async def test_rights_are_checked_for_posting_deleting_and_banning() -> None:
    async with raw_emulator() as raw:
        reader = raw.world.add_user("Ann")["id"]
        channel_id, group_id = raw.world.create_channel("News", bot_can_post=False)
        assert group_id is not None
        status, text = await raw.refused("sendMessage", chat_id=channel_id, text="x")
        assert (status, text) == (400, "Bad Request: need administrator rights in the channel chat")
        comment = raw.world.post_in_group(reader, group_id, "hello")
        raw.world.promote(
            group_id, raw.world.bot_id, can_delete_messages=False, can_restrict_members=False
        )
        status, text = await raw.refused(
            "deleteMessage", chat_id=group_id, message_id=comment["message_id"]
        )
        assert (status, text) == (400, "Bad Request: message can't be deleted")
        status, text = await raw.refused("banChatMember", chat_id=group_id, user_id=reader)
        assert text == "Bad Request: not enough rights to restrict/unrestrict chat member"
        status, text = await raw.refused(
            "banChatSenderChat", chat_id=group_id, sender_chat_id=channel_id
        )
        assert text == "Bad Request: not enough rights to restrict/unrestrict chat member"


async def test_a_channel_persona_banned_with_ban_chat_sender_chat() -> None:
    async with raw_emulator() as raw:
        owner = raw.world.add_user("Owner")["id"]
        spam_channel, _ = raw.world.create_channel("Spam", owner_id=owner, with_discussion=False)
        channel_id, group_id = raw.world.create_channel("News")
        assert group_id is not None
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        raw.world.comment(owner, channel_id, post["message_id"], "buy", as_chat=spam_channel)
        assert await raw.ok("banChatSenderChat", chat_id=group_id, sender_chat_id=spam_channel)
        status, body = await raw.reader(
            "comment",
            user_id=owner,
            channel_id=channel_id,
            channel_message_id=post["message_id"],
            text="again",
            as_chat=spam_channel,
        )
        assert status == 400
        assert "banned" in body["description"]
        assert await raw.ok("unbanChatSenderChat", chat_id=group_id, sender_chat_id=spam_channel)


async def test_relinking_and_unlinking_the_discussion_group() -> None:
    async with raw_emulator() as raw:
        owner = raw.world.add_user("Owner")["id"]
        reader = raw.world.add_user("Ann")["id"]
        channel_id, old_group = raw.world.create_channel("News", owner_id=owner)
        new_group = raw.world.create_group("News talk", owner_id=owner)
        status, _ = await raw.reader("link_discussion", channel_id=channel_id, group_id=new_group)
        assert status == 200
        assert (await raw.ok("getChat", chat_id=channel_id))["linked_chat_id"] == new_group
        assert "linked_chat_id" not in await raw.ok("getChat", chat_id=old_group)
        await raw.updates()
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        raw.world.comment(reader, channel_id, post["message_id"], "in the new group")
        seen = await raw.updates()
        assert {u["message"]["chat"]["id"] for u in seen} == {new_group}
        await raw.reader("link_discussion", channel_id=channel_id, group_id=None)
        assert "linked_chat_id" not in await raw.ok("getChat", chat_id=channel_id)
        await raw.ok("sendMessage", chat_id=channel_id, text="comments are off")
        assert await raw.updates() == []


async def test_a_bot_that_left_cannot_close_or_edit_its_posts() -> None:
    async with raw_emulator() as raw:
        channel_id, _ = raw.world.create_channel("News")
        poll = await raw.ok(
            "sendPoll", chat_id=channel_id, question="Agree?", options=["Yes", "No"]
        )
        post = await raw.ok("sendMessage", chat_id=channel_id, text="a post")
        raw.world.remove_member(channel_id, raw.world.bot_id)
        status, text = await raw.refused(
            "stopPoll", chat_id=channel_id, message_id=poll["message_id"]
        )
        assert (status, text) == (403, "Forbidden: bot is not a member of the channel chat")
        status, _ = await raw.refused(
            "editMessageText", chat_id=channel_id, message_id=post["message_id"], text="edited"
        )
        assert status == 403
