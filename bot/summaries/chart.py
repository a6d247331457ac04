"""The lesson results as a chart image, readable on a phone (matplotlib, no display needed)."""

from __future__ import annotations

import io
import textwrap
import unicodedata
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from bidi import get_display  # noqa: E402

from bot.summaries.content import LessonResult  # noqa: E402

COLORS = ["#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#00838f"]


def _label(text: str, width: int = 38) -> str:
    """Wrapped, at most three lines; right-to-left text reordered for display; no emoji."""
    clean = "".join(ch for ch in text if ord(ch) <= 0xFFFF and unicodedata.category(ch) != "So")
    lines = textwrap.wrap(" ".join(clean.split()), width) or [""]
    if len(lines) > 3:
        lines = lines[:3]
        lines[-1] = lines[-1][: width - 1] + "…"
    return "\n".join(get_display(line) for line in lines)


def lesson_chart(lessons: list[LessonResult], title: str) -> bytes | None:
    """A PNG of stacked bars, one per lesson; None when there is nothing to draw."""
    if not lessons:
        return None
    options = lessons[0].options
    height = 1.4 + 1.1 * len(lessons)
    figure, axes = plt.subplots(figsize=(8, height), dpi=150)
    try:
        labels = [_label(lesson.question) for lesson in lessons][::-1]
        shown = lessons[::-1]
        left = [0.0] * len(shown)
        for index, option in enumerate(options):
            shares = [
                lesson.share(index) * 100 if index < len(lesson.counts) else 0 for lesson in shown
            ]
            bars = axes.barh(
                labels,
                shares,
                left=left,
                color=COLORS[index % len(COLORS)],
                label=_label(option, 24),
            )
            for bar, share in zip(bars, shares, strict=True):
                if share >= 9:
                    axes.text(
                        bar.get_x() + bar.get_width() / 2,
                        bar.get_y() + bar.get_height() / 2,
                        f"{share:.0f}%",
                        ha="center",
                        va="center",
                        color="white",
                        fontsize=11,
                        fontweight="bold",
                    )
            left = [a + b for a, b in zip(left, shares, strict=True)]
        axes.set_xlim(0, 100)
        axes.set_xlabel("%")
        axes.set_title(_label(title, 60), fontsize=14, loc="left")
        axes.tick_params(axis="y", labelsize=11)
        axes.legend(
            ncol=min(len(options), 4),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.06 - 0.25 / len(lessons)),
            frameon=False,
            fontsize=11,
        )
        axes.spines[["top", "right"]].set_visible(False)
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a missing glyph must not fail a summary
            figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)
