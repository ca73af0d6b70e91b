"""The figures of /stats/, each drawn as a chart with its data as a table.

Each builder takes the statistics data (data.py), the chosen providers (`bits`, and
`keep` as a boolean array over the data's rows) and its CSV link, and returns what
charts.py draws. selectors.py chooses the providers and puts the figures together.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_countries import countries as country_names

from buyers.search.bits import bits_to_bool
from buyers.search.facets import FILTERS_BY_PARAM, in_page_order
from providers import disclosure
from providers.collation import sort_key
from providers.models import Provenance, SizeBand
from providers.models.taxonomy import translated

from . import charts
from .charts import Cell, Column, DataTable
from .data import EXACT, HIDDEN, PROVENANCES

SEARCH_URL = "/providers/"  # reverse("search"), checked by a test

# --------------------------------------------------------------------------
# Aggregates of people
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleSum:
    """A sum of published counts of people, and how many counts it leaves out."""

    total: int
    counted: int  # counts added (each shown exactly)
    left_out: int  # counts shown banded or withheld, not added

    @property
    def shown(self) -> disclosure.Shown:
        # The sum of exact counts is 0 or at least the threshold; it still goes through
        # the rule like every count of people.
        return disclosure.count(self.total) if self.counted else disclosure.MISSING

    def cell(self) -> Cell:
        shown = self.shown
        return Cell(str(shown) if not shown.is_missing else "–", shown.machine)

    def left_out_cell(self) -> Cell:
        return Cell.number(self.left_out)


NO_PEOPLE = PeopleSum(0, 0, 0)


def people_sum(values: np.ndarray, states: np.ndarray, keep: np.ndarray) -> PeopleSum:
    """The published counts among `keep` (values hold 0 where a count is not exact)."""
    return PeopleSum(
        total=int(np.sum(values, where=keep)),
        counted=int(np.count_nonzero(keep & (states == EXACT))),
        left_out=int(np.count_nonzero(keep & (states == HIDDEN))),
    )


def _keyed_sums(rows, keep: np.ndarray, keys: int) -> list[PeopleSum]:
    """Per key, the sum of the exact counts of the kept rows (and how many were left out)."""
    kept = keep[rows.position] if len(rows.position) else np.zeros(0, dtype=bool)
    exact = kept & (rows.state == EXACT)
    hidden = kept & (rows.state == HIDDEN)
    totals = np.bincount(rows.key[exact], weights=rows.value[exact], minlength=keys)
    counted = np.bincount(rows.key[exact], minlength=keys)
    left = np.bincount(rows.key[hidden], minlength=keys)
    return [PeopleSum(int(totals[i]), int(counted[i]), int(left[i])) for i in range(keys)]


# --------------------------------------------------------------------------
# Where the work is delivered: countries (a map) and regions
# --------------------------------------------------------------------------


def where(data, bits, keep, csv):
    centre_sums = _keyed_sums(data.centres, keep, len(data.countries))
    by_country = dict(zip(data.countries, centre_sums, strict=True))
    providers_in = {
        code: (bits & country_bits).bit_count()
        for code, country_bits in data.bits["country"].items()
    }
    names = names_of(providers_in)
    rows = sorted(
        ((names[code], code) for code, n in providers_in.items() if n),
        key=lambda item: sort_key(item[0]),
    )
    table = DataTable(
        caption=_("Providers and impact workers by delivery country"),
        columns=[
            Column("country_code", _("Code")),
            Column("country", _("Country")),
            Column("providers", _("Providers"), numeric=True),
            Column("impact_workers_at_centres", _("Impact workers at its centres"), numeric=True),
            Column("centre_counts_left_out", _("Centre counts left out"), numeric=True),
        ],
    )
    for name, code in rows:
        people = by_country.get(code, NO_PEOPLE)
        table.rows.append(
            [
                Cell.plain(code),
                Cell.plain(name, href=f"{SEARCH_URL}?country={code}"),
                Cell.number(providers_in[code]),
                people.cell(),
                people.left_out_cell(),
            ]
        )
    busiest = sorted(rows, key=lambda item: -providers_in[item[1]])[:3]
    desc = (
        _(
            "Tile map of the world, one square per country, shaded by the number of "
            "providers delivering from it. Most providers: %(list)s."
        )
        % {"list": ", ".join(f"{name} ({providers_in[code]})" for name, code in busiest)}
        if busiest
        else _("Tile map of the world; no published provider delivers from any country yet.")
    )
    country_map = charts.tile_map(
        id="chart-countries",
        title=_("Where the work is delivered"),
        desc=desc,
        table=table,
        values={code: n for code, n in providers_in.items() if n},
        names=names,
        tile_text=_tile_text,
        range_text=_range_text,
        csv_url=csv["countries"],
    )

    # Regions: every region with providers; bars for the top-level ones.
    region_table = DataTable(
        caption=_("Providers and impact workers by region"),
        columns=[
            Column("region", _("Region")),
            Column("part_of", _("Part of")),
            Column("providers", _("Providers"), numeric=True),
            Column("impact_workers_at_centres", _("Impact workers at its centres"), numeric=True),
            Column("centre_counts_left_out", _("Centre counts left out"), numeric=True),
        ],
    )
    labels = {option.key: translated(option.label) for option in data.options["region"]}
    bars = []
    regions = in_page_order(
        FILTERS_BY_PARAM["region"], data.options["region"], label=lambda o: labels[o.key]
    )
    for option in regions:
        providers = (bits & data.bits["region"].get(option.key, 0)).bit_count()
        if not providers:
            continue
        parts = [
            by_country[c] for c in data.region_countries.get(option.key, ()) if c in by_country
        ]
        people = PeopleSum(
            total=sum(p.total for p in parts),
            counted=sum(p.counted for p in parts),
            left_out=sum(p.left_out for p in parts),
        )
        parent = data.region_parent.get(option.key)
        region_table.rows.append(
            [
                Cell.plain(translated(option.label), href=f"?{urlencode({'region': option.key})}"),
                Cell.plain(labels.get(parent, "") if parent else ""),
                Cell.number(providers),
                people.cell(),
                people.left_out_cell(),
            ]
        )
        if parent is None:
            bars.append((translated(option.label), providers, _providers_text(providers)))
    region_chart = charts.bar_chart(
        id="chart-regions",
        title=_("Providers by region"),
        desc=_bar_desc(
            _("Bar chart of published providers by the region they deliver from."), bars
        ),
        table=region_table,
        items=bars,
        csv_url=csv["regions"],
    )
    return table, country_map, region_chart


def _tile_text(name, value):
    return _tile_template_in(get_language(), value) % {"country": name, "n": value}


@functools.lru_cache(maxsize=512)
def _tile_template_in(language, value):
    if not value:
        return _("%(country)s: no providers")
    return ngettext("%(country)s: %(n)s provider", "%(country)s: %(n)s providers", value)


@functools.lru_cache(maxsize=8)
def country_names_in(language) -> dict:
    """ISO code -> country name in `language` (the active one when called)."""
    return {code: str(name) for code, name in country_names}


def names_of(codes) -> dict:
    names = country_names_in(get_language())
    return {code: names.get(code, code) for code in codes}


def _range_text(low, high):
    if high is None:
        return _("%(low)s or more providers") % {"low": low}
    if low == high:
        return ngettext("%(n)s provider", "%(n)s providers", low) % {"n": low}
    return _("%(low)s–%(high)s providers") % {"low": low, "high": high}


def _providers_text(n):
    return ngettext("%(n)s provider", "%(n)s providers", n) % {"n": f"{n:,}"}


def _bar_desc(kind: str, bars) -> str:
    """A chart description: what it shows and its largest and smallest bars."""
    drawn = [bar for bar in bars if bar[1] > 0]
    if not drawn:
        return kind + " " + _("There is nothing to draw for this selection.")
    largest = max(drawn, key=lambda bar: bar[1])
    smallest = min(drawn, key=lambda bar: bar[1])
    if largest is smallest:
        return kind + " " + _("%(label)s: %(value)s.") % {"label": largest[0], "value": largest[2]}
    return (
        kind
        + " "
        + _("Largest: %(large)s (%(large_value)s); smallest: %(small)s (%(small_value)s).")
        % {
            "large": largest[0],
            "large_value": largest[2],
            "small": smallest[0],
            "small_value": smallest[2],
        }
    )


# --------------------------------------------------------------------------
# Services, target groups, size, provenance, certifications
# --------------------------------------------------------------------------


def services(data, bits, keep, csv_url):
    table = DataTable(
        caption=_("Providers and impact workers by service"),
        columns=[
            Column("service", _("Service")),
            Column("category", _("Category")),
            Column("providers", _("Providers"), numeric=True),
            Column("impact_workers", _("Impact workers (latest reports)"), numeric=True),
            Column("counts_left_out", _("Provider counts left out"), numeric=True),
        ],
    )
    bars = []
    category = ""
    for option in data.options["service"]:
        if option.level == 0:
            category = translated(option.label)
        option_bits = bits & data.bits["service"].get(option.key, 0)
        providers = option_bits.bit_count()
        if not providers:
            continue
        people = people_sum(
            data.impact_workers, data.impact_state, bits_to_bool(option_bits, data.size)
        )
        table.rows.append(
            [
                Cell.plain(translated(option.label), href=f"?{urlencode({'service': option.key})}"),
                Cell.plain("" if option.level == 0 else category),
                Cell.number(providers),
                people.cell(),
                people.left_out_cell(),
            ]
        )
        if option.level == 1:
            bars.append((translated(option.label), providers, _providers_text(providers)))
    return charts.bar_chart(
        id="chart-services",
        title=_("Providers by service"),
        desc=_bar_desc(_("Bar chart of published providers offering each service."), bars),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def groups(data, bits, keep, csv_url):
    sums = _keyed_sums(data.groups, keep, len(data.group_slugs))
    by_slug = dict(zip(data.group_slugs, sums, strict=True))
    table = DataTable(
        caption=_("Providers and impact workers by target group"),
        columns=[
            Column("target_group", _("Target group")),
            Column("providers", _("Providers hiring from it"), numeric=True),
            Column("impact_workers", _("Impact workers from it"), numeric=True),
            Column("counts_left_out", _("Counts left out"), numeric=True),
        ],
    )
    bars = []
    for option in data.options["group"]:
        providers = (bits & data.bits["group"].get(option.key, 0)).bit_count()
        people = by_slug.get(option.key, NO_PEOPLE)
        table.rows.append(
            [
                Cell.plain(translated(option.label), href=f"{SEARCH_URL}?group={option.key}"),
                Cell.number(providers),
                people.cell(),
                people.left_out_cell(),
            ]
        )
        bars.append((translated(option.label), providers, _providers_text(providers)))
    return charts.bar_chart(
        id="chart-groups",
        title=_("Providers by target group"),
        desc=_bar_desc(
            _("Bar chart of published providers whose latest report names each target group."), bars
        ),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def sizes(data, bits, providers, csv_url):
    table = DataTable(
        caption=_("Providers by workforce size"),
        columns=[
            Column("size_band", _("Workforce")),
            Column("providers", _("Providers"), numeric=True),
        ],
    )
    bars = []
    stated = 0
    for band in SizeBand:
        n = (bits & data.bits["size"].get(band.value, 0)).bit_count()
        stated += n
        table.rows.append([Cell(str(band.label), band.value), Cell.number(n)])
        bars.append((str(band.label), n, _providers_text(n)))
    unstated = providers - stated
    table.rows.append([Cell(_("Not stated"), "not-stated"), Cell.number(unstated)])
    bars.append((_("Not stated"), unstated, _providers_text(unstated)))
    return charts.bar_chart(
        id="chart-sizes",
        title=_("Providers by workforce size"),
        desc=_bar_desc(_("Bar chart of published providers by the size of their workforce."), bars),
        table=table,
        items=bars,
        csv_url=csv_url,
        hatched=frozenset({len(bars) - 1}),
    )


def _percent(part: int, total: int) -> str:
    return str(disclosure.percent_of(part, total)) if total else ""


def provenance(data, keep, csv_url):
    reported = keep & data.has_report
    counts = np.bincount(data.provenance[reported].astype(np.int64), minlength=len(PROVENANCES))
    total = int(counts.sum())
    table = DataTable(
        caption=_("Latest reports by provenance"),
        columns=[
            Column("provenance", _("Provenance")),
            Column("providers", _("Providers"), numeric=True),
            Column("percent", _("Share of reports (%)"), numeric=True),
        ],
    )
    bars = []
    for i, value in enumerate(PROVENANCES):
        n = int(counts[i])
        percent = _percent(n, total)
        label = str(Provenance(value).label)
        table.rows.append([Cell(label, value), Cell.number(n), Cell.plain(percent)])
        text = _("%(percent)s%% (%(n)s)") % {"percent": percent or "0", "n": f"{n:,}"}
        bars.append((label, n, text))
    return charts.bar_chart(
        id="chart-provenance",
        title=_("How the latest figures are backed"),
        desc=_bar_desc(
            _(
                "Bar chart of latest impact reports: self-reported, backed by a document, "
                "or verified by a third party, as the providers state."
            ),
            bars,
        ),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def certifications(data, bits, csv_url):
    table = DataTable(
        caption=_("Providers holding each certification (valid today)"),
        columns=[
            Column("certification", _("Certification")),
            Column("providers", _("Providers"), numeric=True),
        ],
    )
    bars = []
    rows = []
    for option in data.options["certification"]:
        n = (bits & data.bits["certification"].get(option.key, 0)).bit_count()
        if n:
            rows.append((option, n))
    rows.sort(key=lambda item: (-item[1], translated(item[0].label)))
    for option, n in rows:
        table.rows.append(
            [
                Cell.plain(
                    translated(option.label), href=f"{SEARCH_URL}?certification={option.key}"
                ),
                Cell.number(n),
            ]
        )
        bars.append((translated(option.label), n, _providers_text(n)))
    return charts.bar_chart(
        id="chart-certifications",
        title=_("Certifications held"),
        desc=_bar_desc(
            _("Bar chart of published providers holding each certification, valid today."), bars
        ),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def home_map(providers_by_country: dict) -> charts.TileMap:
    """The home page's small map: published providers per delivery country."""
    names = names_of(providers_by_country)
    busiest = sorted(providers_by_country.items(), key=lambda item: (-item[1], names[item[0]]))[:3]
    table = DataTable(
        caption=_("Providers by delivery country"),
        columns=[
            Column("country", _("Country")),
            Column("providers", _("Providers"), numeric=True),
        ],
        rows=[
            [Cell.plain(names[code]), Cell.number(n)]
            for code, n in sorted(
                providers_by_country.items(), key=lambda item: sort_key(names[item[0]])
            )
        ],
    )
    return charts.tile_map(
        id="chart-home-countries",
        title=_("Where the work is delivered"),
        desc=(
            _(
                "Tile map of the world, one square per country, shaded by the number of "
                "providers delivering from it. Most providers: %(list)s."
            )
            % {"list": ", ".join(f"{names[code]} ({n})" for code, n in busiest)}
            if busiest
            else _("Tile map of the world; no published provider delivers from any country yet.")
        ),
        table=table,
        values=providers_by_country,
        names=names,
        tile_text=_tile_text,
        range_text=_range_text,
        csv_url=reverse("stats:csv", args=["countries"]),
        show_codes=False,
    )
