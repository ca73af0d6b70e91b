"""`manage.py build_open_data`: what the HSDS JSON and the CSV package hold, and the build."""

import copy
import fcntl
import gzip
import json
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from jsonschema import Draft202012Validator

from providers import models as m
from providers.opendata import hsds
from providers.opendata.build import LOCK, BuildInProgress, InvalidOrganization
from providers.opendata.ids import stable_id
from providers.opendata.records import published_listings
from tests import factories as f

from .opendata_helpers import (
    TODAY,
    build,
    full_listing,
    hsds_document,
    hsds_organization,
    published_names,
    table,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path):
    return tmp_path / "open-data"


@pytest.fixture
def provider():
    return full_listing()


# --------------------------------------------------------------------------
# HSDS JSON
# --------------------------------------------------------------------------


def test_the_json_file_states_licence_date_and_figure_codes(root, provider):
    result = build(root)

    document = hsds_document(root)
    assert document["license"]["name"] == "CC-BY-4.0"
    assert document["license"]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["hsds_version"] == "3.0"
    assert document["created"] == result.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document["figures"]["total_employees"]["iris_code"] == "OI8869"
    assert document["figures"]["placement_rate_pct"] == {
        "iris_code": "PI3527",
        "unit": "percent",
        "kind": "rate",
        "description": "Share of workers placed into further jobs or education.",
    }
    assert document["documentation"].endswith("/data/fields/")
    assert len(document["organizations"]) == 1


def test_a_listing_becomes_an_hsds_organization_with_its_parts(root, provider):
    build(root)
    org = hsds_organization(root, provider)

    assert org["id"] == stable_id("provider", provider.pk)
    assert org["name"] == "Baobab Data Cooperative"
    assert org["description"].startswith("A fictional cooperative")
    assert org["website"] == "https://baobab.example/"
    assert org["email"] == "hello@baobab.example"
    assert org["year_incorporated"] == 2014
    assert org["legal_status"] == "Cooperative"
    assert org["logo"] == "http://127.0.0.1:8000/media/logos/baobab.png"
    assert org["organization_identifiers"] == [
        {
            "id": stable_id("provider-identifier", provider.pk),
            "organization_id": org["id"],
            "identifier_type": "registration number",
            "identifier": "CS-000123",
            "impactdir": {"registry": "Registrar-General (fictional)"},
        }
    ]
    assert org["phones"][0]["number"] == "+233 20 000 0000"
    # Nobody's personal name goes into bulk data.
    assert "Ama Fictional" not in json.dumps(org)

    accra, kumasi = org["locations"]
    assert accra["name"] == "Accra, Ghana"
    assert accra["location_type"] == "physical"
    assert [lang["code"] for lang in accra["languages"]] == ["ak", "en"]
    assert accra["impactdir"] == {
        "country": "GH",
        "city": "Accra",
        "seats": 300,
        "headcount": {"value": 400, "status": "exact"},
        "impact_workers": {"value": 250, "status": "exact"},
    }
    assert kumasi["impactdir"]["headcount"] == {"value": 80, "status": "exact"}

    tagging, keying = org["services"]
    assert tagging["name"] == "Image tagging"
    assert tagging["status"] == "active"
    assert tagging["description"] == "Bounding boxes"
    assert tagging["impactdir"]["service_type"]["code"] == "image-tagging"
    assert tagging["impactdir"]["category"]["code"] == "data-things"
    assert tagging["impactdir"]["voice"] == "non-voice"
    assert sorted(lang["code"] for lang in tagging["languages"]) == ["ak", "en"]
    assert [link["location_id"] for link in tagging["service_at_locations"]] == [
        accra["id"],
        kumasi["id"],
    ]
    assert keying["name"] == "Record keying"

    extra = org["impactdir"]
    assert extra["profile_url"] == "http://127.0.0.1:8000/providers/baobab-data/"
    assert extra["workforce"] == {"value": 480, "status": "exact"}
    assert extra["size_band"] == "250-999"
    assert extra["verified_on"] == provider.verified_at.date().isoformat()
    assert extra["verification_checks"] == "Registration certificate checked."
    assert extra["assured_date"] == provider.assured_date.isoformat()
    assert [t["code"] for t in extra["languages"]] == ["ak", "en"]
    assert len(extra["pricing_models"]) == len(extra["delivery_modes"]) == 1
    assert len(extra["industries"]) == len(extra["buyer_markets"]) == 1

    valid, expired = sorted(extra["certifications"], key=lambda c: not c["valid"])
    assert valid["certificate_number"] == "ISMS-1"
    assert valid["verification"] == "verified"
    assert valid["category"] == "security"
    assert expired["certificate_number"] == "ISMS-0"
    assert expired["valid"] is False

    latest, earlier = extra["impact_reports"]
    assert latest["latest"] is True and earlier["latest"] is False
    assert latest["provenance"] == "third-party"
    assert latest["verifier"] == "Fictional Audit Ltd"
    assert latest["stale"] is False and earlier["stale"] is True
    assert latest["impact_share_pct"] == {"value": 63, "status": "exact"}
    assert latest["figures"]["total_employees"] == {"value": 480, "status": "exact"}
    assert latest["figures"]["employees_low_income_areas"] == {"value": None, "status": "banded"}
    assert latest["figures"]["min_wage_multiple"] == 1.85
    assert latest["figures"]["training_hours_per_employee"] == 40
    assert latest["figures"]["placement_rate_pct"] == 31
    # In the profile's order: by the taxonomy's position, then by name.
    assert [(g["target_group"]["code"], g["workers"]) for g in latest["target_groups"]] == [
        ("rural-test", {"value": 100, "status": "exact"}),
        ("youth-test", {"value": 200, "status": "exact"}),
    ]
    # An earlier report's small counts are banded too, and its share withheld.
    assert earlier["figures"]["impact_workers"] == {"value": None, "status": "banded"}
    assert earlier["impact_share_pct"] == {"value": None, "status": "withheld"}
    assert earlier["target_groups"][0]["workers"] == {"value": None, "status": "banded"}

    (study,) = extra["case_studies"]
    assert study["title"] == "Labelling crop images"
    assert study["service"]["code"] == "image-tagging"
    assert study["recent"] is True
    assert study["quote_attribution"] == "A fictional client"


def test_every_organization_validates_against_the_hsds_schema(root, provider):
    f.ProviderFactory(name="Bare Minimum", slug="bare", description="", workforce=None)
    build(root)

    organizations = hsds_document(root)["organizations"]
    assert len(organizations) == 2
    # The schema as published (with its $refs), and the faster one the build uses.
    published = Draft202012Validator(
        hsds.schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for organization in organizations:
        assert list(published.iter_errors(organization)) == []
        assert list(hsds.validator().iter_errors(organization)) == []


def test_the_schema_checks_required_properties_and_formats(root, provider):
    build(root)
    org = hsds_organization(root, provider)
    validator = hsds.validator()

    def errors(change):
        broken = copy.deepcopy(org)
        change(broken)
        return [error.message for error in validator.iter_errors(broken)]

    assert {"uuid", "date", "date-time", "uri", "email"} <= set(
        Draft202012Validator.FORMAT_CHECKER.checkers
    )
    assert errors(lambda o: o.update(id="provider-42")) == ["'provider-42' is not a 'uuid'"]
    assert errors(lambda o: o.pop("description")) == ["'description' is a required property"]
    assert errors(lambda o: o.update(website="not a uri"))
    assert errors(lambda o: o.update(email="nobody"))
    assert errors(lambda o: o["services"][0].pop("status"))
    assert errors(lambda o: o["services"][0].update(status="open"))
    assert errors(lambda o: o["locations"][0].update(location_type="office"))
    assert errors(lambda o: o["locations"][0]["languages"][0].update(id="1"))
    assert errors(lambda o: o["impactdir"]["impact_reports"][0].update(period_end="2025-13-01"))
    assert errors(lambda o: o["impactdir"].update(updated="yesterday"))
    # ImpactDir's own objects are closed: an undocumented property is refused …
    assert errors(lambda o: o["impactdir"].update(secret="x"))
    # … and so is an exact count below the threshold, or a value with a hidden status.
    assert errors(lambda o: o["impactdir"].update(workforce={"value": 4, "status": "exact"}))
    assert errors(lambda o: o["impactdir"].update(workforce={"value": 40, "status": "banded"}))


def test_an_address_that_is_not_valid_is_left_out_of_every_file(root):
    provider = full_listing(website="www baobab example", contact_email="nobody")
    build(root)

    org = hsds_organization(root, provider)
    assert "website" not in org and "email" not in org
    (row,) = table(root, "organizations")
    assert row["website"] == "" and row["email"] == ""


def test_a_build_with_an_invalid_organization_publishes_nothing(root, provider):
    build(root)
    before = (root / "current").resolve()
    m.DeliveryCentre.objects.filter(provider=provider, city="Kumasi").update(country="k1")

    with pytest.raises(InvalidOrganization, match="impactdir/country"):
        build(root)

    assert (root / "current").resolve() == before
    assert [p.name for p in (root / "snapshots").iterdir()] == [before.name]


# --------------------------------------------------------------------------
# CSV tables
# --------------------------------------------------------------------------


def test_the_csv_tables_hold_the_same_listing(root, provider):
    build(root)
    org_id = stable_id("provider", provider.pk)

    (org,) = table(root, "organizations")
    assert org["id"] == org_id
    assert org["name"] == "Baobab Data Cooperative"
    assert org["workforce"] == "480"
    assert org["workforce_status"] == "exact"
    assert org["registration_number"] == "CS-000123"
    assert org["legal_form"] == "cooperative"
    assert org["updated"].endswith("Z")

    services = table(root, "services")
    assert [s["service_code"] for s in services] == ["image-tagging", "record-keying"]
    locations = table(root, "locations")
    assert [(loc["city"], loc["headcount"], loc["headcount_status"]) for loc in locations] == [
        ("Accra", "400", "exact"),
        ("Kumasi", "80", "exact"),
    ]
    assert len(table(root, "service_at_locations")) == 4
    assert {row["code"] for row in table(root, "location_languages")} == {"en", "ak"}
    relations = {row["relation"] for row in table(root, "organization_terms")}
    assert relations == {
        "language-of-service",
        "industry-served",
        "buyer-market",
        "pricing-model",
        "delivery-mode",
    }
    assert sorted(c["valid"] for c in table(root, "certifications")) == ["false", "true"]

    latest, earlier = table(root, "impact_reports")
    assert latest["latest"] == "true"
    assert latest["total_employees"] == "480"
    assert latest["employees_low_income_areas"] == ""
    assert latest["employees_low_income_areas_status"] == "banded"
    assert latest["impact_share_pct"] == "63"
    assert latest["min_wage_multiple"] == "1.85"
    assert latest["voluntary_turnover_pct"] == "8"
    assert earlier["impact_workers"] == "" and earlier["impact_workers_status"] == "banded"
    groups = table(root, "impact_report_groups")
    assert [(g["code"], g["workers"]) for g in groups if g["report_id"] == latest["id"]] == [
        ("rural-test", "100"),
        ("youth-test", "200"),
    ]
    assert table(root, "case_studies")[0]["title"] == "Labelling crop images"
    # The ids are the HSDS ids.
    org_json = hsds_organization(root, provider)
    assert [s["id"] for s in services] == [s["id"] for s in org_json["services"]]


def test_text_that_a_spreadsheet_would_run_is_defused(root):
    full_listing(tagline='=HYPERLINK("http://evil.example")')
    build(root)

    (org,) = table(root, "organizations")
    assert org["tagline"] == '\'=HYPERLINK("http://evil.example")'


def test_frictionless_validate_passes_with_no_errors(root, provider):
    f.ProviderFactory(name="Bare Minimum", slug="bare", description="", workforce=None)
    build(root)
    descriptor = root / "current" / "datapackage.json"

    command = [str(Path(sys.executable).parent / "frictionless"), "validate", "--json"]
    completed = subprocess.run(
        [*command, str(descriptor)], capture_output=True, text=True, timeout=300, check=False
    )

    report = json.loads(completed.stdout)
    errors = [e for task in report["tasks"] for e in task["errors"]] + report["errors"]
    assert report["valid"] is True, errors[:5]
    assert completed.returncode == 0
    assert {task["name"] for task in report["tasks"]} >= {"organizations", "impact_reports"}
    package = json.loads(descriptor.read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["created"]


def test_frictionless_reports_a_broken_file(root, provider):
    build(root)
    snapshot = (root / "current").resolve()
    services = snapshot / "services.csv"
    lines = services.read_text().splitlines(keepends=True)
    # A service of an organization that is not in organizations.csv.
    broken = lines[1].split(",")
    broken[1] = stable_id("provider", 999_999)
    services.write_text(lines[0] + ",".join(broken) + "".join(lines[2:]))

    report = frictionless.validate(str(snapshot / "datapackage.json"))

    assert not report.valid
    kinds = {error.type for task in report.tasks for error in task.errors}
    assert "foreign-key" in kinds


def test_a_file_changed_after_the_build_fails_its_hash(root, provider):
    build(root)
    snapshot = (root / "current").resolve()
    path = snapshot / "terms.csv"
    path.write_text(path.read_text().replace("Data things", "Data thingz", 1))

    report = frictionless.validate(str(snapshot / "datapackage.json"))

    kinds = {error.type for task in report.tasks for error in task.errors}
    assert "hash-count" in kinds


# --------------------------------------------------------------------------
# Only published listings
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        m.ListingStatus.DRAFT,
        m.ListingStatus.SUBMITTED,
        m.ListingStatus.REJECTED,
        m.ListingStatus.SUSPENDED,
        m.ListingStatus.INACTIVE,
    ],
)
def test_a_listing_that_is_not_published_is_in_no_file(root, status):
    published = full_listing()
    hidden = full_listing(
        name="Hidden Harbour Services",
        slug="hidden-harbour",
        org_number="HIDDEN-777",
        contact_email="hello@hidden-harbour.example",
        status=status,
        rejection_reason="Not yet" if status == m.ListingStatus.REJECTED else "",
    )
    build(root)

    hidden_ids = {stable_id("provider", hidden.pk)}
    hidden_ids |= {
        stable_id("provider-service", pk) for pk in hidden.services.values_list("pk", flat=True)
    }
    hidden_ids |= {stable_id("centre", pk) for pk in hidden.centres.values_list("pk", flat=True)}
    hidden_ids |= {
        stable_id("impact-report", pk) for pk in hidden.reports.values_list("pk", flat=True)
    }
    hidden_ids |= {
        stable_id("certification-holding", pk)
        for pk in hidden.certifications.values_list("pk", flat=True)
    }
    hidden_ids |= {
        stable_id("case-study", pk) for pk in hidden.case_studies.values_list("pk", flat=True)
    }
    snapshot = (root / "current").resolve()
    for name in published_names(root):
        text = (snapshot / name).read_text(encoding="utf-8")
        for needle in ["Hidden Harbour", "hidden-harbour", "HIDDEN-777", *hidden_ids]:
            assert needle not in text, (name, needle)
        with gzip.open(snapshot / f"{name}.gz", "rt", encoding="utf-8") as packed:
            assert packed.read() == text
    assert stable_id("provider", published.pk) in (snapshot / "organizations.csv").read_text()


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def test_two_builds_of_unchanged_data_give_the_same_files(root, provider):
    import datetime

    first = build(root, now=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC))
    first_files = {name: (first.path / name).read_bytes() for name in published_names(root)}
    second = build(root, now=datetime.datetime(2026, 12, 1, 3, 30, tzinfo=datetime.UTC))
    second_files = {name: (second.path / name).read_bytes() for name in published_names(root)}

    assert first.path != second.path
    assert first_files.keys() == second_files.keys()
    dated = {"datapackage.json", "hsds-organizations.json"}
    for name in first_files.keys() - dated:
        assert first_files[name] == second_files[name], name
        assert (first.path / f"{name}.gz").read_bytes() == (second.path / f"{name}.gz").read_bytes()
    for name in dated:
        old = first_files[name].replace(b"2026-12-01T02:00:00Z", b"<created>")
        new = second_files[name].replace(b"2026-12-01T03:30:00Z", b"<created>")
        assert old == new, name
        assert old != first_files[name], name
    # Unchanged files keep their Last-Modified; the dated ones carry the new snapshot's time.
    manifest = {
        e["name"]: e for e in json.loads((second.path / "manifest.json").read_text())["files"]
    }
    assert manifest["organizations.csv"]["last_modified"] == "2026-12-01T02:00:00Z"
    assert manifest["datapackage.json"]["last_modified"] == "2026-12-01T03:30:00Z"


def test_ids_stay_when_the_slug_changes(root, provider):
    build(root)
    before = hsds_organization(root, provider)
    m.Provider.objects.filter(pk=provider.pk).update(slug="baobab-renamed")

    build(root)
    after = hsds_organization(root, provider)

    assert after["id"] == before["id"]
    assert [s["id"] for s in after["services"]] == [s["id"] for s in before["services"]]
    assert after["impactdir"]["profile_url"].endswith("/providers/baobab-renamed/")


def test_the_current_snapshot_is_swapped_in_and_old_ones_removed(root, provider):
    first = build(root)
    second = build(root)
    third = build(root)

    assert (root / "current").resolve() == third.path.resolve()
    remaining = sorted(p.name for p in (root / "snapshots").iterdir())
    assert remaining == sorted([second.path.name, third.path.name])
    assert not first.path.exists()


def test_a_second_build_while_one_runs_is_refused(root, provider):
    root.mkdir(parents=True)
    with open(root / LOCK, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(BuildInProgress):
            build(root)
        with pytest.raises(CommandError, match="Another build"):
            call_command("build_open_data", root=root)
    assert not (root / "current").exists()


def test_the_command_reports_what_it_built(root, provider, capsys):
    call_command("build_open_data", root=root)

    out = capsys.readouterr().out
    assert "1 providers, 14 files" in out
    assert "MB gzipped" in out and "peak RSS" in out and "every organization validated" in out
    assert (root / "current" / "datapackage.json").exists()


def test_reading_in_chunks_keeps_the_number_of_queries_per_chunk(django_assert_num_queries):
    for index in range(6):
        f.ProviderFactory(slug=f"chunked-{index}")
        f.DeliveryCentreFactory(provider=m.Provider.objects.get(slug=f"chunked-{index}"))

    # Taxonomies (9 queries), then 15 per chunk and 1 to find the end. Partnership kinds
    # are one more taxonomy, and the partnerships offered and sought two more link tables
    # read per chunk (0013_provider_type_partnerships).
    with django_assert_num_queries(9 + 2 * 15 + 1):
        listings = list(published_listings(today=TODAY, chunk_size=3))
    with django_assert_num_queries(9 + 1 * 15 + 1):
        assert len(list(published_listings(today=TODAY, chunk_size=6))) == 6

    assert [listing.pk for listing in listings] == sorted(listing.pk for listing in listings)
    assert len(listings) == 6
