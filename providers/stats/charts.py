"""Chart geometry: plain numbers in, shapes for the SVG templates out.

Each chart kind has one template in templates/includes/charts/ that draws what
these classes compute (coordinates, labels, classes), so templates hold no
arithmetic and every chart is SVG the server renders: readable without
JavaScript and under the strict CSP (colours come from classes in
static/css/stats.css; the fill/stroke attributes are only the fallback). Every
chart carries the `DataTable` it is drawn from; the page shows that table
beside the chart and serves it as CSV, so the picture is never the only way to
read a number.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import get_format
from django.utils.translation import get_language

from . import tilegrid

# --------------------------------------------------------------------------
# The data behind every chart
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header: stable, machine-friendly
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    text: str  # as the page shows it
    machine: str  # as the CSV holds it
    href: str = ""

    @classmethod
    def plain(cls, value, href: str = "") -> Cell:
        text = "" if value is None else str(value)
        return cls(text, text, href)

    @classmethod
    def number(cls, value: int, href: str = "") -> Cell:
        return cls(grouped(value), str(value), href)


def grouped(value: int) -> str:
    """An integer with the active language's thousand separator (fast: pages show hundreds)."""
    return f"{value:,}".replace(",", _separators_of(get_language())[0])


@functools.lru_cache(maxsize=16)
def _separators_of(language) -> tuple[str, str]:
    """(thousand separator, decimal point) of `language` (the active one when called)."""
    return str(get_format("THOUSAND_SEPARATOR")), str(get_format("DECIMAL_SEPARATOR"))


@dataclass
class DataTable:
    caption: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def paired_rows(self) -> list[list[tuple[Column, Cell]]]:
        """Each row's cells with their columns, for templates."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]

    def csv_rows(self):
        yield [column.key for column in self.columns]
        for row in self.rows:
            yield [cell.machine for cell in row]


@dataclass
class TableOnly:
    """A table shown (and served as CSV) on its own, e.g. beside small multiples."""

    table: DataTable
    csv_url: str = ""
    kind: str = "table"


def decimal_text(value: Decimal, places: int = 1) -> str:
    """A decimal for the page: rounded half up to `places`, without trailing zeros."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    thousands, point = _separators_of(get_language())
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def decimal_machine(value: Decimal) -> str:
    """A decimal for a CSV cell: exact, without trailing zeros."""
    return format(value.normalize(), "f")


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


# --------------------------------------------------------------------------
# Horizontal bars: one labelled bar per row, the label above its bar
# --------------------------------------------------------------------------

BAR_WIDTH = 400  # viewBox width: drawn at about this size on a phone, so text stays legible
BAR_ROW = 38
BAR_HEIGHT = 14
BAR_VALUE_ROOM = 112


@dataclass(frozen=True)
class BarShape:
    label: str
    value_text: str
    y_label: float
    y_bar: float
    width: float
    x_value: float
    y_value: float
    hatched: bool = False  # drawn with a pattern too: e.g. the provider being looked at


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    table: DataTable
    bars: list[BarShape]
    csv_url: str = ""
    width: int = BAR_WIDTH
    kind: str = "bar"
    #: whether the values differ (the comparison's "only differences" view hides charts that do not)
    differs: bool = True

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * BAR_ROW + 6

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def bar_chart(
    *,
    id: str,
    title: str,
    desc: str,
    table: DataTable,
    items: list[tuple[str, float, str]],
    csv_url: str = "",
    hatched: frozenset = frozenset(),
) -> BarChart:
    """Bars for `items` of (label, value, value text); zero draws no bar, only its text."""
    top = max((value for _label, value, _text in items), default=0) or 1
    room = BAR_WIDTH - BAR_VALUE_ROOM
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = i * BAR_ROW
        width = round(room * value / top, 1) if value > 0 else 0
        bars.append(
            BarShape(
                label=label,
                value_text=text,
                y_label=y + 14,
                y_bar=y + 20,
                width=width,
                x_value=width + 6,
                y_value=y + 20 + BAR_HEIGHT - 3,
                hatched=i in hatched,
            )
        )
    return BarChart(id=id, title=title, desc=desc, table=table, bars=bars, csv_url=csv_url)


# --------------------------------------------------------------------------
# Trends: values over reporting years (or periods), one or two series
# --------------------------------------------------------------------------

TREND_WIDTH = 400
TREND_HEIGHT = 210
TREND_LEFT = 48
TREND_RIGHT = 16
TREND_TOP = 22
TREND_BOTTOM = 30


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str
    y_text: float

    @property
    def left(self) -> float:
        return round(self.x - 4, 1)

    @property
    def top(self) -> float:
        return round(self.y - 4, 1)


@dataclass
class Series:
    name: str
    css: str  # a modifier class: solid or dashed line, round or square markers
    points: list[Point]
    segments: list[str]  # polyline "x,y x,y" strings; a gap where a value is missing
    square: bool = False
    label_x: float = 0
    label_y: float = 0


@dataclass(frozen=True)
class Tick:
    x: float = 0
    y: float = 0
    text: str = ""


@dataclass
class TrendChart:
    id: str
    title: str
    desc: str
    table: DataTable
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    csv_url: str = ""
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT
    kind: str = "trend"

    @property
    def plot_left(self) -> int:
        return TREND_LEFT

    @property
    def plot_right(self) -> int:
        return self.width - TREND_RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - TREND_BOTTOM


def trend_chart(
    *,
    id: str,
    title: str,
    desc: str,
    table: DataTable,
    x_labels: list[str],
    series: list[tuple[str, str, list[tuple[float | None, str]]]],
    csv_url: str = "",
) -> TrendChart:
    """A line chart over `x_labels`; each series is (name, css modifier, [(value, text)]).

    A value of None leaves a gap in its line. Every point carries its value as text,
    so the chart reads without the axis.
    """
    values = [v for _n, _c, points in series for v, _t in points if v is not None]
    top = _nice_max(max(values, default=1))
    left, right = TREND_LEFT, TREND_WIDTH - TREND_RIGHT
    bottom, plot_top = TREND_HEIGHT - TREND_BOTTOM, TREND_TOP
    count = len(x_labels)

    def x_at(i):
        if count == 1:
            return (left + right) / 2
        return left + 26 + (right - left - 44) * i / (count - 1)

    def y_at(value):
        return bottom - (bottom - plot_top) * value / top

    drawn = []
    for n, (name, css, points) in enumerate(series):
        shapes, segments, current = [], [], []
        for i, (value, text) in enumerate(points):
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            x, y = round(x_at(i), 1), round(y_at(value), 1)
            # Labels of a second series sit below its points, so two lines do not collide.
            y_text = y - 8 if n == 0 else y + 16
            shapes.append(Point(x=x, y=y, text=text, y_text=round(y_text, 1)))
            current.append(f"{x},{y}")
        if current:
            segments.append(" ".join(current))
        last = shapes[-1] if shapes else None
        drawn.append(
            Series(
                name=name,
                css=css,
                points=shapes,
                segments=[s for s in segments if " " in s],
                square=n == 1,
                label_x=last.x if last else 0,
                label_y=last.y if last else 0,
            )
        )
    y_ticks = [
        Tick(x=left - 6, y=round(y_at(top * i / 4), 1), text=_tick_text(top * i / 4))
        for i in range(5)
    ]
    x_ticks = [
        Tick(x=round(x_at(i), 1), y=bottom + 18, text=label) for i, label in enumerate(x_labels)
    ]
    return TrendChart(
        id=id,
        title=title,
        desc=desc,
        table=table,
        series=drawn,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        csv_url=csv_url,
    )


def _tick_text(value: float) -> str:
    if value == int(value):
        return grouped(int(value))
    return decimal_text(Decimal(str(value)), 1)


# --------------------------------------------------------------------------
# A tile-grid map of countries
# --------------------------------------------------------------------------

TILE = 18
TILE_STEP = 20


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    x: int
    y: int
    level: int  # 0: none; 1..4: the bucket of its value
    text: str  # "Kenya: 120 providers"

    @property
    def cx(self) -> float:
        return self.x + TILE / 2

    @property
    def cy(self) -> float:
        return self.y + TILE / 2 + 3.5


@dataclass(frozen=True)
class LegendItem:
    level: int
    text: str


@dataclass
class TileMap:
    id: str
    title: str
    desc: str
    table: DataTable
    tiles: list[Tile]
    legend: list[LegendItem]
    off_map: list[str]  # names of countries with a value but no tile
    csv_url: str = ""
    kind: str = "map"
    show_codes: bool = True

    @property
    def width(self) -> int:
        return tilegrid.size()[0] * TILE_STEP

    @property
    def height(self) -> int:
        return tilegrid.size()[1] * TILE_STEP

    @property
    def tile(self) -> int:
        return TILE


def _bucket_bounds(values: list[int]) -> list[int]:
    """Lower bounds of up to four classes over positive values (roughly by quartile)."""
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return []
    bounds = [1]
    for fraction in (0.5, 0.75, 0.9):
        bound = ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
        if bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def tile_map(
    *,
    id: str,
    title: str,
    desc: str,
    table: DataTable,
    values: dict[str, int],
    names: dict[str, str],
    tile_text,
    range_text,
    csv_url: str = "",
    show_codes: bool = True,
) -> TileMap:
    """Tiles for every country of the grid, shaded by the class of its value in `values`.

    `tile_text(name, value)` gives a tile's tooltip and `range_text(low, high)` a
    legend entry (`high` is None for the last, open class).
    """
    bounds = _bucket_bounds(list(values.values()))
    positions = tilegrid.positions()

    def level(value):
        return sum(1 for bound in bounds if value >= bound)

    tiles = []
    for code, (column, row) in sorted(positions.items()):
        value = values.get(code, 0)
        name = names.get(code, code)
        tiles.append(
            Tile(
                code=code,
                name=name,
                x=column * TILE_STEP + 1,
                y=row * TILE_STEP + 1,
                level=level(value),
                text=tile_text(name, value),
            )
        )
    legend = [
        LegendItem(i + 1, range_text(low, bounds[i + 1] - 1 if i + 1 < len(bounds) else None))
        for i, low in enumerate(bounds)
    ]
    off_map = sorted(
        names.get(code, code) for code, v in values.items() if v and code not in positions
    )
    return TileMap(
        id=id,
        title=title,
        desc=desc,
        table=table,
        tiles=tiles,
        legend=legend,
        off_map=off_map,
        csv_url=csv_url,
        show_codes=show_codes,
    )
