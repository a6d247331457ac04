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
    BARS,
    COLORS,
    LABEL,
    MARGIN,
    activity_figure,
    font,
    lesson_figure,
    nice_step,
    png,
    stacked,
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
    blue = _rgb(COLORS[0])
    rows = [
        y
        for y in range(picture.height)
        # wider than the legend's square
        if picture.getpixel((MARGIN + 2, y)) == blue and picture.getpixel((MARGIN + 100, y)) == blue
    ]
    assert len(rows) > 30, "no bar drawn"
    bar_row = rows[3]  # above the "80%" printed in the bar's middle
    widths = dict(_runs(picture, bar_row))
    whole = sum(widths.values())
    assert whole >= picture.width - 2 * MARGIN - 3  # the bar spans the width
    assert abs(widths[blue] - 0.8 * whole) <= 2
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


def test_comments_per_day_are_seven_bars_each_with_its_count() -> None:
    days = [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    activity = [
        ("Tariffs", [0, 3, 9, 4, 0, 0, 1]),
        ("Treaties", [1, 1, 1, 1, 1, 1, 1]),
        ("Silent", [0] * 7),
    ]
    canvas = activity_figure(days, activity, "News", "23–29 November", translator("en"), "en")
    assert canvas is not None
    # A label and a count for every day, Monday to Sunday; counts add the articles up.
    labels = [text for text in canvas.texts if text[:3] in ("Mon", "Tue", "Wed", "Sun")]
    assert labels == ["Mon 23", "Tue 24", "Wed 25", "Sun 29"]
    counts = canvas.texts[canvas.texts.index("Mon 23") - 1 :: 2][:7]
    assert counts == ["1", "4", "10", "5", "1", "1", "2"]
    picture = _decoded(png(canvas))
    columns = [
        x
        for x in range(picture.width)
        if any(picture.getpixel((x, y)) == _rgb(BARS) for y in range(0, picture.height, 4))
    ]
    bars = sum(1 for x, before in zip(columns[1:], columns, strict=False) if x - before > 1) + 1
    assert bars == 7


def test_a_single_day_or_a_quiet_week_draws_no_activity_chart() -> None:
    day = [date(2026, 11, 23)]
    assert (
        activity_figure(day, [("Tariffs", [5])], "News", "23 November", translator("en"), "en")
        is None
    )
    week = [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    quiet = [("Tariffs", [0] * 7)]
    assert activity_figure(week, quiet, "News", "23–29 November", translator("en"), "en") is None


def test_the_charts_use_a_colour_blind_safe_palette_and_stack_as_one_photo() -> None:
    """Every coloured pixel is one of Okabe and Ito's colours (anti-aliased text aside),
    and each share is spelled out in words, so no answer is told by colour alone."""
    okabe_ito = {"#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#F0E442"}
    assert set(COLORS) <= okabe_ito
    assert BARS in okabe_ito
    lessons = [LessonResult("Tariffs raise prices", OPTIONS, [5, 3, 2])]
    week = [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    _ = translator("en")
    votes = lesson_figure(lessons, "News", "23–29 November", _)
    days = activity_figure(week, [("Tariffs", [1, 2, 3, 0, 0, 1, 3])], "News", "", _, "en")
    assert votes is not None
    assert days is not None
    assert "Agree 50% · Partly 30% · Disagree 20% — 10 votes" in votes.texts
    both = stacked(votes, days)
    assert both is not None
    picture = _decoded(png(both))
    assert picture.height == votes.height + days.height
    colours = picture.getcolors(maxcolors=1 << 20)
    assert colours is not None
    # Large areas of one colour are bars; all of them are from the palette.
    areas = {
        "#" + "".join(f"{channel:02X}" for channel in colour)
        for count, colour in colours
        if count > 2_000
    }
    greys = {"#FFFFFF", "#212121", "#5F6368", "#E0E0E0"}
    assert areas - greys <= okabe_ito
    assert {"#0072B2", "#E69F00", "#D55E00"} <= areas


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
