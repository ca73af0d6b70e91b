"""No public output lets anyone compute a small count: every output path, one listing.

A provider has two delivery centres. Kampala has 3 impact workers (and a
headcount of 8); Nairobi has the rest. The report's totals are published, so
anyone who also saw Nairobi's exact figures could subtract them and find the 3
(1,237 − 1,234) or the 8 (1,308 − 1,300). The same holds for the target-group
counts (1,234 refugees + 3 people with disabilities = 1,237 impact workers).
The report also counts 3 employees with disabilities and 5 women. Every output
must therefore show the 3, the 5 and the 8 banded and never show 1,234 or
1,300; the totals stay.
"""

import csv
import io
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from buyers import services
from providers.models import ImpactReportGroup
from providers.services.catalogue import provider_refresh_derived
from tests import factories as f

pytestmark = pytest.mark.django_db

HIDDEN = {"1234", "1300", "3", "8", "5"}
TOTALS = {"1237", "1308"}


@pytest.fixture
def listing():
    provider = f.ProviderFactory(name="Lakeside Data Cooperative", slug="lakeside", workforce=1308)
    f.DeliveryCentreFactory(
        provider=provider,
        country="KE",
        city="Nairobi",
        seats=900,
        headcount=1300,
        impact_workers=1234,
    )
    f.DeliveryCentreFactory(
        provider=provider, country="UG", city="Kampala", seats=12, headcount=8, impact_workers=3
    )
    report = f.ImpactReportFactory(
        provider=provider,
        total_employees=1308,
        impact_workers=1237,
        employees_with_disabilities=3,
        women_employees=5,
    )
    refugees = f.TargetGroupFactory(name="Refugees", slug="refugees-d")
    disabled = f.TargetGroupFactory(name="Persons with disabilities", slug="disabilities-d")
    ImpactReportGroup.objects.create(report=report, target_group=refugees, workers=1234)
    ImpactReportGroup.objects.create(report=report, target_group=disabled, workers=3)
    provider_refresh_derived(provider=provider)
    # A second provider so that compare has two to show.
    f.ProviderFactory(name="Hillside Services", slug="hillside", workforce=450)
    cache.clear()
    return provider


def numbers(text):
    """Every number in a text, thousands separators removed (1,234 → 1234)."""
    found = re.findall(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w]|\.\d)", text)
    return {n.replace(",", "") for n in found}


def csv_numbers(text):
    """Every number in every cell of a CSV file."""
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    return set().union(*(numbers(cell) for cell in cells))


def visible_text(html):
    """What a reader of the page sees, plus the JSON-LD data it carries."""
    scripts = " ".join(
        re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    )
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    # Attributes hold ids and URLs, not figures: keep only the text between tags.
    return re.sub(r"<[^>]+>", " ", html) + " " + scripts


def assert_nothing_to_subtract(text):
    found = numbers(text)
    assert not HIDDEN & found, sorted(HIDDEN & found)


def test_profile(client, listing):
    html = client.get(listing.get_absolute_url()).content.decode()
    text = visible_text(html)

    assert_nothing_to_subtract(text)
    assert numbers(text) >= TOTALS
    kampala = html[html.index("Kampala, Uganda") :]
    assert "fewer than 10" in kampala[: kampala.index("</tr>")]
    nairobi = html[html.index("Nairobi, Kenya") :]
    assert "withheld" in nairobi[: nairobi.index("</tr>")]
    assert "How figures are protected" in html


def test_compare(client, listing):
    html = client.get(reverse("buyers:compare") + "?p=lakeside&p=hillside").content.decode()

    assert "Lakeside Data Cooperative" in html
    assert_nothing_to_subtract(visible_text(html))


def search_csv(client, **params):
    response = client.get(reverse("buyers:export_search"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_search_export_and_search_page(client, listing):
    buyer = f.BuyerFactory()
    client.force_login(buyer)

    text = search_csv(client, q="")
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["slug"] == "lakeside")
    assert row["workforce"] == "1308"
    assert row["OI8869_total_employees"] == "1308"
    assert row["impact_workers"] == "1237"
    assert not HIDDEN & csv_numbers(text)

    html = client.get(reverse("search")).content.decode()
    assert_nothing_to_subtract(visible_text(html))


def test_shortlist_export(client, listing):
    buyer = f.BuyerFactory()
    shortlist = services.shortlist_create(owner=buyer, name="Finalists")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=listing)
    client.force_login(buyer)

    response = client.get(reverse("buyers:shortlist_export", args=[shortlist.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert "Lakeside Data Cooperative" in text
    assert not HIDDEN & csv_numbers(text)
    detail = client.get(reverse("buyers:shortlist_detail", args=[shortlist.pk])).content.decode()
    assert_nothing_to_subtract(visible_text(detail))


def test_home_page_total_adds_only_what_is_shown(client, listing):
    small = f.ProviderFactory(name="Tiny Team", slug="tiny", workforce=12)
    f.ImpactReportFactory(provider=small, total_employees=12, impact_workers=7)
    cache.clear()

    html = client.get(reverse("home")).content.decode()

    # 1,237 from Lakeside; Tiny Team's 7 is banded and left out, so 1,244 never appears.
    assert "1,237" in html
    assert "1,244" not in html


def _data_numbers(value, key=""):
    """Every number in the data of a JSON document, ids and fractions left out."""
    if isinstance(value, dict):
        return set().union(set(), *(_data_numbers(v, k) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(set(), *(_data_numbers(v, key) for v in value))
    if isinstance(value, bool) or value is None or key == "id" or key.endswith("_id"):
        return set()
    if isinstance(value, int):
        return {str(value)}
    if isinstance(value, str):
        return numbers(value)
    return set()


def test_open_data(listing, tmp_path):
    from providers.opendata.build import build_open_data
    from providers.opendata.tables import TABLES

    result = build_open_data(root=tmp_path / "open-data")

    document = json.loads((result.path / "hsds-organizations.json").read_text())
    found = _data_numbers(document["organizations"])
    for table in TABLES[1:]:  # terms.csv holds the taxonomies, no listing's figures
        text = (result.path / table.path).read_text(encoding="utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            for field in table.fields:
                if field.format != "uuid":
                    found |= numbers(row[field.name])
    assert not HIDDEN & found, sorted(HIDDEN & found)
    assert found >= TOTALS

    (org,) = [o for o in document["organizations"] if o["name"] == "Lakeside Data Cooperative"]
    centres = {loc["impactdir"]["city"]: loc["impactdir"] for loc in org["locations"]}
    assert centres["Kampala"]["impact_workers"] == {"value": None, "status": "banded"}
    assert centres["Kampala"]["headcount"] == {"value": None, "status": "banded"}
    assert centres["Nairobi"]["impact_workers"] == {"value": None, "status": "withheld"}
    assert centres["Nairobi"]["headcount"] == {"value": None, "status": "withheld"}
    (report,) = org["impactdir"]["impact_reports"]
    assert report["figures"]["impact_workers"] == {"value": 1237, "status": "exact"}
    groups = {g["target_group"]["code"]: g["workers"]["status"] for g in report["target_groups"]}
    assert groups == {"refugees-d": "withheld", "disabilities-d": "banded"}


def test_case_study_library_and_home_page(client, listing):
    f.CaseStudyFactory(
        provider=listing,
        title="Moderating a marketplace",
        results="Reviews within the hour, all year.",
        year=2024,
    )
    provider_refresh_derived(provider=listing)
    cache.clear()

    html = client.get(reverse("case_studies")).content.decode()
    assert "Moderating a marketplace" in html
    assert "one case study" in html  # the page's own counts in words
    assert_nothing_to_subtract(visible_text(html))
    home = client.get(reverse("home")).content.decode()
    assert "Moderating a marketplace" in home
    assert_nothing_to_subtract(visible_text(home))
