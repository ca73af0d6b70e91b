"""The directory's verification of impact reports: the service, the admin, every output.

An operator records what was checked, and the public sees "Verified by the
directory" apart from the provider's own provenance claim (self-reported,
document-backed, third-party). Any edit of a verified report sets it back to
unverified, whichever way the edit arrives.
"""

import csv
import datetime
import io

import frictionless
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator

from impactdir import l10n
from providers import models as m
from providers.opendata import hsds
from providers.services.parts import report_save
from providers.services.submission import provider_submit
from providers.services.vetting import changes_approve, report_set_verification
from tests.factories import (
    BuyerFactory,
    ImpactReportFactory,
    ProviderFactory,
    StaffFactory,
    TargetGroupFactory,
)
from tests.providers.listing_helpers import listing_with_owner, report_values

from .opendata_helpers import build, full_listing, hsds_organization, table

pytestmark = pytest.mark.django_db

REPORTS = reverse("admin:providers_impactreport_changelist")
CHECKED = "Payroll summary for 2025 and the auditor's letter."


@pytest.fixture
def staff():
    return StaffFactory(email="operator@impactdir.example")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def latest_history(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


def verified_report(staff, **fields):
    report = ImpactReportFactory(**fields)
    return report_set_verification(
        report=report, by=staff, state=m.VerificationState.VERIFIED, notes=CHECKED
    )


def report_on_listing(status, staff):
    """An owner's listing in `status` with one verified report in report_values' period."""
    provider, owner = listing_with_owner(status=status)
    report = ImpactReportFactory(
        provider=provider,
        **{k: v for k, v in report_values().items() if k != "provenance"},
    )
    report_set_verification(
        report=report, by=staff, state=m.VerificationState.VERIFIED, notes=CHECKED
    )
    provider.refresh_from_db()
    return provider, owner, report


# --------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------


def test_verify_records_what_was_checked_by_whom_and_when(staff):
    report = ImpactReportFactory(provenance=m.Provenance.SELF_REPORTED)
    before = timezone.now()

    report_set_verification(
        report=report, by=staff, state=m.VerificationState.VERIFIED, notes=f"  {CHECKED}  "
    )

    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.VERIFIED
    assert report.is_verified_by_directory
    assert report.directory_verification_notes == CHECKED
    assert report.directory_verified_by == staff
    assert report.directory_verified_at >= before
    # The provider's provenance claim is a separate fact and stays as it was.
    assert report.provenance == m.Provenance.SELF_REPORTED
    entry = latest_history(report)
    assert entry.history_user == staff
    assert entry.history_change_reason.startswith("Directory verification: Verified: Payroll")


@pytest.mark.parametrize("notes", ["", "   "])
def test_verify_without_saying_what_was_checked_changes_nothing(staff, notes):
    report = ImpactReportFactory()
    with pytest.raises(ValidationError) as excinfo:
        report_set_verification(
            report=report, by=staff, state=m.VerificationState.VERIFIED, notes=notes
        )
    assert "Say what was checked" in excinfo.value.messages[0]
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED
    assert report.directory_verified_at is None


def test_an_unknown_state_is_refused(staff):
    report = ImpactReportFactory()
    with pytest.raises(ValidationError):
        report_set_verification(report=report, by=staff, state="trusted", notes=CHECKED)
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED


def test_could_not_be_verified_and_back_to_unverified(staff):
    report = ImpactReportFactory()
    report_set_verification(
        report=report, by=staff, state=m.VerificationState.REJECTED, notes="Payroll did not match."
    )
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.REJECTED
    assert report.directory_verified_by == staff

    report_set_verification(report=report, by=staff, state=m.VerificationState.UNVERIFIED)
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED
    assert report.directory_verification_notes == ""
    assert report.directory_verified_by is None
    assert report.directory_verified_at is None


def test_the_database_refuses_a_check_without_a_date():
    from django.db import IntegrityError, transaction

    report = ImpactReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.ImpactReport.objects.filter(pk=report.pk).update(
            directory_verification=m.VerificationState.VERIFIED
        )


# --------------------------------------------------------------------------
# An edit afterwards needs verification again
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "groups"),
    [
        ({"impact_workers": 130}, None),
        ({"impact_worker_definition": "Hired from a target group, any time."}, None),
        ({"provenance": m.Provenance.THIRD_PARTY, "verifier": "Fictional Audit Ltd"}, None),
        ({}, "add a group"),
    ],
    ids=["figure", "definition", "provenance", "target groups"],
)
def test_editing_a_verified_report_on_the_dashboard_resets_it(staff, data, groups):
    provider, owner, report = report_on_listing(m.ListingStatus.DRAFT, staff)
    group_counts = {TargetGroupFactory().pk: 20} if groups else {}

    report_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data=report_values(**data),
        groups=group_counts,
        report=report,
    )

    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED
    assert report.directory_verified_by is None
    assert report.directory_verified_at is None
    assert report.directory_verification_notes == ""
    # (Who edited is named by the request middleware on the dashboard.)
    assert latest_history(report).history_change_reason == (
        "Edited: to be verified by the directory again"
    )


def test_saving_a_verified_report_unchanged_keeps_the_check(staff):
    provider, owner, report = report_on_listing(m.ListingStatus.DRAFT, staff)

    report_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data=report_values(),
        groups={},
        report=report,
    )

    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.VERIFIED
    assert report.directory_verified_by == staff


def test_a_change_to_a_published_report_keeps_the_check_until_it_is_approved(staff):
    provider, owner, report = report_on_listing(m.ListingStatus.PUBLISHED, staff)

    report_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data=report_values(impact_workers=150),
        groups={},
        report=report,
    )
    provider_submit(provider=provider, user=owner)

    # The public still sees the verified figures: the proposal waits.
    report.refresh_from_db()
    assert report.impact_workers == 120
    assert report.directory_verification == m.VerificationState.VERIFIED

    changes_approve(provider=provider, by=staff)

    report.refresh_from_db()
    assert report.impact_workers == 150
    assert report.directory_verification == m.VerificationState.UNVERIFIED
    assert report.directory_verified_at is None


def test_adding_a_new_report_leaves_other_checks_alone(staff):
    provider, owner, report = report_on_listing(m.ListingStatus.DRAFT, staff)

    new = report_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data=report_values(
            period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 6, 30)
        ),
        groups={},
    )

    assert new.directory_verification == m.VerificationState.UNVERIFIED
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.VERIFIED


# --------------------------------------------------------------------------
# Admin
# --------------------------------------------------------------------------


def test_operator_verifies_a_report_saying_what_was_checked(staff_client, staff):
    report = ImpactReportFactory(provider=ProviderFactory(name="Checked Ltd"))
    chosen = {"action": "verify_reports", ACTION_CHECKBOX_NAME: [str(report.pk)], "index": "0"}

    form = staff_client.post(REPORTS, chosen)
    assert form.status_code == 200
    assert "What was checked" in form.text
    # Without the text nothing changes.
    again = staff_client.post(REPORTS, {**chosen, "text": "", "apply": "Apply"})
    assert "Say what was checked." in again.text
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED

    done = staff_client.post(REPORTS, {**chosen, "text": CHECKED, "apply": "Apply"}, follow=True)

    assert "verified by the directory" in done.text
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.VERIFIED
    assert report.directory_verified_by == staff
    assert report.directory_verification_notes == CHECKED
    # The report's page shows who checked, when and what; the fields are not editable.
    page = staff_client.get(reverse("admin:providers_impactreport_change", args=[report.pk]))
    assert f"Verified by {staff}" in page.text
    assert CHECKED.replace("'", "&#x27;") in page.text
    assert 'name="directory_verification"' not in page.text
    assert 'name="directory_verified_by"' not in page.text


def test_operator_marks_a_report_as_could_not_be_verified(staff_client, staff):
    report = ImpactReportFactory()
    staff_client.post(
        REPORTS,
        {
            "action": "mark_reports_unverifiable",
            ACTION_CHECKBOX_NAME: [str(report.pk)],
            "text": "The payroll summary covers another year.",
            "apply": "Apply",
        },
    )
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.REJECTED


def test_editing_a_verified_report_in_admin_resets_it(staff_client, staff):
    report = verified_report(staff)
    page = staff_client.get(reverse("admin:providers_impactreport_change", args=[report.pk]))
    form = page.context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else "" for name in form.fields
    }
    data.update(
        {
            "provider": report.provider_id,
            "impact_workers": 61,
            "groups-TOTAL_FORMS": "0",
            "groups-INITIAL_FORMS": "0",
        }
    )

    response = staff_client.post(
        reverse("admin:providers_impactreport_change", args=[report.pk]), data
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    report.refresh_from_db()
    assert report.impact_workers == 61
    assert report.directory_verification == m.VerificationState.UNVERIFIED
    entry = latest_history(report)
    assert entry.history_user == staff
    assert entry.prev_record.directory_verification == m.VerificationState.VERIFIED


@pytest.mark.parametrize("who", ["anonymous", "buyer", "member"])
def test_non_staff_cannot_verify_reports(who, client):
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED)
    report = ImpactReportFactory(provider=provider)
    if who == "buyer":
        client.force_login(BuyerFactory())
    elif who == "member":
        client.force_login(owner)

    for url in (REPORTS, reverse("admin:providers_impactreport_change", args=[report.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(
        REPORTS,
        {
            "action": "verify_reports",
            ACTION_CHECKBOX_NAME: [str(report.pk)],
            "text": CHECKED,
            "apply": "Apply",
        },
    )
    assert response["Location"].startswith(reverse("admin:login"))
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED


def test_staff_who_may_only_view_reports_cannot_verify_them(client):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_impactreport", content_type__app_label="providers")
    )
    client.force_login(viewer)
    report = ImpactReportFactory()

    page = client.get(REPORTS)
    assert page.status_code == 200
    assert "verify_reports" not in page.text
    client.post(
        REPORTS,
        {
            "action": "verify_reports",
            ACTION_CHECKBOX_NAME: [str(report.pk)],
            "text": CHECKED,
            "apply": "Apply",
        },
    )
    report.refresh_from_db()
    assert report.directory_verification == m.VerificationState.UNVERIFIED


@pytest.mark.parametrize("count", [1, 20])
def test_report_list_query_count_does_not_grow(count, staff_client, django_assert_max_num_queries):
    for _ in range(count):
        ImpactReportFactory()
    with django_assert_max_num_queries(12):
        assert staff_client.get(REPORTS + "?waiting=yes").status_code == 200


# --------------------------------------------------------------------------
# Every output shows it, apart from the provider's claim
# --------------------------------------------------------------------------


def test_profile_shows_verified_by_the_directory_apart_from_the_claim(client, staff):
    provider = ProviderFactory(slug="checked-co")
    report = verified_report(
        staff,
        provider=provider,
        provenance=m.Provenance.THIRD_PARTY,
        verifier="Fictional Audit Ltd",
    )
    verified_on = timezone.localdate(report.directory_verified_at)

    html = client.get(provider.get_absolute_url()).text

    assert "Verified by the directory" in html
    assert f"on {verified_on:%-d %B %Y}" in html
    assert CHECKED.replace("'", "&#x27;") in html
    assert "Third-party verified (provider&#x27;s claim)" in html
    assert "Impact figures verified by the directory" in html
    # The operator's identity stays in admin.
    assert staff.email not in html and str(staff.name) not in html


def test_profile_of_an_unchecked_report_says_so(client, staff):
    provider = ProviderFactory(slug="unchecked-co")
    ImpactReportFactory(provider=provider, is_latest=False)
    verified_report(
        staff,
        provider=provider,
        is_latest=True,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
    )
    m.ImpactReport.objects.filter(provider=provider, is_latest=True).update(
        directory_verification=m.VerificationState.REJECTED
    )
    earlier = ImpactReportFactory(
        provider=provider,
        is_latest=False,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 12, 31),
    )
    report_set_verification(
        report=earlier, by=staff, state=m.VerificationState.VERIFIED, notes=CHECKED
    )

    html = client.get(provider.get_absolute_url()).text

    assert "The directory could not verify these figures" in html
    assert "Impact figures verified by the directory" not in html
    # The earlier report's row names its check.
    assert "Self-reported; verified by the directory" in html


def test_profile_query_count_stays_the_same(client, staff, django_assert_max_num_queries):
    provider = ProviderFactory(slug="counted-co")
    verified_report(staff, provider=provider)
    with django_assert_max_num_queries(4):
        assert client.get(provider.get_absolute_url()).status_code == 200


def test_compare_has_a_row_for_the_directory_check(client, staff):
    checked = ProviderFactory(slug="compare-checked")
    report = verified_report(staff, provider=checked, provenance=m.Provenance.SELF_REPORTED)
    unchecked = ProviderFactory(slug="compare-unchecked")
    ImpactReportFactory(provider=unchecked, provenance=m.Provenance.THIRD_PARTY, verifier="X Ltd")

    html = client.get(reverse("buyers:compare") + "?p=compare-checked&p=compare-unchecked").text

    start = html.index('<th scope="row">Verified by the directory')
    row = html[start : html.index("</tr>", start)]
    assert f"Yes, on {l10n.date(report.directory_verified_at)}" in row
    assert "Not yet" in row


def test_csv_export_has_the_directory_check_columns(client, staff):
    client.force_login(BuyerFactory())
    checked = ProviderFactory(name="A Checked", slug="a-checked")
    report = verified_report(
        staff, provider=checked, provenance=m.Provenance.THIRD_PARTY, verifier="Fictional Audit Ltd"
    )
    ImpactReportFactory(provider=ProviderFactory(name="B Unchecked", slug="b-unchecked"))

    response = client.get(reverse("buyers:export_search") + "?sort=name")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(text))}

    assert rows["A Checked"]["report_provenance"] == "third-party"
    assert rows["A Checked"]["report_directory_verification"] == "verified"
    assert rows["A Checked"]["report_directory_verified_on"] == (
        timezone.localdate(report.directory_verified_at).isoformat()
    )
    assert rows["B Unchecked"]["report_directory_verification"] == "unverified"
    assert rows["B Unchecked"]["report_directory_verified_on"] == ""


def test_open_data_json_and_csv_show_the_directory_check(tmp_path, staff):
    root = tmp_path / "open-data"
    provider = full_listing()
    latest = provider.reports.get(is_latest=True)
    report_set_verification(
        report=latest, by=staff, state=m.VerificationState.VERIFIED, notes=CHECKED
    )
    latest.refresh_from_db()
    verified_on = timezone.localdate(latest.directory_verified_at).isoformat()

    build(root)

    reports = hsds_organization(root, provider)["impactdir"]["impact_reports"]
    newest, older = reports
    assert newest["provenance"] == "third-party"
    assert newest["directory_verification"] == "verified"
    assert newest["directory_verified_on"] == verified_on
    assert newest["directory_verification_checks"] == CHECKED
    assert older["directory_verification"] == "unverified"
    assert older["directory_verified_on"] is None
    assert older["directory_verification_checks"] == ""
    validator = Draft202012Validator(
        hsds.schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert list(validator.iter_errors(hsds_organization(root, provider))) == []

    rows = sorted(table(root, "impact_reports"), key=lambda r: r["period_end"], reverse=True)
    assert [r["directory_verification"] for r in rows] == ["verified", "unverified"]
    assert rows[0]["directory_verified_on"] == verified_on
    assert rows[0]["directory_verification_checks"] == CHECKED
    assert rows[1]["directory_verified_on"] == ""
    report = frictionless.validate(str(root / "current" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]


def test_field_documentation_names_the_directory_check(client):
    html = client.get(reverse("opendata:fields")).text
    assert "directory_verification" in html
    assert "directory_verified_on" in html
    assert "apart from its provenance" in html


def test_the_dashboard_shows_the_provider_which_reports_the_directory_verified(client, staff):
    provider, owner, report = report_on_listing(m.ListingStatus.PUBLISHED, staff)
    ImpactReportFactory(
        provider=provider,
        is_latest=False,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 12, 31),
    )
    client.force_login(owner)

    html = client.get(reverse("dashboard:reports", args=[provider.pk])).text

    assert html.count("Verified by the directory</span>") == 1
    assert "needs verifying again once you change it" in html
    # Another listing's member sees none of it.
    client.force_login(listing_with_owner()[1])
    assert client.get(reverse("dashboard:reports", args=[provider.pk])).status_code in (403, 404)
