"""How posts look before they are published: for a terminal, for JSON, for a chat."""

from __future__ import annotations

import json

from bot.articles.segmenter import Post
from bot.i18n import translator
from bot.telegram.html import utf16_length


def preview_text(posts: list[Post], poll_options: list[str] | None = None) -> str:
    options = " | ".join(poll_options or default_poll_options(None))
    lines: list[str] = []
    for post in posts:
        header = f"── post {post.position + 1}/{len(posts)} · {post.kind.value} · "
        header += f"{utf16_length(post.text)} chars "
        lines.append(header.ljust(72, "─"))
        lines.append(post.text)
        for number, lesson in enumerate(post.lessons, start=1):
            lines.append(f"  ▸ poll {number}: {lesson.question}")
            lines.append(f"    [{options}]")
        lines.append("")
    return "\n".join(lines)


def preview_json(posts: list[Post], poll_options: list[str] | None = None) -> str:
    """Every post as it will be sent, and after each lesson post its polls: the question
    and the options the channel will show."""
    options = poll_options or default_poll_options(None)
    return json.dumps(
        [
            {
                "position": post.position,
                "kind": post.kind.value,
                "html": post.html,
                "text": post.text,
                "lessons": [
                    {"question": item.question, "text": item.text, "options": options}
                    for item in post.lessons
                ],
            }
            for post in posts
        ],
        ensure_ascii=False,
        indent=2,
    )


def default_poll_options(language: str | None) -> list[str]:
    _ = translator(language)
    return [_("Agree"), _("Partly agree"), _("Disagree")]
