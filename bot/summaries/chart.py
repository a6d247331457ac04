"""The summary's two charts, laid out for a phone and drawn with Pillow.

Drawn by hand rather than with matplotlib: loading matplotlib and its first drawing took
about a second, the whole budget of the first `/summary` after start (bench/README.md);
Pillow loads in 0.03 s and draws a chart in tens of milliseconds. Telegram scales photos
to 1280 px on the long side, so each chart is drawn exactly 1280 px wide with type no
smaller than 24 px (11 pt at 160 dpi): nothing is shrunk after drawing. Each carries
the channel's name and the period. The lesson chart shows each lesson's shares with its
number of votes in the label and leaves out lessons nobody voted on, saying how many;
the activity chart shows the channel's comments per day as bars. They go out as one
photo, the lessons above the days.

``*_figure`` lay a chart out on a :class:`Canvas`, which keeps every text it places (tests
read them back, as a reader would); ``png`` draws it. Text is DejaVu Sans (bundled in
``fonts/``, with its licence): it covers Latin, Cyrillic, Greek and Hebrew, whatever
fonts the machine has.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from bidi import get_display
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import Translator, counted
from bot.summaries.content import LessonResult

# Okabe and Ito's palette, told apart with every common colour-vision deficiency: blue,
# orange and vermillion first (agree, partly, disagree), then the rest. Each share is
# also labelled in words under its question, so no answer rests on colour alone.
COLORS = ["#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#F0E442"]
BARS = "#0072B2"
# Labels on a bar: dark on the light colours, white on the dark ones.
LIGHT_COLORS = {"#E69F00", "#56B4E9", "#F0E442"}
WIDTH = 1280  # Telegram's photo size, so nothing is scaled down
MARGIN = 36
INK, MUTED, GRID = "#212121", "#5f6368", "#e0e0e0"
# Type sizes in pixels: 16, 13, 12 and 11 pt at 160 dpi.
HEADING, SUBHEADING, LABEL, SMALL = 36, 29, 27, 24
FONTS = Path(__file__).with_name("fonts")
# Telegram refuses a photo whose width and height add up to more than 10000 px; the
# lessons stop where the legend and notes (room for five legend rows) still fit.
MAX_HEIGHT = 10_000 - WIDTH
LESSONS_END = MAX_HEIGHT - 360
LINE_SPACING = 1.25  # a line's height, in type sizes
BAR_HEIGHT, BAR_GAP = 52, 32  # a lesson's bar, and the space below it

Operation = Callable[[ImageDraw.ImageDraw, Image.Image], None]


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Basic layout, not raqm: the same pixels on every machine; python-bidi orders
    right-to-left text before it gets here."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(FONTS / name, size, layout_engine=ImageFont.Layout.BASIC)


def _drawable(text: str) -> str:
    """One line's worth of words, without emoji (the font has none: they would be boxes)."""
    clean = "".join(ch for ch in text if ord(ch) <= 0xFFFF and unicodedata.category(ch) != "So")
    return " ".join(clean.split())


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, lines: int) -> list[str]:
    """Word-wrapped to ``width`` pixels, at most ``lines`` lines (the last ending in "…"
    when cut), each in display order (right-to-left text reversed for drawing)."""
    wrapped: list[str] = []
    for word in _drawable(text).split(" "):
        candidate = f"{wrapped[-1]} {word}" if wrapped else word
        if wrapped and face.getlength(candidate) <= width:
            wrapped[-1] = candidate
            continue
        while face.getlength(word) > width:  # a word longer than the line is cut
            cut = max(1, int(len(word) * width / face.getlength(word)))
            while cut > 1 and face.getlength(word[:cut]) > width:
                cut -= 1
            wrapped.append(word[:cut])
            word = word[cut:]
        wrapped.append(word)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        last = wrapped[-1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1]
        wrapped[-1] = last.rstrip() + "…"
    return [get_display(line) for line in wrapped or [""]]


@dataclass
class Canvas:
    """A chart laid out top to bottom: its height is known only once everything is placed,
    so the drawing is recorded and replayed by :func:`png` onto an image of that height."""

    height: int = 0
    texts: list[str] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        face: ImageFont.FreeTypeFont,
        *,
        fill: str = INK,
        anchor: str = "la",
    ) -> None:
        self.texts.append(text)
        self.operations.append(
            lambda draw, _image: draw.text(xy, text, font=face, fill=fill, anchor=anchor)
        )

    def lines(
        self,
        x: float,
        y: float,
        lines: list[str],
        face: ImageFont.FreeTypeFont,
        *,
        fill: str = INK,
        spacing: float = LINE_SPACING,
    ) -> float:
        """Lines from (x, y) down; returns the y below the last."""
        step = face.size * spacing
        for line in lines:
            self.text((x, y), line, face, fill=fill)
            y += step
        return y

    def rectangle(self, box: tuple[float, float, float, float], fill: str) -> None:
        self.operations.append(lambda draw, _image: draw.rectangle(box, fill=fill))

    def smooth(
        self, box: tuple[int, int, int, int], paint: Callable[[ImageDraw.ImageDraw], None]
    ) -> None:
        """Slanted lines and dots for ``box``, drawn at twice the size and halved (Pillow
        draws lines without anti-aliasing); ``paint`` draws in the box's own coordinates,
        doubled."""

        def operation(_draw: ImageDraw.ImageDraw, image: Image.Image) -> None:
            left, top, right, bottom = box
            layer = Image.new("RGBA", ((right - left) * 2, (bottom - top) * 2), (0, 0, 0, 0))
            paint(ImageDraw.Draw(layer))
            halved = layer.reduce(2)
            image.paste(halved, (left, top), halved)

        self.operations.append(operation)

    def heading(self, channel: str, dates: str, subject: str) -> None:
        width = WIDTH - 2 * MARGIN
        y = self.lines(
            MARGIN,
            28,
            wrap(f"{channel} · {dates}", font(HEADING, True), width, 2),
            font(HEADING, True),
        )
        self.height = int(
            self.lines(
                MARGIN,
                y + 4,
                wrap(subject, font(SUBHEADING), width, 2),
                font(SUBHEADING),
                fill=MUTED,
            )
        )

    def legend(
        self, entries: list[tuple[str, str]], swatch: Callable[[float, float, str], None]
    ) -> None:
        """Entries side by side while they fit, then on the next row."""
        face, x, y = font(LABEL), float(MARGIN), self.height + 24
        for label, color in entries:
            width = 48 + face.getlength(label)
            if x > MARGIN and x + width > WIDTH - MARGIN:
                x, y = MARGIN, y + 44
            swatch(x, y + face.size / 2, color)
            self.text((x + 40, y), label, face)
            x += width + 40
        self.height = int(y + 44)


def lesson_figure(
    lessons: list[LessonResult], channel: str, dates: str, _: Translator
) -> Canvas | None:
    """A bar of each voted lesson's shares across the width; None when no lesson has a vote."""
    shown = [lesson for lesson in lessons if lesson.total > 0]
    if not shown:
        return None
    canvas = Canvas()
    canvas.heading(channel, dates, _("How readers voted on the lessons"))
    left, right = MARGIN, WIDTH - MARGIN
    y: float = canvas.height + 20
    drawn = 0
    for lesson in shown:
        question = _("Lesson {number}: «{question}»").format(
            number=lesson.number, question=lesson.question
        )
        question_lines = wrap(question, font(LABEL), right - left, 3)
        # The question, its votes line (counted at the question's size, a little to
        # spare), the bar and its gap, as drawn below.
        block = (len(question_lines) + 1) * LABEL * LINE_SPACING + 4 + BAR_HEIGHT + BAR_GAP
        if y + block > LESSONS_END:
            break  # the rest would make the image too tall to send
        drawn += 1
        y = canvas.lines(left, y, question_lines, font(LABEL))
        votes = " · ".join(
            f"{option} {share}%"
            for option, share in zip(lesson.options, lesson.percentages(), strict=False)
        )
        votes += " — " + counted("{count} vote", "{count} votes", lesson.total, _)
        y = (
            canvas.lines(
                left, y, wrap(votes, font(SMALL), right - left, 1), font(SMALL), fill=MUTED
            )
            + 4
        )
        shares = lesson.percentages()
        start = 0
        for index, share in enumerate(shares):
            end = start + share  # edges from running totals: no gap, no overlap
            x0 = left + (right - left) * start / 100
            x1 = left + (right - left) * end / 100
            start = end
            if share == 0:
                continue
            color = COLORS[index % len(COLORS)]
            canvas.rectangle((x0, y, x1 - 1, y + BAR_HEIGHT), color)
            label = f"{share}%"
            if share >= 9 and font(LABEL, True).getlength(label) < x1 - x0 - 8:
                canvas.text(
                    ((x0 + x1) / 2, y + BAR_HEIGHT / 2),
                    label,
                    font(LABEL, True),
                    fill=INK if color in LIGHT_COLORS else "white",
                    anchor="mm",
                )
        y += BAR_HEIGHT + BAR_GAP
    canvas.height = int(y - 16)
    options = shown[0].options

    def square(x: float, middle: float, color: str) -> None:
        canvas.rectangle((x, middle - 12, x + 24, middle + 12), color)

    canvas.legend(
        [
            (wrap(option, font(LABEL), 480, 1)[0], COLORS[i % len(COLORS)])
            for i, option in enumerate(options)
        ],
        square,
    )
    notes = []
    if len(shown) > drawn:
        notes.append(
            counted(
                "No room for {count} more lesson with votes",
                "No room for {count} more lessons with votes",
                len(shown) - drawn,
                _,
            )
        )
    left_out = len(lessons) - len(shown)
    if left_out:
        notes.append(
            counted(
                "Not shown: {count} lesson without votes",
                "Not shown: {count} lessons without votes",
                left_out,
                _,
            )
        )
    canvas.height = int(canvas.lines(left, canvas.height, notes, font(SMALL), fill=MUTED)) + 28
    return canvas


def nice_step(top: int, most_ticks: int = 6) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that marks 0 to ``top`` in at most ``most_ticks``
    steps: whole comments, round numbers."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if math.ceil(top / step) <= most_ticks:
                return step
        magnitude *= 10


def activity_figure(
    days: list[date],
    activity: list[tuple[str, list[int]]],
    channel: str,
    dates: str,
    _: Translator,
    language: str,
) -> Canvas | None:
    """Comments per day as bars, each with its count above it: one colour, nothing read
    from colour. None when quiet or when there is a single day to show (one bar says
    nothing the caption does not)."""
    from babel.dates import format_date

    totals = [sum(counts[index] for _title, counts in activity) for index in range(len(days))]
    if len(days) < 2 or not any(totals):
        return None
    canvas = Canvas()
    canvas.heading(channel, dates, _("Comments per day"))
    most = max(totals)
    step = nice_step(most)
    ticks = list(range(0, step * math.ceil(most / step) + 1, step))
    small = font(SMALL)
    top = canvas.height + 16 + SMALL + 16  # room for the tallest bar's count
    bottom = top + 420
    left = int(MARGIN + max(small.getlength(str(tick)) for tick in ticks) + 16)
    right = WIDTH - MARGIN
    for tick in ticks:
        y = bottom - (bottom - top) * tick / ticks[-1]
        canvas.rectangle((left, y, right, y + 1), GRID)
        canvas.text((left - 12, y), str(tick), small, fill=MUTED, anchor="rm")
    slot = (right - left) / len(days)
    bar = slot * 0.6
    labels = [format_date(day, "EEE d", locale=language) for day in days]
    widest = max(small.getlength(label) for label in labels)
    every = math.ceil((widest + 16) / slot)  # every n-th day when all would not fit
    for index, (total, label) in enumerate(zip(totals, labels, strict=True)):
        middle = left + slot * (index + 0.5)
        height = (bottom - top) * total / ticks[-1]
        if total:
            canvas.rectangle((middle - bar / 2, bottom - height, middle + bar / 2, bottom), BARS)
        canvas.text((middle, bottom - height - 8), str(total), font(SMALL, True), anchor="md")
        if index % every == 0:
            canvas.text((middle, bottom + 16), label, small, fill=MUTED, anchor="ma")
    canvas.rectangle((left, bottom, right, bottom + 2), MUTED)
    canvas.height = bottom + 16 + SMALL + 36
    return canvas


def stacked(*canvases: Canvas | None) -> Canvas | None:
    """Charts one under the other, as one photo; None when there is none."""
    shown = [canvas for canvas in canvases if canvas is not None]
    if len(shown) < 2:
        return shown[0] if shown else None
    whole = Canvas()
    for canvas in shown:
        offset = whole.height
        whole.texts += canvas.texts
        whole.operations.append(_shifted(canvas, offset))
        whole.height += canvas.height
    return whole


def _shifted(canvas: Canvas, offset: int) -> Operation:
    def operation(_draw: ImageDraw.ImageDraw, image: Image.Image) -> None:
        part = Image.new("RGB", (WIDTH, canvas.height), "white")
        draw = ImageDraw.Draw(part)
        for step in canvas.operations:
            step(draw, part)
        image.paste(part, (0, offset))

    return operation


def png(canvas: Canvas | None) -> bytes | None:
    """The chart as PNG at its own size (1280 px wide, as tall as its content)."""
    if canvas is None:
        return None
    image = Image.new("RGB", (WIDTH, canvas.height), "white")
    draw = ImageDraw.Draw(image)
    for operation in canvas.operations:
        operation(draw, image)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
