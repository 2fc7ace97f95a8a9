"""The report's pictures as geometry: each unit's four counts as one stacked bar, and the plan's
year month by month (completed on time, late, still open, overdue). The web templates draw these
as inline SVG; the numbers are always printed beside them.

Why no charting library: two charts of rectangles and one line do not need one. pygal styles its
SVG with CSS and loads its tooltips from a CDN (an office network may not reach it; librsvg and
mail clients draw CSS-styled SVG black, as pygal's own documentation warns); matplotlib brings
numpy and tens of megabytes to a service that installs on a commune's small machine. Geometry in
Python is tested like any other code; the templates only draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from notifier.clock import vietnam_time
from notifier.plans.periods import parse_period
from notifier.reports.periodic import IN_PROGRESS, LATE, ON_TIME, OVERDUE, History, PeriodReport, judge
from notifier.text import labels

STACKED = (ON_TIME, LATE, IN_PROGRESS, OVERDUE)
# The unit's name sits above its bar, so a phone's narrow screen keeps the text large enough to read.
BAR_WIDTH, ROW_HEIGHT = 540, 50
PLOT_HEIGHT, COLUMN_STEP = 160, 48


@dataclass(frozen=True)
class Segment:
    label: str
    colour: str
    value: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float
    segments: list[Segment]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # label, colour


def _colour(bucket: str) -> str:
    return labels.TASK_CATEGORY[bucket][1]


def unit_bars(rows: Sequence[tuple[str, Mapping[str, int]]], buckets: Sequence[str] = STACKED) -> BarChart:
    """One row per unit, in the order given; widths on one scale so units compare."""
    widest = max((sum(counts[b] for b in buckets) for _, counts in rows), default=0) or 1
    bars = []
    for row, (unit, counts) in enumerate(rows):
        x, segments = 0.0, []
        for bucket in buckets:
            width = BAR_WIDTH * counts[bucket] / widest
            if counts[bucket]:
                segments.append(Segment(labels.TASK_CATEGORY[bucket][0], _colour(bucket), counts[bucket], x, width))
            x += width
        bars.append(Bar(unit, sum(counts[b] for b in buckets), row * ROW_HEIGHT + 26, segments))
    legend = [(labels.TASK_CATEGORY[b][0], _colour(b)) for b in buckets]
    return BarChart(BAR_WIDTH + 60, len(bars) * ROW_HEIGHT + 10, bars, legend)


def report_bars(report: PeriodReport) -> BarChart:
    """The report's units, in its ranking (most overdue first), by the four official counts."""
    return unit_bars([(u.unit, {b: getattr(u, b) for b in STACKED}) for u in report.units])


@dataclass(frozen=True)
class Month:
    """One month of the plan's year: completions within it, and what stood open at its end."""

    month: int
    on_time: int
    late: int
    open: int
    overdue: int


@dataclass(frozen=True)
class Column:
    month: int
    x: float
    segments: list[tuple[str, float, float]]  # colour, y, height
    overdue_y: float


@dataclass(frozen=True)
class YearChart:
    width: int
    height: int
    top: int  # the scale's largest value
    columns: list[Column]
    overdue_line: str  # SVG polyline points
    legend: list[tuple[str, str]]


def year_months(history: History, year: int, now: datetime) -> list[Month]:
    """Each month of ``year`` that has begun, from the same replay as the report (so they agree)."""
    months = []
    for month in range(1, 13):
        period = parse_period(f"{year}-{month:02d}")
        if period.start > vietnam_time(now).date():
            break
        t = judge(history, period, now).totals
        months.append(Month(month, t.done_on_time, t.done_late, t.in_progress + t.overdue, t.overdue))
    return months


def year_chart(months: list[Month]) -> YearChart:
    top = max((m.on_time + m.late + m.open for m in months), default=0) or 1
    scale = PLOT_HEIGHT / top
    columns, points = [], []
    for n, m in enumerate(months):
        x, base, segments = 40 + n * COLUMN_STEP, float(PLOT_HEIGHT + 10), []
        for bucket, value in ((ON_TIME, m.on_time), (LATE, m.late), (IN_PROGRESS, m.open)):
            base -= value * scale
            if value:
                segments.append((_colour(bucket), base, value * scale))
        overdue_y = PLOT_HEIGHT + 10 - m.overdue * scale
        columns.append(Column(m.month, x, segments, overdue_y))
        points.append(f"{x + 14:.1f},{overdue_y:.1f}")
    legend = [
        ("Hoàn thành đúng hạn trong tháng", _colour(ON_TIME)),
        ("Hoàn thành quá hạn trong tháng", _colour(LATE)),
        ("Còn mở cuối tháng", _colour(IN_PROGRESS)),
        ("Quá hạn cuối tháng", _colour(OVERDUE)),
    ]
    return YearChart(40 + 12 * COLUMN_STEP, PLOT_HEIGHT + 40, top, columns, " ".join(points), legend)
