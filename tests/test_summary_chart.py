"""The charts as a reader sees them: the PNG is decoded and its pixels read back, so a
bar that is not its share's width, a line that is not drawn or a label that runs off
the image fails here."""

from __future__ import annotations

import io
import math
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.i18n import translator
from bot.summaries.chart import (
    COLORS,
    LABEL,
    MARGIN,
    activity_figure,
    font,
    lesson_figure,
    nice_step,
    png,
    wrap,
)
from bot.summaries.content import LessonResult

OPTIONS = ["Agree", "Partly", "Disagree"]


def _rgb(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def _decoded(image: bytes | None) -> Image.Image:
    assert image is not None
    return Image.open(io.BytesIO(image)).convert("RGB")


def _runs(picture: Image.Image, y: int) -> list[tuple[tuple[int, int, int], int]]:
    """The row's pixels as (colour, length) runs, white left out."""
    runs: list[tuple[tuple[int, int, int], int]] = []
    for x in range(picture.width):
        pixel = picture.getpixel((x, y))
        assert isinstance(pixel, tuple)
        colour = (pixel[0], pixel[1], pixel[2])
        if runs and runs[-1][0] == colour:
            runs[-1] = (colour, runs[-1][1] + 1)
        else:
            runs.append((colour, 1))
    return [run for run in runs if run[0] != (255, 255, 255)]


def test_each_bar_is_split_in_its_lessons_shares() -> None:
    lessons = [LessonResult("Tariffs raise prices", OPTIONS, [8, 1, 1])]
    picture = _decoded(png(lesson_figure(lessons, "News", "22–29 November", translator("en"))))
    green = _rgb(COLORS[0])
    rows = [
        y
        for y in range(picture.height)
        # wider than the legend's square
        if picture.getpixel((MARGIN + 2, y)) == green
        and picture.getpixel((MARGIN + 100, y)) == green
    ]
    assert len(rows) > 30, "no bar drawn"
    bar_row = rows[3]  # above the "80%" printed in the bar's middle
    widths = dict(_runs(picture, bar_row))
    whole = sum(widths.values())
    assert whole >= picture.width - 2 * MARGIN - 3  # the bar spans the width
    assert abs(widths[green] - 0.8 * whole) <= 2
    assert abs(widths[_rgb(COLORS[1])] - 0.1 * whole) <= 2
    assert abs(widths[_rgb(COLORS[2])] - 0.1 * whole) <= 2


def test_a_week_of_many_lessons_stays_a_photo_telegram_accepts() -> None:
    """Telegram refuses a photo whose width and height add up to more than 10000 px: the
    lessons that do not fit are counted under the chart instead of drawn."""
    question = "Prices rise when tariffs rise, and importers pass the cost on " * 3
    lessons = [LessonResult(question, OPTIONS, [n + 1, 1, 1], number=n) for n in range(1, 61)]
    lessons.append(LessonResult("Nobody voted", OPTIONS, [0, 0, 0], number=61))
    canvas = lesson_figure(lessons, "News", "22–29 November", translator("ru"))
    assert canvas is not None
    picture = _decoded(png(canvas))
    assert picture.width + picture.height <= 10_000
    drawn = [text for text in canvas.texts if text.startswith("Урок ")]
    assert 20 <= len(drawn) < 60
    assert f"Не поместились ещё {60 - len(drawn)} уроков с голосами" in canvas.texts or (
        f"Не поместились ещё {60 - len(drawn)} урока с голосами" in canvas.texts
    )
    assert "Не показан 1 урок без голосов" in canvas.texts


def test_a_share_too_narrow_for_its_number_goes_unlabelled() -> None:
    lessons = [LessonResult("Tariffs raise prices", OPTIONS, [90, 5, 5])]
    canvas = lesson_figure(lessons, "News", "22–29 November", translator("en"))
    assert canvas is not None
    assert "90%" in canvas.texts
    assert "5%" not in canvas.texts


def test_the_activity_chart_draws_a_line_for_each_article_with_its_legend() -> None:
    days = [date(2026, 11, 22) + timedelta(days=n) for n in range(8)]
    activity = [
        ("Tariffs", [0, 3, 9, 4, 0, 0, 1, 0]),
        ("Treaties", [1, 1, 1, 1, 1, 1, 1, 1]),
        ("Silent", [0] * 8),
    ]
    canvas = activity_figure(days, activity, "News", "22–29 November", translator("en"), "en")
    assert canvas is not None
    assert "Tariffs (17 comments)" in canvas.texts
    assert "Treaties (8 comments)" in canvas.texts
    assert [text for text in canvas.texts if text.endswith("Nov")][:2] == ["22 Nov", "23 Nov"]
    assert [tick for tick in canvas.texts if tick.isdigit()] == ["0", "2", "4", "6", "8", "10"]
    picture = _decoded(png(canvas))
    colours = picture.getcolors(maxcolors=1 << 16)
    assert colours is not None
    count = {colour: n for n, colour in colours}
    # Lines and dots in the first two colours: a line's worth of pixels, not a legend's.
    assert count.get(_rgb(COLORS[0]), 0) > 2_000
    assert count.get(_rgb(COLORS[1]), 0) > 2_000


def test_days_are_labelled_every_other_day_when_they_would_collide() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(31)]
    activity = [("Tariffs", [n % 4 for n in range(31)])]
    canvas = activity_figure(days, activity, "News", "November", translator("ru"), "ru")
    assert canvas is not None
    labels = [text for text in canvas.texts if "нояб" in text]
    assert 5 <= len(labels) < 31
    assert labels[0] == "1 нояб."


def test_long_labels_are_wrapped_within_the_width_and_cut_with_an_ellipsis() -> None:
    face = font(LABEL)
    lines = wrap("Prices rise when tariffs rise " * 20 + "x" * 300, face, 600, 3)
    assert len(lines) == 3
    assert all(face.getlength(line) <= 600 for line in lines)
    assert lines[-1].endswith("…")
    word = wrap("W" * 10 + "i" * 300, face, 200, 5)  # a word longer than the line is cut
    assert len(word) == 5
    assert all(face.getlength(line) <= 200 for line in word)


def test_hebrew_is_drawn_right_to_left_and_emoji_are_left_out() -> None:
    assert wrap("שלום עולם 🎉", font(LABEL), 600, 1) == ["םלוע םולש"]


@given(st.integers(min_value=1, max_value=10**9))
def test_value_axis_steps_are_round_and_few(top: int) -> None:
    step = nice_step(top)
    assert math.ceil(top / step) <= 6
    round_steps = [m * 10**k for k in range(11) for m in (1, 2, 5)]
    assert step in round_steps
    finer = round_steps[: round_steps.index(step)]
    assert all(math.ceil(top / s) > 6 for s in finer)  # no finer round step would do
