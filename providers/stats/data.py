"""Each worker's statistics data: every published listing's public figures as numpy columns.

Statistics are aggregates over published listings, filtered like search. Reading
every listing per request costs far more than a page may; so each process keeps
one `StatsData`, built for the current search index (buyers/search/index.py) and rebuilt
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
thread when settings.SEARCH_INDEX_REBUILD is "background". The search index takes
a listing's change in place within a second; these data follow at most
REFRESH_SECONDS later (a full rebuild of the index: at once).
"""

import datetime
import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from buyers.search import current as search_data
from buyers.search.build import BUILD_LOCK, release_free_memory
from buyers.search.growing import GrowingArray
from providers import disclosure
from providers.models import Provenance, Region, RegionCountry

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
    value: np.ndarray  # int32: the count when shown exactly, else 0
    state: np.ndarray  # int8: MISSING, EXACT or HIDDEN


@dataclass
class Reports:
    """One report per provider and reporting year (the one ending last in that year)."""

    position: np.ndarray  # int32
    year: np.ndarray  # int16
    impact_workers: np.ndarray  # int32, exact value or 0
    impact_state: np.ndarray  # int8
    share: np.ndarray  # int16, exact whole percent or -1
    share_state: np.ndarray  # int8
    rates: dict  # rate name -> int32 hundredths, -1 when not reported


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
    impact_workers: np.ndarray  # int32, exact value or 0
    impact_state: np.ndarray  # int8
    share: np.ndarray  # int16, exact whole percent or -1
    share_state: np.ndarray  # int8
    rates: dict  # rate name -> int32 hundredths, -1 when not reported
    #: delivery centres' impact workers; key = index into `countries`
    centres: Rows
    countries: list
    #: the latest report's counts per target group; key = index into `groups`
    groups: Rows
    group_slugs: list
    reports: Reports
    built_seconds: float = 0.0
    #: per-process caches of computed answers (selectors.py, benchmarks.py), dropped
    #: with the data
    answers: dict = field(default_factory=dict)
    peers: dict = field(default_factory=dict)

    built_at: float = field(default_factory=time.monotonic)

    def is_current_for(self, token: str, day: datetime.date) -> bool:
        return self.token == token and self.day == day

    def is_recent_for(self, token: str, day: datetime.date) -> bool:
        """Built for an earlier version of the same index less than REFRESH_SECONDS ago:
        good enough for pages while a refresh runs (listings change every few seconds in a
        busy directory; rebuilding these data after each change would cost a core)."""
        same_index = self.token.rsplit(":", 1)[0] == token.rsplit(":", 1)[0]
        return same_index and self.day == day and time.monotonic() - self.built_at < REFRESH_SECONDS


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


#: Providers read per batch while building: memory stays flat whatever their number.
BATCH = 1000

_RATES_SQL = ", ".join(f"CAST(ROUND(r.{name} * 100) AS INTEGER)" for name in RATE_FIELDS)
_COUNTS_SQL = ", ".join(f"r.{name}" for name in disclosure.REPORT_COUNT_FIELDS)
_PUBLISHED = "p.status = 'published' AND p.id >= %s AND p.id < %s"
# Constant SQL (table and column names only); the batch bounds are parameters.
_REPORTS_SQL = (
    f"SELECT r.provider_id, r.is_latest, r.period_end, r.provenance, {_COUNTS_SQL}, {_RATES_SQL} "  # noqa: S608
    "FROM providers_impactreport r JOIN providers_provider p ON p.id = r.provider_id "
    f"WHERE {_PUBLISHED} ORDER BY r.provider_id, r.period_end, r.id"
)
_CENTRES_SQL = (
    "SELECT c.provider_id, c.country, c.headcount, c.impact_workers "  # noqa: S608
    "FROM providers_deliverycentre c JOIN providers_provider p ON p.id = c.provider_id "
    # The order of `with_display_data` (Meta ordering), which exports and comparison use.
    f"WHERE {_PUBLISHED} ORDER BY c.provider_id, c.country, c.city, c.id"
)
_GROUPS_SQL = (
    "SELECT r.provider_id, t.slug, g.workers FROM providers_impactreportgroup g "  # noqa: S608
    "JOIN providers_impactreport r ON r.id = g.report_id AND r.is_latest "
    "JOIN providers_provider p ON p.id = r.provider_id "
    "JOIN providers_targetgroup t ON t.id = g.target_group_id "
    f"WHERE {_PUBLISHED} ORDER BY r.provider_id, t.position, t.name"
)
_PROVIDERS_SQL = f"SELECT p.id, p.workforce FROM providers_provider p WHERE {_PUBLISHED}"  # noqa: S608
_COUNTS_AT = 4
_RATES_AT = _COUNTS_AT + len(disclosure.REPORT_COUNT_FIELDS)
_WORKERS_AT = _COUNTS_AT + disclosure.REPORT_COUNT_FIELDS.index("impact_workers")
_TOTAL_AT = _COUNTS_AT + disclosure.REPORT_COUNT_FIELDS.index("total_employees")


def _year(value) -> int:
    """The year of a date (raw SQLite rows give ISO text)."""
    return int(value[:4]) if isinstance(value, str) else value.year


def build(index) -> StatsData:
    """Statistics data for the search index `index`, read in one consistent snapshot."""
    # Never beside a search index build in the same process (build.BUILD_LOCK).
    with BUILD_LOCK:
        started = time.perf_counter()
        outer = connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and not outer:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            data = _build_in_snapshot(index)
    data.built_seconds = time.perf_counter() - started
    # Hand the build's scratch back to the system, as the search index does after its own.
    release_free_memory()
    return data


def _by_provider(rows) -> dict:
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


class _Builder:
    """Accumulates the columns of every batch of providers."""

    def __init__(self, index):
        size = index.size
        self.to_position = index.id_to_position
        self.has_report = np.zeros(size, dtype=bool)
        self.report_year = np.zeros(size, dtype=np.int16)
        self.provenance = np.full(size, -1, dtype=np.int8)
        self.impact_workers = np.zeros(size, dtype=np.int32)
        self.impact_state = np.zeros(size, dtype=np.int8)
        self.share = np.full(size, -1, dtype=np.int16)
        self.share_state = np.zeros(size, dtype=np.int8)
        self.rates = {name: np.full(size, -1, dtype=np.int32) for name in RATE_FIELDS}
        self.countries: dict = {}  # code -> index, in order of first sight
        self.group_index = {
            option.key: i for i, option in enumerate(index.options.get("group", ()))
        }
        self._empty_lists()
        # Each batch's lists are appended to these columns, so Python ints never pile up
        # and no per-batch object outlives its batch (see GrowingArray).
        self.centre_columns = _row_columns()
        self.group_columns = _row_columns()
        self.report_columns = [
            GrowingArray(np.int32),  # position
            GrowingArray(np.int16),  # year
            GrowingArray(np.int32),  # impact workers
            GrowingArray(np.int8),  # their state
            GrowingArray(np.int16),  # share
            GrowingArray(np.int8),  # its state
            [GrowingArray(np.int32) for _ in RATE_FIELDS],
        ]

    def _empty_lists(self):
        self.centres = ([], [], [], [])
        self.groups = ([], [], [], [])
        self.reports = ([], [], [], [], [], [], [[] for _ in RATE_FIELDS])

    def _flush(self):
        for columns, out in (
            (self.centre_columns, self.centres),
            (self.group_columns, self.groups),
            (self.report_columns, self.reports),
        ):
            for column, values in zip(columns, out, strict=True):
                if isinstance(column, list):
                    for rate_column, rate_values in zip(column, values, strict=True):
                        rate_column.append(rate_values)
                else:
                    column.append(values)
        self._empty_lists()

    def position(self, provider_id) -> int:
        if 0 <= provider_id < len(self.to_position):
            return int(self.to_position[provider_id])
        return -1

    def add_batch(self, cursor, low, high):
        params = [low, high]
        cursor.execute(_PROVIDERS_SQL, params)
        workforce_of = dict(cursor.fetchall())
        cursor.execute(_REPORTS_SQL, params)
        reports_of = _by_provider(cursor.fetchall())
        cursor.execute(_CENTRES_SQL, params)
        centres_of = _by_provider(cursor.fetchall())
        cursor.execute(_GROUPS_SQL, params)
        groups_of = _by_provider(cursor.fetchall())
        for provider_id, workforce in workforce_of.items():
            position = self.position(provider_id)
            if position < 0:
                continue  # published after the index was built
            self.add_provider(
                position,
                workforce,
                reports_of.get(provider_id, []),
                centres_of.get(provider_id, []),
                groups_of.get(provider_id, []),
            )
        self._flush()

    def add_provider(self, position, workforce, reports, centres, groups):
        latest = next((row for row in reports if row[1]), None)
        report = (
            dict(zip(disclosure.REPORT_COUNT_FIELDS, latest[_COUNTS_AT:_RATES_AT], strict=True))
            if latest
            else None
        )
        groups = groups if latest else []
        shown = public_counts(
            workforce=workforce,
            report=report,
            groups=[g[2] for g in groups],
            centres=[(c[2], c[3]) for c in centres],
        )
        if latest:
            self.has_report[position] = True
            self.report_year[position] = _year(latest[2])
            self.provenance[position] = PROVENANCES.index(latest[3])
            self.impact_state[position] = _state(shown.impact_workers)
            if shown.impact_workers.is_exact:
                self.impact_workers[position] = shown.impact_workers.value
            self.share_state[position] = _state(shown.impact_share)
            if shown.impact_share.is_exact:
                self.share[position] = shown.impact_share.value
            for name, value in zip(RATE_FIELDS, latest[_RATES_AT:], strict=True):
                if value is not None:
                    self.rates[name][position] = value
        for centre, workers in zip(centres, shown.centre_workers, strict=True):
            key = self.countries.setdefault(centre[1], len(self.countries))
            _append(self.centres, position, key, workers)
        for group, workers in zip(groups, shown.groups, strict=True):
            if group[1] in self.group_index:
                _append(self.groups, position, self.group_index[group[1]], workers)
        # The trend: one report per year, the last to end in it (rows come oldest first).
        per_year = {_year(row[2]): row for row in reports}
        out = self.reports
        for year, row in per_year.items():
            # Earlier reports are shown on their own (profile, open data): each count by
            # `disclosure.count`, the share only when its impact workers are exact. The
            # latest report's totals come out the same (totals are never withheld).
            workers = disclosure.count(row[_WORKERS_AT])
            ratio = _share(
                workers, {"total_employees": row[_TOTAL_AT], "impact_workers": row[_WORKERS_AT]}
            )
            out[0].append(position)
            out[1].append(year)
            out[2].append(workers.value if workers.is_exact else 0)
            out[3].append(_state(workers))
            out[4].append(ratio.value if ratio.is_exact else -1)
            out[5].append(_state(ratio))
            for i, value in enumerate(row[_RATES_AT:]):
                out[6][i].append(-1 if value is None else value)

    def result_reports(self) -> Reports:
        """Every report as one `Reports`, a year's side by side."""
        columns = self.report_columns
        year = columns[1].array()
        order = np.argsort(year, kind="stable")
        return Reports(
            position=columns[0].array()[order],
            year=year[order],
            impact_workers=columns[2].array()[order],
            impact_state=columns[3].array()[order],
            share=columns[4].array()[order],
            share_state=columns[5].array()[order],
            rates={
                name: column.array()[order]
                for name, column in zip(RATE_FIELDS, columns[6], strict=True)
            },
        )

    @staticmethod
    def joined_rows(columns) -> Rows:
        position, key, value, state = (column.array() for column in columns)
        return Rows(position=position, key=key, value=value, state=state)


def _row_columns() -> list:
    """Growing columns of `Rows` (position, key, value, state)."""
    return [
        GrowingArray(np.int32),
        GrowingArray(np.int32),
        GrowingArray(np.int32),
        GrowingArray(np.int8),
    ]


def _regions() -> tuple[dict, dict, dict]:
    """(parent of each region, countries of each region, top-level regions of each country)."""
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
    return parent, region_countries, top_regions


def _build_in_snapshot(index) -> StatsData:
    parent, region_countries, top_regions = _regions()
    builder = _Builder(index)
    ids = np.sort(index.ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            builder.add_batch(cursor, int(chunk[0]), int(chunk[-1]) + 1)
    countries = list(builder.countries)
    return StatsData(
        token=index.token,
        day=index.day,
        size=index.size,
        bits={param: dict(index.bits.get(param, {})) for param in FACETS},
        options={param: list(index.options.get(param, ())) for param in FACETS},
        all_bits=index.all_bits,
        region_parent=parent,
        top_regions={code: tuple(sorted(slugs)) for code, slugs in top_regions.items()},
        region_countries={slug: frozenset(codes) for slug, codes in region_countries.items()},
        has_report=builder.has_report,
        report_year=builder.report_year,
        provenance=builder.provenance,
        impact_workers=builder.impact_workers,
        impact_state=builder.impact_state,
        share=builder.share,
        share_state=builder.share_state,
        rates=builder.rates,
        centres=builder.joined_rows(builder.centre_columns),
        countries=countries,
        groups=builder.joined_rows(builder.group_columns),
        group_slugs=list(builder.group_index),
        reports=builder.result_reports(),
    )


def _append(out, position, key, shown):
    out[0].append(position)
    out[1].append(key)
    out[2].append(shown.value if shown.is_exact else 0)
    out[3].append(_state(shown))


# --------------------------------------------------------------------------
# The process's data
# --------------------------------------------------------------------------

#: Seconds statistics may lag behind listing changes (a new token or day: none). A rebuild
#: costs a worker about 6 s of a core at 100,000 providers, in a thread that takes turns
#: with the searches it answers; an aggregate over tens of thousands of listings moves
#: little with one edit, so rebuilds under a stream of edits are five minutes apart.
REFRESH_SECONDS = 300.0

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
    background = settings.SEARCH_INDEX_REBUILD == "background"
    if background and data is not None and data.is_recent_for(index.token, index.day):
        return data
    if data is not None and background:
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
        if data is not None and data.is_recent_for(token, today):
            return data
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
            if data is not None and (
                data.is_current_for(index.token, index.day)
                or data.is_recent_for(index.token, index.day)
            ):
                return  # listings changing meanwhile wait for the next refresh
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
