"""The summary's two charts, laid out for a phone (matplotlib, no display needed).

Telegram scales photos to 1280 px on the long side, so each figure is drawn exactly
1280 px wide (8 in at 160 dpi) with type no smaller than 11 pt: nothing is shrunk
after drawing. Each carries the channel's name and the period. The lesson chart
shows each lesson's shares with its number of votes in the label and leaves out
lessons nobody voted on, saying how many; the activity chart shows comments per day
for each article. ``*_figure`` build the figures (tests read their texts back);
``png`` renders one and closes it.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
import warnings
from datetime import date

from bidi import get_display
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.i18n import Translator, counted
from bot.summaries.content import LessonResult

COLORS = ["#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#00838f"]
WIDTH_INCHES, DPI = 8, 160  # 1280 px: Telegram's photo size, so nothing is scaled down


def _figure(height_inches: float) -> Figure:
    """A figure of its own, not pyplot's (whose import costs a fifth of a second and whose
    figures live until closed): PNG output goes through the Agg canvas either way."""
    return Figure(figsize=(WIDTH_INCHES, height_inches), dpi=DPI, layout="constrained")


def _label(text: str, width: int = 38, lines: int = 3) -> str:
    """Wrapped, at most ``lines`` lines; right-to-left text reordered for display; no emoji."""
    clean = "".join(ch for ch in text if ord(ch) <= 0xFFFF and unicodedata.category(ch) != "So")
    wrapped = textwrap.wrap(" ".join(clean.split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(get_display(line) for line in wrapped)


def _heading(figure: Figure, channel: str, dates: str, subject: str) -> None:
    figure.suptitle(
        _label(f"{channel} · {dates}", 60, 2), fontsize=16, fontweight="bold", x=0.02, ha="left"
    )
    figure.axes[0].set_title(_label(subject, 60, 2), fontsize=13, loc="left")


def lesson_figure(
    lessons: list[LessonResult], channel: str, dates: str, _: Translator
) -> Figure | None:
    """Stacked bars of each voted lesson's shares; None when no lesson has a vote."""
    shown = [lesson for lesson in lessons if lesson.total > 0]
    if not shown:
        return None
    options = shown[0].options
    figure = _figure(2.4 + 1.15 * len(shown))
    axes = figure.subplots()
    labels = [
        _label(
            _("Lesson {number}: «{question}»").format(
                number=lesson.number, question=lesson.question
            )
        )
        + "\n"
        + counted("{count} vote", "{count} votes", lesson.total, _)
        for lesson in shown
    ][::-1]
    left = [0.0] * len(shown)
    for index, option in enumerate(options):
        percents = [
            lesson.percentages()[index] if index < len(lesson.counts) else 0
            for lesson in shown[::-1]
        ]
        bars = axes.barh(
            labels, percents, left=left, color=COLORS[index % len(COLORS)], label=_label(option, 24)
        )
        for bar, percent in zip(bars, percents, strict=True):
            if percent >= 9:
                axes.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{percent}%",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=12,
                    fontweight="bold",
                )
        left = [a + b for a, b in zip(left, percents, strict=True)]
    axes.set_xlim(0, 100)
    axes.set_xlabel("%", fontsize=12)
    axes.tick_params(axis="y", labelsize=12)
    axes.tick_params(axis="x", labelsize=11)
    axes.legend(
        ncol=min(len(options), 3), loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False,
        fontsize=12,
    )  # fmt: skip
    axes.spines[["top", "right"]].set_visible(False)
    _heading(figure, channel, dates, _("How readers voted on the lessons"))
    left_out = len(lessons) - len(shown)
    if left_out:
        figure.supxlabel(
            counted(
                "Not shown: {count} lesson without votes",
                "Not shown: {count} lessons without votes",
                left_out,
                _,
            ),
            fontsize=11,
            x=0.02,
            ha="left",
        )
    return figure


def activity_figure(
    days: list[date],
    activity: list[tuple[str, list[int]]],
    channel: str,
    dates: str,
    _: Translator,
    language: str,
) -> Figure | None:
    """Comments per day, one line per article (the five most discussed); None when quiet."""
    from babel.dates import format_date

    busiest = sorted(activity, key=lambda item: -sum(item[1]))[:5]
    if not busiest or not any(sum(counts) for _title, counts in busiest):
        return None
    figure = _figure(5.6)
    axes = figure.subplots()
    ticks = [format_date(day, "d MMM", locale=language) for day in days]
    for index, (title, counts) in enumerate(busiest):
        label = (
            _label(title, 40, 1)
            + " ("
            + counted("{count} comment", "{count} comments", sum(counts), _)
            + ")"
        )
        axes.plot(
            range(len(days)), counts, marker="o", linewidth=2.5, color=COLORS[index], label=label
        )
    axes.set_xticks(range(len(days)), ticks, fontsize=11)
    axes.set_ylabel(_("Comments"), fontsize=12)
    axes.set_ylim(bottom=0)
    axes.tick_params(axis="y", labelsize=11)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False, fontsize=12)
    axes.spines[["top", "right"]].set_visible(False)
    _heading(figure, channel, dates, _("Comments per day"))
    return figure


def png(figure: Figure | None) -> bytes | None:
    """The figure as PNG at its own size (no tight cropping: 1280 px stays 1280 px)."""
    if figure is None:
        return None
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing glyph must not fail a summary
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
