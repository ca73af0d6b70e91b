"""Every number /stats/ shows can be reproduced from the open-data download.

The test recomputes each statistic in plain Python, independently of the numpy
code, from the Frictionless CSV package that `manage.py build_open_data` writes
for /data/ (organizations, services, locations, certifications, impact_reports,
impact_report_groups), with every count of people as the disclosure rule
publishes it there. The recomputed tables are then held to the CSV of every chart
and to the HTML tables of the page.
"""

import csv
import datetime
import io
import re
import statistics
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_countries import countries

from providers.models import RegionCountry, Service, TargetGroup
from providers.taxonomy_data import region_ancestry
from tests.providers.opendata_helpers import build, table

pytestmark = pytest.mark.django_db

MIN_PROVIDERS = 5
RATES = {
    "voluntary_turnover_pct": "OI1638_voluntary_turnover_pct",
    "min_wage_multiple": "OI6176_min_wage_multiple",
    "training_hours_per_employee": "OI7877_training_hours_per_employee",
    "placement_rate_pct": "PI3527_placement_rate_pct",
    "average_tenure_months": "OI2248_average_tenure_months",
}


@pytest.fixture
def directory(db):
    out = io.StringIO()
    call_command("seed_demo", providers=90, seed=7, stdout=out, stderr=out)


def _csv(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def exact(value: str):
    """A published count or rate, or None when it is not shown exactly."""
    if value in ("", "<10", "withheld"):
        return None
    return Decimal(value)


def _count(row, name):
    """A count from the open-data tables in the form `exact()` reads: the value when it
    is published exactly, "<10" when banded, "withheld", or "" when not reported."""
    status = row[f"{name}_status"]
    return {"exact": row[name], "banded": "<10", "withheld": "withheld", "missing": ""}[status]


def public_listings(root):
    """Every published listing, read only from the open-data CSV package under `root`."""

    def by_organization(name, key="organization_id"):
        grouped = defaultdict(list)
        for row in table(root, name):
            grouped[row[key]].append(row)
        return grouped

    services = by_organization("services")
    centres = by_organization("locations")
    certifications = by_organization("certifications")
    reports = by_organization("impact_reports")
    groups = by_organization("impact_report_groups", key="report_id")
    listings = []
    for org in table(root, "organizations"):
        own_reports = sorted(reports[org["id"]], key=lambda r: r["period_end"])
        latest = next((r for r in own_reports if r["latest"] == "true"), None)
        listing = {
            "slug": org["profile_url"].rstrip("/").rsplit("/", 1)[1],
            "size_band": org["size_band"],
            "services": [s["service_name"] for s in services[org["id"]]],
            "countries": [c["country"] for c in centres[org["id"]]],
            "certifications": [
                c["name"] for c in certifications[org["id"]] if c["valid"] == "true"
            ],
            "centres": [(c["country"], _count(c, "impact_workers")) for c in centres[org["id"]]],
            "groups": [g["name"] for g in groups[latest["id"]]] if latest else [],
            "group_counts": [
                (g["name"], _count(g, "workers")) for g in (groups[latest["id"]] if latest else [])
            ],
            "report_provenance": latest["provenance"] if latest else "",
            "impact_workers": _count(latest, "impact_workers") if latest else "",
            "impact_share_pct": _count(latest, "impact_share_pct") if latest else "",
            **{column: latest[key] if latest else "" for key, column in RATES.items()},
            "reports": [
                {
                    "end": datetime.date.fromisoformat(r["period_end"]),
                    "impact_workers": _count(r, "impact_workers"),
                    "impact_share": _count(r, "impact_share_pct"),
                    **{key: r[key] for key in RATES},
                }
                for r in own_reports
            ],
        }
        listings.append(listing)
    return listings


def people(values):
    """(sum, counted, left out) of published counts: only exact counts are added."""
    numbers = [exact(v) for v in values if v != ""]
    counted = [n for n in numbers if n is not None]
    return int(sum(counted)), len(counted), len(numbers) - len(counted)


def people_cells(values):
    total, counted, left = people(values)
    return [str(total) if counted else "", str(left)]


def median_text(values):
    values = [v for v in (exact(x) for x in values) if v is not None]
    if len(values) < MIN_PROVIDERS:
        return ""
    return format(Decimal(statistics.median(values)).normalize(), "f")


class Taxonomy:
    def __init__(self):
        services = Service.objects.select_related("parent").order_by("position", "name")
        self.category_of = {s.name: s.parent.name for s in services if s.parent_id}
        self.service_slug = {s.name: s.slug for s in services}
        ancestry = region_ancestry()
        self.regions_of = defaultdict(set)
        for slug, country in RegionCountry.objects.values_list("region__slug", "country"):
            self.regions_of[str(country)].update(ancestry[slug])

    def offers(self, listing, slug):
        return any(
            self.service_slug[name] == slug or self.service_slug[self.category_of[name]] == slug
            for name in listing["services"]
        )

    def delivers_in(self, listing, region):
        return any(region in self.regions_of[c] for c in listing["countries"])


def expected_tables(listings, tax, *, services=(), regions=()):
    chosen = [
        x
        for x in listings
        if (not services or any(tax.offers(x, s) for s in services))
        and (not regions or any(tax.delivers_in(x, r) for r in regions))
    ]
    tables = {}
    # Countries: providers with a centre there; impact workers at those centres.
    by_country = defaultdict(list)
    for x in chosen:
        for code in set(x["countries"]):
            by_country[code].append(x)
    tables["countries"] = sorted(
        (
            [
                code,
                str(countries.name(code)),
                str(len(xs)),
                *people_cells([w for x in xs for c, w in x["centres"] if c == code]),
            ]
            for code, xs in by_country.items()
        ),
        key=lambda row: row[1],
    )
    # Services and categories: providers and their latest reports' impact workers.
    tables["services"] = {}
    for name, category in tax.category_of.items():
        for label, slug in ((category, tax.service_slug[category]), (name, tax.service_slug[name])):
            xs = [x for x in chosen if tax.offers(x, slug)]
            if xs:
                tables["services"][label] = [
                    str(len(xs)),
                    *people_cells([x["impact_workers"] for x in xs]),
                ]
    # Target groups: providers naming them; the counts per group.
    tables["groups"] = {}
    for group in TargetGroup.objects.values_list("name", flat=True):
        xs = [x for x in chosen if group in x["groups"]]
        counts = [w for x in chosen for g, w in x["group_counts"] if g == group]
        tables["groups"][group] = [str(len(xs)), *people_cells(counts)]
    # Sizes, provenance, certifications.
    sizes = defaultdict(int)
    for x in chosen:
        sizes[x["size_band"] or "not-stated"] += 1
    tables["sizes"] = dict(sizes)
    provenance = defaultdict(int)
    for x in chosen:
        if x["report_provenance"]:
            provenance[x["report_provenance"]] += 1
    tables["provenance"] = dict(provenance)
    certifications = defaultdict(int)
    for x in chosen:
        for name in set(x["certifications"]):
            certifications[name] += 1
    tables["certifications"] = dict(certifications)
    # Headline medians of the latest reports.
    tables["medians"] = {
        "impact_share": median_text([x["impact_share_pct"] for x in chosen]),
        **{key: median_text([x[column] for x in chosen]) for key, column in RATES.items()},
    }
    tables["providers"] = len(chosen)
    tables["impact_workers"] = people([x["impact_workers"] for x in chosen])
    # The trend: one report per provider and year, the one ending last.
    per_year = defaultdict(dict)
    for x in chosen:
        for report in sorted(x["reports"], key=lambda r: r["end"]):
            per_year[report["end"].year][x["slug"]] = report
    trend = {}
    for year, reports in sorted(per_year.items())[-8:]:
        values = list(reports.values())
        trend[str(year)] = [
            str(len(values)),
            *people_cells([r["impact_workers"] for r in values]),
            median_text([r["impact_share"] for r in values]),
            *(
                median_text([r[key] for r in values])
                for key in (
                    "voluntary_turnover_pct",
                    "min_wage_multiple",
                    "training_hours_per_employee",
                    "placement_rate_pct",
                    "average_tenure_months",
                )
            ),
        ]
    tables["trend"] = trend
    return tables


class _Tables(HTMLParser):
    """The text of every cell of every <table> on a page, row by row."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"region": ["africa"]},
        {"service": ["data-services"]},
        {"service": ["data-annotation", "voice-support"], "region": ["asia", "africa"]},
    ],
)
def test_every_statistic_is_reproduced_from_the_open_data_download(
    client, directory, filters, tmp_path
):
    build(tmp_path, validate=False)
    listings = public_listings(tmp_path)
    expected = expected_tables(
        listings, Taxonomy(), services=filters.get("service", ()), regions=filters.get("region", ())
    )
    query = "&".join(f"{k}={v}" for k, vs in filters.items() for v in vs)

    def chart(name):
        response = client.get(reverse("stats:csv", args=[name]) + (f"?{query}" if query else ""))
        assert response.status_code == 200
        return _csv(response.content.decode("utf-8"))

    assert expected["providers"] > 5  # the filters are not trivially empty
    assert [
        [
            r["country_code"],
            r["country"],
            r["providers"],
            r["impact_workers_at_centres"],
            r["centre_counts_left_out"],
        ]
        for r in chart("countries")
    ] == expected["countries"]
    assert {
        r["service"]: [r["providers"], r["impact_workers"], r["counts_left_out"]]
        for r in chart("services")
    } == expected["services"]
    assert {
        r["target_group"]: [r["providers"], r["impact_workers"], r["counts_left_out"]]
        for r in chart("groups")
    } == expected["groups"]
    assert {
        r["size_band"]: int(r["providers"]) for r in chart("sizes") if r["providers"] != "0"
    } == expected["sizes"]
    provenance = chart("provenance")
    assert {
        r["provenance"]: int(r["providers"]) for r in provenance if r["providers"] != "0"
    } == expected["provenance"]
    total = sum(expected["provenance"].values())
    for r in provenance:
        assert int(r["percent"]) == (200 * int(r["providers"]) + total) // (2 * total)
    assert {r["certification"]: int(r["providers"]) for r in chart("certifications")} == expected[
        "certifications"
    ]
    trend = chart("trend")
    assert {r["year"]: [v for k, v in r.items() if k != "year"] for r in trend} == expected["trend"]

    # The page shows the same numbers as its CSVs: the headline figures and every table.
    page = client.get(reverse("stats:index") + (f"?{query}" if query else ""))
    html = page.content.decode()
    assert f"<dd>{expected['providers']:,}</dd>" in html
    total, counted, _left = expected["impact_workers"]
    assert f"<dd>{total:,}</dd>" in html if counted else "<dd>–</dd>" in html
    parser = _Tables()
    parser.feed(html)
    medians = {row[0]: row[2] for row in parser.tables[0][1:]}
    for label, key in (
        ("Impact-worker share of employees", "impact_share"),
        ("Voluntary turnover rate", "voluntary_turnover_pct"),
        ("Training hours per employee", "training_hours_per_employee"),
    ):
        value = expected["medians"][key]
        if value:
            shown = Decimal(re.sub(r"[^0-9.]", "", medians[label]))
            assert abs(shown - Decimal(value)) <= Decimal("0.05"), (label, shown, value)
        else:
            assert medians[label].startswith("fewer than")
    country_table = next(t for t in parser.tables if t and t[0][:2] == ["Code", "Country"])
    assert [row[:3] for row in country_table[1:]] == [
        [code, name, f"{int(n):,}"] for code, name, n, *_ in expected["countries"]
    ]
