"""Each worker's statistics data: every published listing's public figures as numpy columns.

Statistics are aggregates over published listings, filtered like search. Reading
every listing per request costs far more than a page may; so each process keeps
one `StatsData`, built for the current search index (search_data.py) and rebuilt
when it changes. It borrows the index's bitsets (service, region, country, target
group, certification, size band), so a filter means on /stats/ exactly what it
means on /providers/, and adds one row per published provider (its position in
the index) holding what the public may see of its latest report, plus rows for
its delivery centres, its target-group counts and every one of its reports.

Nothing raw is kept: each count of people is stored as the disclosure rule shows
it (`providers.disclosure`): its value only when it is shown exactly, else a
state saying it is hidden (banded or withheld) or missing. Aggregates built on
these columns can therefore only add up published numbers.

Building reads every published listing (a few seconds at 100,000 providers), so
it never happens on a profile: a profile uses whatever data the process holds
(`held`), and a page that needs fresh data asks for a rebuild, in a background
thread when settings.SEARCH_INDEX_REBUILD is "background".
"""

import datetime
import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, IntegerField, Q
from django.db.models.functions import Cast, ExtractYear, Round
from django.utils import timezone

from providers import disclosure
from providers.models import (
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    ListingStatus,
    Provenance,
    Provider,
    Region,
    RegionCountry,
)
from providers.services import search_data

logger = logging.getLogger(__name__)

#: States of a stored figure.
MISSING, EXACT, HIDDEN = 0, 1, 2

#: Rates of an impact report kept for statistics, in hundredths (exact integers).
RATE_FIELDS = (
    "min_wage_multiple",
    "training_hours_per_employee",
    "average_tenure_months",
    "voluntary_turnover_pct",
    "placement_rate_pct",
)

#: Provenance of a report as a small integer (its position in `Provenance`).
PROVENANCES = [p.value for p in Provenance]

#: Facets of the search index whose bitsets statistics use.
FACETS = ("service", "region", "country", "group", "certification", "size")


@dataclass
class Rows:
    """Rows that belong to providers (centres, group counts, reports), as parallel arrays."""

    position: np.ndarray  # int32: the provider's position in the index
    key: np.ndarray  # int16/int32: what the row is about (a country, a group, a year)
    value: np.ndarray  # int64: the count when shown exactly, else 0
    state: np.ndarray  # int8: MISSING, EXACT or HIDDEN


@dataclass
class Reports:
    """One report per provider and reporting year (the one ending last in that year)."""

    position: np.ndarray  # int32
    year: np.ndarray  # int16
    impact_workers: np.ndarray  # int64, exact value or 0
    impact_state: np.ndarray  # int8
    share: np.ndarray  # int16, exact whole percent or -1
    share_state: np.ndarray  # int8
    rates: dict  # rate name -> int64 hundredths, -1 when not reported


@dataclass
class StatsData:
    token: str
    day: datetime.date
    size: int
    #: facet param -> option key -> bits (shared with the search index that built it)
    bits: dict
    #: facet param -> ordered FacetOptions (service, region, group, certification)
    options: dict
    all_bits: int
    #: region slug -> parent slug (None at the top); country -> its top-level region slugs
    region_parent: dict
    top_regions: dict
    #: region slug -> the country codes it holds (sub-regions' included)
    region_countries: dict
    # Latest report, one entry per position.
    has_report: np.ndarray  # bool
    report_year: np.ndarray  # int16, 0 without a report
    provenance: np.ndarray  # int8, -1 without a report
    impact_workers: np.ndarray  # int64, exact value or 0
    impact_state: np.ndarray  # int8
    share: np.ndarray  # int16, exact whole percent or -1
    share_state: np.ndarray  # int8
    rates: dict  # rate name -> int64 hundredths, -1 when not reported
    #: delivery centres' impact workers; key = index into `countries`
    centres: Rows
    countries: list
    #: the latest report's counts per target group; key = index into `groups`
    groups: Rows
    group_slugs: list
    reports: Reports
    built_seconds: float = 0.0
    #: per-process cache of computed answers (selectors.py), dropped with the data
    answers: dict = field(default_factory=dict)

    def is_current_for(self, token: str, day: datetime.date) -> bool:
        return self.token == token and self.day == day


# --------------------------------------------------------------------------
# The disclosure rule over one listing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCounts:
    """What the public may see of one listing's counts that statistics add up."""

    impact_workers: disclosure.Shown
    impact_share: disclosure.Shown
    groups: list  # Shown per group count, in the order given
    centre_workers: list  # Shown per centre's impact workers, in the order given


def public_counts(*, workforce, report: dict | None, groups: list, centres: list) -> PublicCounts:
    """`disclosure.listing_figures` for one listing, skipping the rule's work when it has none.

    Secondary suppression only ever protects a banded part of a sum (a centre, or a
    target-group count, below the threshold): with no such part, nothing is withheld
    and every count is shown on its own (`disclosure.count`). Tests hold this to
    `listing_figures` for random listings.
    """
    parts = [*groups, *(h for h, _w in centres), *(w for _h, w in centres)]
    if any(value is not None and value < disclosure.THRESHOLD for value in parts):
        figures = disclosure.listing_figures(
            workforce=workforce,
            report=report,
            groups=dict(enumerate(groups)),
            centres=centres,
        )
        return PublicCounts(
            impact_workers=figures.report.get("impact_workers", disclosure.MISSING),
            impact_share=figures.impact_share,
            groups=[figures.groups[i] for i in range(len(groups))],
            centre_workers=[c.impact_workers for c in figures.centres],
        )
    workers = disclosure.count(report["impact_workers"]) if report else disclosure.MISSING
    return PublicCounts(
        impact_workers=workers,
        impact_share=_share(workers, report) if report else disclosure.MISSING,
        groups=[disclosure.count(value) for value in groups],
        centre_workers=[disclosure.count(w) for _h, w in centres],
    )


def _share(workers: disclosure.Shown, report: dict) -> disclosure.Shown:
    total, raw = report["total_employees"], report["impact_workers"]
    if not total or raw is None:
        return disclosure.MISSING
    return disclosure.share(workers, total, disclosure.percent_of(raw, total))


def _state(shown: disclosure.Shown) -> int:
    if shown.is_exact:
        return EXACT
    return MISSING if shown.is_missing else HIDDEN


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def _hundredths(name):
    return Cast(Round(F(name) * 100), IntegerField())


def _published(prefix=""):
    return Q(**{f"{prefix}status": ListingStatus.PUBLISHED})


def build(index) -> StatsData:
    """Statistics data for the search index `index`, read in one consistent snapshot."""
    started = time.perf_counter()
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        data = _build_in_snapshot(index)
    data.built_seconds = time.perf_counter() - started
    return data


def _build_in_snapshot(index) -> StatsData:
    size = index.size
    to_position = index.id_to_position

    def positions_of(ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        found = np.full(len(ids), -1, dtype=np.int32)
        inside = (ids >= 0) & (ids < len(to_position))
        found[inside] = to_position[ids[inside]]
        return found

    # Regions: parents, the countries each holds, each country's top-level regions.
    regions = list(Region.objects.values_list("slug", "parent__slug", "id"))
    parent = {slug: parent_slug for slug, parent_slug, _id in regions}
    slug_of = {region_id: slug for slug, _parent, region_id in regions}
    region_countries: dict = {slug: set() for slug in parent}
    for region_id, country in RegionCountry.objects.values_list("region_id", "country"):
        region_countries[slug_of[region_id]].add(str(country))
    top_regions: dict = {}
    for slug, codes in region_countries.items():
        if parent[slug] is None:
            for code in codes:
                top_regions.setdefault(code, []).append(slug)

    # Every report of a published provider, oldest first per provider.
    report_rows = list(
        ImpactReport.objects.filter(_published("provider__"))
        .order_by("provider_id", "period_end", "id")
        .annotate(year=ExtractYear("period_end"), **{f"h_{n}": _hundredths(n) for n in RATE_FIELDS})
        .values_list(
            "provider_id",
            "is_latest",
            "year",
            "provenance",
            *disclosure.REPORT_COUNT_FIELDS,
            *(f"h_{n}" for n in RATE_FIELDS),
        )
    )
    counts_at = 4
    rates_at = counts_at + len(disclosure.REPORT_COUNT_FIELDS)

    centre_rows = list(
        DeliveryCentre.objects.filter(_published("provider__"))
        # The order of `with_display_data`, which exports and comparison use.
        .order_by("provider_id", "country", "city", "id")
        .values_list("provider_id", "country", "headcount", "impact_workers")
    )
    group_rows = list(
        ImpactReportGroup.objects.filter(report__is_latest=True)
        .filter(_published("report__provider__"))
        .order_by("report__provider_id", "target_group__position", "target_group__name")
        .values_list("report__provider_id", "target_group__slug", "workers")
    )
    workforce_of = dict(Provider.objects.published().values_list("id", "workforce"))

    countries = sorted({row[1] for row in centre_rows})
    country_index = {code: i for i, code in enumerate(countries)}
    group_slugs = [option.key for option in index.options.get("group", ())]
    group_index = {slug: i for i, slug in enumerate(group_slugs)}

    # Latest reports, decided together with the listing's centres and group counts.
    latest = {row[0]: row for row in report_rows if row[1]}
    centres_of: dict = {}
    for row in centre_rows:
        centres_of.setdefault(row[0], []).append(row)
    groups_of: dict = {}
    for row in group_rows:
        groups_of.setdefault(row[0], []).append(row)

    has_report = np.zeros(size, dtype=bool)
    report_year = np.zeros(size, dtype=np.int16)
    provenance = np.full(size, -1, dtype=np.int8)
    impact_workers = np.zeros(size, dtype=np.int64)
    impact_state = np.zeros(size, dtype=np.int8)
    share = np.full(size, -1, dtype=np.int16)
    share_state = np.zeros(size, dtype=np.int8)
    rates = {name: np.full(size, -1, dtype=np.int64) for name in RATE_FIELDS}
    centre_out = ([], [], [], [])
    group_out = ([], [], [], [])

    for provider_id in sorted(set(workforce_of) | set(centres_of)):
        position = int(to_position[provider_id]) if provider_id < len(to_position) else -1
        if position < 0 or provider_id not in workforce_of:
            continue  # published after the index was built (or no longer published)
        row = latest.get(provider_id)
        centres = centres_of.get(provider_id, [])
        groups = groups_of.get(provider_id, []) if row else []
        report = (
            dict(zip(disclosure.REPORT_COUNT_FIELDS, row[counts_at:rates_at], strict=True))
            if row
            else None
        )
        shown = public_counts(
            workforce=workforce_of[provider_id],
            report=report,
            groups=[g[2] for g in groups],
            centres=[(c[2], c[3]) for c in centres],
        )
        if row:
            has_report[position] = True
            report_year[position] = row[2]
            provenance[position] = PROVENANCES.index(row[3])
            impact_state[position] = _state(shown.impact_workers)
            if shown.impact_workers.is_exact:
                impact_workers[position] = shown.impact_workers.value
            share_state[position] = _state(shown.impact_share)
            if shown.impact_share.is_exact:
                share[position] = shown.impact_share.value
            for name, value in zip(RATE_FIELDS, row[rates_at:], strict=True):
                if value is not None:
                    rates[name][position] = value
        for centre, workers in zip(centres, shown.centre_workers, strict=True):
            _append(centre_out, position, country_index[centre[1]], workers)
        for group, workers in zip(groups, shown.groups, strict=True):
            if group[1] in group_index:
                _append(group_out, position, group_index[group[1]], workers)

    return StatsData(
        token=index.token,
        day=index.day,
        size=size,
        bits={param: dict(index.bits.get(param, {})) for param in FACETS},
        options={param: list(index.options.get(param, ())) for param in FACETS},
        all_bits=index.all_bits,
        region_parent=parent,
        top_regions={code: tuple(sorted(slugs)) for code, slugs in top_regions.items()},
        region_countries={slug: frozenset(codes) for slug, codes in region_countries.items()},
        has_report=has_report,
        report_year=report_year,
        provenance=provenance,
        impact_workers=impact_workers,
        impact_state=impact_state,
        share=share,
        share_state=share_state,
        rates=rates,
        centres=_rows(centre_out),
        countries=countries,
        groups=_rows(group_out),
        group_slugs=group_slugs,
        reports=_reports(report_rows, positions_of, counts_at, rates_at),
    )


def _append(out, position, key, shown):
    out[0].append(position)
    out[1].append(key)
    out[2].append(shown.value if shown.is_exact else 0)
    out[3].append(_state(shown))


def _rows(out) -> Rows:
    return Rows(
        position=np.array(out[0], dtype=np.int32),
        key=np.array(out[1], dtype=np.int32),
        value=np.array(out[2], dtype=np.int64),
        state=np.array(out[3], dtype=np.int8),
    )


def _reports(rows, positions_of, counts_at, rates_at) -> Reports:
    """One report per provider and year: the last to end in that year (rows come oldest first)."""
    kept: dict = {}
    for row in rows:
        kept[(row[0], row[2])] = row
    rows = list(kept.values())
    position = positions_of([row[0] for row in rows])
    workers_at = counts_at + disclosure.REPORT_COUNT_FIELDS.index("impact_workers")
    total_at = counts_at + disclosure.REPORT_COUNT_FIELDS.index("total_employees")
    workers, workers_state, share, share_state = [], [], [], []
    for row in rows:
        # Earlier reports are shown on their own (profile, open data): each count by
        # `disclosure.count`, the share only when the impact workers are exact. The
        # latest report's totals come out the same way (totals are never withheld).
        shown = disclosure.count(row[workers_at])
        ratio = _share(shown, {"total_employees": row[total_at], "impact_workers": row[workers_at]})
        workers.append(shown.value if shown.is_exact else 0)
        workers_state.append(_state(shown))
        share.append(ratio.value if ratio.is_exact else -1)
        share_state.append(_state(ratio))
    keep = position >= 0
    rates = {
        name: np.array(
            [-1 if row[rates_at + i] is None else row[rates_at + i] for row in rows], dtype=np.int64
        )[keep]
        for i, name in enumerate(RATE_FIELDS)
    }
    return Reports(
        position=position[keep],
        year=np.array([row[2] for row in rows], dtype=np.int16)[keep],
        impact_workers=np.array(workers, dtype=np.int64)[keep],
        impact_state=np.array(workers_state, dtype=np.int8)[keep],
        share=np.array(share, dtype=np.int16)[keep],
        share_state=np.array(share_state, dtype=np.int8)[keep],
        rates=rates,
    )


# --------------------------------------------------------------------------
# The process's data
# --------------------------------------------------------------------------

_lock = threading.Lock()
_held: StatsData | None = None
_builder: threading.Thread | None = None
_builder_lock = threading.Lock()
_last_failure = 0.0


def held() -> StatsData | None:
    """The data this process holds, current or not (no query)."""
    return _held


def stats_data() -> StatsData:
    """Data for the current search index: its token query, plus a build when it changed.

    With SEARCH_INDEX_REBUILD = "background", a process that holds data for an
    older index keeps answering from it while a thread builds the new one; the
    first data of a process, and all data with "inline", is built before answering.
    """
    global _held
    index = search_data.search_index()
    data = _held
    if data is not None and data.is_current_for(index.token, index.day):
        return data
    if data is not None and settings.SEARCH_INDEX_REBUILD == "background":
        refresh_in_background()
        return data
    wait_for_refresh()
    with _lock:
        data = _held
        if data is None or not data.is_current_for(index.token, index.day):
            data = _held = build(index)
    return data


def held_for(token: str) -> StatsData | None:
    """Data usable for a page that read the search token itself (a profile): no query.

    Data current for `token` is returned. Older data is returned too when rebuilds run
    in the background, and a rebuild is started; with inline rebuilds (tests), only
    current data counts, and `None` means there is none.
    """
    data = _held
    today = timezone.localdate()
    if data is not None and data.is_current_for(token, today):
        return data
    if settings.SEARCH_INDEX_REBUILD == "background":
        refresh_in_background()
        return data
    return None


def refresh_in_background() -> None:
    """Start one thread that brings the search index and then this data up to date."""
    global _builder
    with _builder_lock:
        if _builder is not None and _builder.is_alive():
            return
        if time.monotonic() - _last_failure < search_data.RETRY_AFTER:
            return
        _builder = threading.Thread(target=_refresh_until_current, name="stats-data")
        _builder.daemon = True
        _builder.start()


def wait_for_refresh(timeout: float | None = None) -> None:
    builder = _builder
    if builder is not None and builder is not threading.current_thread():
        builder.join(timeout)


def _refresh_until_current() -> None:
    global _held, _last_failure
    try:
        for _attempt in range(5):
            search_data.search_index()  # starts the index's own rebuild when stale
            search_data.wait_for_rebuild()
            index = search_data.search_index()
            data = _held
            if data is not None and data.is_current_for(index.token, index.day):
                return
            data = build(index)
            with _lock:
                _held = data
            del data, index
    except Exception:
        _last_failure = time.monotonic()
        logger.exception("Building the statistics data failed; serving the previous data.")
    finally:
        connections.close_all()  # this thread's connections only


def warm() -> None:
    """Build this process's first data in the background (after its search index)."""
    refresh_in_background()
