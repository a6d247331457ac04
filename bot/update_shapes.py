"""Updates in older Bot API shapes, brought up to the shape python-telegram-bot requires.

Bot API 9.6 and 10.0 made new poll fields required, and python-telegram-bot
22.8 refuses a poll or poll answer without them. An older self-hosted Bot API
server (or an update stored before an upgrade) still sends the old shape; its
votes must count. Each missing field gets the value the Bot API documents for
the behaviour older servers had:

- ``Poll.allows_revoting``: older polls let voters change a regular poll's
  answer and never a quiz's, so ``type != "quiz"``.
- ``Poll.members_only``: False (voting was never limited to members).
- ``PollOption.persistent_id``: the option's index as a string; older servers
  had no option addition, so the index identified an option for good.
- ``PollAnswer.option_persistent_ids``: the chosen indexes, the same way.
- ``Poll.correct_option_id`` (a quiz's one right answer) became ``correct_option_ids``.

Nothing else is invented: an update that is still unreadable after this is
quarantined by the inbox.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def normalise_update(payload: JSON) -> JSON:
    """``payload`` with older shapes filled in, as a copy (the stored raw update stays as
    sent); an update with nothing to fill in, nearly every one, is returned as it is."""
    if not _has_poll(payload):
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
    return fixed


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
