"""Updates in older Bot API shapes, brought up to the shape python-telegram-bot requires.

Bot API 9.6 and 10.0 made new poll fields required, and python-telegram-bot
22.8 refuses a poll or poll answer without them. An older self-hosted Bot API
server (or an update stored before an upgrade) still sends the old shape; its
votes must count. Each missing field gets the value the Bot API documents for
the behaviour older servers had.

Polls:

- ``Poll.allows_revoting``: older polls let voters change a regular poll's
  answer and never a quiz's, so ``type != "quiz"``.
- ``Poll.members_only``: False (voting was never limited to members).
- ``PollOption.persistent_id``: the option's index as a string; older servers
  had no option addition, so the index identified an option for good.
- ``PollAnswer.option_persistent_ids``: the chosen indexes, the same way.
- ``Poll.correct_option_id`` (a quiz's one right answer) became ``correct_option_ids``.

Chat members (``my_chat_member``, ``chat_member``): a change of the bot's rights in an
older shape must not be lost until the next periodic check.

- restricted: ``can_send_media_messages`` (before Bot API 6.5) stands for each of the six
  rights that replaced it (audios, documents, photos, videos, video notes, voice notes);
  ``can_manage_topics`` (6.3) defaults to ``can_pin_messages``, as the Bot API documents;
  ``can_edit_tag`` (10.0) is False (older members had no tags);
  ``can_react_to_messages`` (10.0) is True (no right could take reacting away before);
  ``until_date`` 0 (for ever); ``is_member`` True.
- administrator: ``can_manage_voice_chats`` (before 6.0) became ``can_manage_video_chats``;
  ``can_post_stories``, ``can_edit_stories`` and ``can_delete_stories`` (6.9) are False,
  and the other rights older servers did not list are False but ``can_manage_chat``,
  which every administrator right implies.
- creator: ``is_anonymous`` (5.3) is False. banned (``kicked``): ``until_date`` 0.

Nothing else is invented: an update that is still unreadable after this is
quarantined by the inbox.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def normalise_update(payload: JSON) -> JSON:
    """``payload`` with older shapes filled in, as a copy (the stored raw update stays as
    sent); an update with nothing to fill in, nearly every one, is returned as it is."""
    if not (_has_poll(payload) or "my_chat_member" in payload or "chat_member" in payload):
        return payload
    return _walk(payload)  # type: ignore[no-any-return]


def _has_poll(payload: JSON) -> bool:
    """Whether anything in ``payload`` looks like a poll or a poll answer (a quick superset
    of what ``_walk`` fills in)."""
    pending: list[Any] = [payload]
    while pending:
        value = pending.pop()
        if type(value) is dict:
            if "poll_id" in value or ("question" in value and "options" in value):
                return True
            pending.extend(item for item in value.values() if type(item) in _CONTAINERS)
        else:
            pending.extend(item for item in value if type(item) in _CONTAINERS)
    return False


_CONTAINERS = (dict, list)


def _walk(value: Any) -> Any:
    if isinstance(value, list):
        return [_walk(item) for item in value]
    if not isinstance(value, dict):
        return value
    fixed = {key: _walk(item) for key, item in value.items()}
    if _is_poll(fixed):
        _fill_poll(fixed)
    elif _is_poll_answer(fixed):
        _fill_poll_answer(fixed)
    elif _is_chat_member(fixed):
        _fill_chat_member(fixed)
    return fixed


_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_MEDIA_RIGHTS = (
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
)
_RESTRICTED_DEFAULT_FALSE = (
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_edit_tag",
)
_ADMINISTRATOR_DEFAULT_FALSE = (
    "can_be_edited",
    "is_anonymous",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def _is_chat_member(data: JSON) -> bool:
    return data.get("status") in _MEMBER_STATUSES and isinstance(data.get("user"), dict)


def _fill_chat_member(member: JSON) -> None:
    status = member["status"]
    if status == "restricted":
        media = member.get("can_send_media_messages", False)
        for right in _MEDIA_RIGHTS:
            member.setdefault(right, media)
        for right in _RESTRICTED_DEFAULT_FALSE:
            member.setdefault(right, False)
        member.setdefault("can_manage_topics", member["can_pin_messages"])
        member.setdefault("can_react_to_messages", True)
        member.setdefault("until_date", 0)
        member.setdefault("is_member", True)
    elif status == "administrator":
        if "can_manage_voice_chats" in member:
            member.setdefault("can_manage_video_chats", member.pop("can_manage_voice_chats"))
        member.setdefault("can_manage_chat", True)
        for right in _ADMINISTRATOR_DEFAULT_FALSE:
            member.setdefault(right, False)
    elif status == "creator":
        member.setdefault("is_anonymous", False)
    elif status == "kicked":
        member.setdefault("until_date", 0)


def _is_poll(data: JSON) -> bool:
    return "question" in data and isinstance(data.get("options"), list) and "id" in data


def _is_poll_answer(data: JSON) -> bool:
    return "poll_id" in data and isinstance(data.get("option_ids"), list)


def _fill_poll(poll: JSON) -> None:
    poll.setdefault("allows_revoting", poll.get("type") != "quiz")
    poll.setdefault("members_only", False)
    if "correct_option_id" in poll and "correct_option_ids" not in poll:
        poll["correct_option_ids"] = [poll["correct_option_id"]]
    poll.pop("correct_option_id", None)
    for index, option in enumerate(poll["options"]):
        if isinstance(option, dict):
            option.setdefault("persistent_id", str(index))


def _fill_poll_answer(answer: JSON) -> None:
    if "option_persistent_ids" not in answer:
        answer["option_persistent_ids"] = [str(index) for index in answer["option_ids"]]
