"""The one rule that decides how every public figure about people is shown.

Every public output — profile, comparison, CSV exports, search cards, headline
figures, and the statistics, open data and API built on them — asks this module
how to show a count of people, and never prints a raw count itself. A figure is
shown in one of four ways (`Status`):

- **exact**: the number itself;
- **banded**: "fewer than 10" — any count of people below `THRESHOLD`, 0 included;
- **withheld**: a count of 10 or more that is not shown because, together with
  the other published figures, it would let someone work out a banded one
  (secondary suppression);
- **missing**: the provider did not report it.

Secondary suppression. Some published figures add up: a provider's delivery
centres share out its workforce and its latest report's total employees, the
centres' impact workers add up to the report's impact workers, and the counts
per target group may add up to them too. Whenever such a sum holds exactly in
the data (an unreported part counts as 0, as a reader might assume), this module
plays the reader who knows the rule: exact parts are known, a banded part lies
between 0 and 9, a withheld part is at least 10 and at least every exact part
left beside it (we always withhold the largest one). If that still pins a banded
part down to a single value, the largest exact part is withheld too (all parts
tied for largest, so the outcome never depends on the order of the parts), and
so on.
When every part is hidden and the total still pins one down (say two centres of
9 beside a total of 18), every part of that sum is shown as withheld, so a reader
can no longer tell which of them is small. Totals themselves are never hidden by
this, so a sum over published totals (the home page, statistics) only has to
leave out the totals that are banded.

Shares follow the count they are made of: an impact-worker share is shown only
when the number of impact workers is exact; otherwise a reader could multiply
it back out of the published total. Rates that are not shares of a group of
people (minimum-wage multiple, training hours, tenure, turnover, placement) are
shown as reported.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from impactdir import l10n

#: Counts of people below this are shown banded, never exactly.
THRESHOLD = 10


class Status(enum.StrEnum):
    EXACT = "exact"
    BANDED = "banded"
    WITHHELD = "withheld"
    MISSING = "missing"


@dataclass(frozen=True)
class Shown:
    """A figure as the public may see it; `value` is set only when it is exact."""

    status: Status
    value: int | Decimal | None = None

    @property
    def is_exact(self) -> bool:
        return self.status is Status.EXACT

    @property
    def is_missing(self) -> bool:
        return self.status is Status.MISSING

    def __str__(self) -> str:
        """The figure in words for a page, in the active language."""
        if self.status is Status.EXACT:
            if isinstance(self.value, Decimal):
                return l10n.decimal(self.value)
            return l10n.number(self.value)
        if self.status is Status.BANDED:
            return _("fewer than %(threshold)s") % {"threshold": THRESHOLD}
        if self.status is Status.WITHHELD:
            return _("withheld")
        return ""

    @property
    def machine(self) -> str:
        """The figure for a CSV cell: the number, `<10`, `withheld`, or empty."""
        if self.status is Status.EXACT:
            return (
                _plain_decimal(self.value) if isinstance(self.value, Decimal) else str(self.value)
            )
        if self.status is Status.BANDED:
            return f"<{THRESHOLD}"
        if self.status is Status.WITHHELD:
            return "withheld"
        return ""


MISSING = Shown(Status.MISSING)
BANDED = Shown(Status.BANDED)
WITHHELD = Shown(Status.WITHHELD)


def _plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value: int | None) -> Shown:
    """A count of people on its own (no sum it takes part in): exact, banded or missing."""
    if value is None:
        return MISSING
    if value < THRESHOLD:
        return BANDED
    return Shown(Status.EXACT, int(value))


def rate(value: Decimal | int | float | None) -> Shown:
    """A rate or multiple that is not a share of a group of people: shown as reported."""
    if value is None:
        return MISSING
    return Shown(Status.EXACT, value)


def share(part: Shown, total: int | None, value: int | None) -> Shown:
    """A whole-percent share of `total`, shown only when the count it is made of is exact."""
    if value is None or not total:
        return MISSING
    if not part.is_exact:
        return WITHHELD
    return Shown(Status.EXACT, int(value))


def percent_of(part: int, total: int) -> int:
    """`part` as a whole percent of `total`, halves rounded up (in integers)."""
    return (200 * part + total) // (2 * total)


def is_public_count(value: int | None) -> bool:
    """Whether a count that no sum hides (a total) may be shown exactly: for SQL filters."""
    return value is not None and value >= THRESHOLD


# --------------------------------------------------------------------------
# Secondary suppression over figures that add up
# --------------------------------------------------------------------------


@dataclass
class _Cell:
    value: int | None
    status: Status


@dataclass(frozen=True)
class _Sum:
    total: str
    parts: tuple[str, ...]


def _bounds(cell: _Cell, slack: int, floor: int) -> tuple[int, int]:
    """What a reader who knows the rule can tell about a hidden part of a sum."""
    if cell.status is Status.BANDED:
        return 0, THRESHOLD - 1
    return floor, slack


def _pinned(cells: dict[str, _Cell], relation: _Sum) -> bool:
    """Whether the published figures of `relation` pin some banded part to one value."""
    total = cells[relation.total].value
    parts = [cells[key] for key in relation.parts]
    exact = [cell.value or 0 for cell in parts if cell.status in (Status.EXACT, Status.MISSING)]
    hidden = [cell for cell in parts if cell.status in (Status.BANDED, Status.WITHHELD)]
    slack = total - sum(exact)
    # We withhold the largest exact part first, so a withheld part is at least as
    # large as every exact part still shown beside it.
    floor = max([THRESHOLD, *exact])
    bounds = [_bounds(cell, slack, floor) for cell in hidden]
    low_sum = sum(low for low, _high in bounds)
    high_sum = sum(high for _low, high in bounds)
    for cell, (low, high) in zip(hidden, bounds, strict=True):
        if cell.status is not Status.BANDED:
            continue
        # The other hidden parts take up between (low_sum - low) and (high_sum - high).
        can_be_low = max(low, slack - (high_sum - high))
        can_be_high = min(high, slack - (low_sum - low))
        if can_be_low >= can_be_high:
            return True
    return False


def _suppress(cells: dict[str, _Cell], relations: Iterable[_Sum]) -> None:
    """Withhold parts until no sum that holds pins a banded part down (in place)."""
    live = []
    for relation in relations:
        total = cells[relation.total]
        if total.status is not Status.EXACT or not relation.parts:
            continue
        if sum(cells[key].value or 0 for key in relation.parts) != total.value:
            continue  # the parts do not add up to the total: subtracting gives nothing true
        live.append(relation)
    changed = True
    while changed:
        changed = False
        for relation in live:
            if not _pinned(cells, relation):
                continue
            exact = [
                key
                for key in relation.parts
                if cells[key].status is Status.EXACT and cells[key].value
            ]
            if exact:
                # Every part tied for largest goes together: the outcome then depends only
                # on the values, never on the order an output lists the parts in, so two
                # outputs can never hide different ones of two equal centres.
                largest = max(cells[key].value for key in exact)
                for key in exact:
                    if cells[key].value == largest:
                        cells[key].status = Status.WITHHELD
            else:
                # Nothing left to withhold: show every hidden part alike, so that
                # none of them can be told to be the small one.
                for key in relation.parts:
                    if cells[key].status is Status.BANDED:
                        cells[key].status = Status.WITHHELD
            changed = True


def _shown(cell: _Cell) -> Shown:
    if cell.status is Status.EXACT:
        return Shown(Status.EXACT, cell.value)
    return {Status.BANDED: BANDED, Status.WITHHELD: WITHHELD}.get(cell.status, MISSING)


# --------------------------------------------------------------------------
# A listing's figures
# --------------------------------------------------------------------------

#: Counts of people in an impact report (the rest of its figures are rates).
REPORT_COUNT_FIELDS = (
    "total_employees",
    "impact_workers",
    "employees_with_disabilities",
    "employees_low_income_areas",
    "women_employees",
    "living_wage_employees",
)


@dataclass(frozen=True)
class CentreFigures:
    """How one delivery centre's counts may be shown."""

    headcount: Shown
    impact_workers: Shown


@dataclass
class ListingFigures:
    """How every count of one listing may be shown, decided together."""

    workforce: Shown
    #: Report field name → Shown, for every count field of the latest report.
    report: dict[str, Shown] = field(default_factory=dict)
    impact_share: Shown = MISSING
    #: Target-group key → Shown, for the latest report's group counts.
    groups: dict[object, Shown] = field(default_factory=dict)
    #: In the order the centres were given.
    centres: list[CentreFigures] = field(default_factory=list)

    def report_figure(self, name: str, value) -> Shown:
        """How the latest report's figure `name` (with raw `value`) may be shown."""
        if name in self.report:
            return self.report[name]
        return rate(value)


def listing_figures(
    *,
    workforce: int | None,
    report: dict[str, int | None] | None = None,
    groups: dict[object, int | None] | None = None,
    centres: Sequence[tuple[int | None, int | None]] = (),
) -> ListingFigures:
    """Decide how one listing's counts of people may be shown, all at once.

    `report` maps the latest report's count fields (`REPORT_COUNT_FIELDS`) to
    their values, `groups` a target-group key to its count in that report, and
    `centres` gives each delivery centre's (headcount, impact workers). Every
    output that shows any of these must take them from here, so that what one
    output hides no other output gives away.
    """
    report = report or {}
    groups = groups or {}
    cells: dict[str, _Cell] = {}

    def add(key: str, value: int | None) -> str:
        shown = count(value)
        cells[key] = _Cell(value, shown.status)
        return key

    add("workforce", workforce)
    for name in REPORT_COUNT_FIELDS:
        add(f"report:{name}", report.get(name))
    group_keys = {
        key: add(f"group:{index}", value) for index, (key, value) in enumerate(groups.items())
    }
    headcounts = [add(f"centre:{i}:headcount", c[0]) for i, c in enumerate(centres)]
    centre_workers = [add(f"centre:{i}:impact_workers", c[1]) for i, c in enumerate(centres)]

    relations = [
        _Sum("workforce", tuple(headcounts)),
        _Sum("report:total_employees", tuple(headcounts)),
        _Sum("report:impact_workers", tuple(centre_workers)),
        _Sum("report:impact_workers", tuple(group_keys.values())),
    ]
    if report:
        _suppress(cells, relations)
    else:
        _suppress(cells, relations[:1])

    shown_report = {name: _shown(cells[f"report:{name}"]) for name in REPORT_COUNT_FIELDS}
    total, workers = report.get("total_employees"), report.get("impact_workers")
    return ListingFigures(
        workforce=_shown(cells["workforce"]),
        report=shown_report if report else {},
        impact_share=(
            share(shown_report["impact_workers"], total, percent_of(workers, total))
            if report and total and workers is not None
            else MISSING
        ),
        groups={key: _shown(cells[cell]) for key, cell in group_keys.items()},
        centres=[
            CentreFigures(_shown(cells[h]), _shown(cells[w]))
            for h, w in zip(headcounts, centre_workers, strict=True)
        ],
    )


def sum_exact(figures: Iterable[Shown]) -> int:
    """An aggregate of published counts: the sum of the exact ones only.

    Hidden counts are left out rather than added in, so an aggregate never lets a
    reader subtract the published figures from it and find a hidden one. Every
    exact count is at least `THRESHOLD`, so the sum is 0 or not small.
    """
    return sum(figure.value for figure in figures if figure.is_exact)
