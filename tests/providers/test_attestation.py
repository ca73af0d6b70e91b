"""Re-attestation: one-click confirmation, reminders before a listing or report gets old."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from buyers.search.current import search_data_token
from providers.models import AttestationReminder, ListingStatus, Provider, ReminderKind
from providers.models.dates import months_after, months_before
from providers.services.access import StaleEditError
from providers.services.attestation import (
    CONFIRM_REASON,
    REMINDER_LEAD_DAYS,
    attestation_reminders_send,
    provider_confirm,
    reminders_due,
)
from tests.factories import ImpactReportFactory, IsspUserFactory, MembershipFactory
from tests.mail_backends import REFUSED_DOMAIN
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
DAY = datetime.timedelta(days=1)


def days_before(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# --------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------


def test_months_are_calendar_months_clamped_to_the_month_end():
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2028, 2, 29), 12) == datetime.date(2027, 2, 28)
    assert months_after(datetime.date(2024, 2, 29), 24) == datetime.date(2026, 2, 28)
    assert months_after(datetime.date(2026, 12, 1), 1) == datetime.date(2027, 1, 1)


def test_a_listing_never_confirmed_counts_from_its_first_publication_then_its_creation():
    provider, _owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    provider.created_at = timezone.now() - datetime.timedelta(days=900)
    assert provider.confirmed_on == days_before(900)
    assert provider.is_unconfirmed()
    provider.published_at = timezone.now() - datetime.timedelta(days=30)
    assert provider.confirmed_on == days_before(30)
    assert not provider.is_unconfirmed()
    provider.assured_date = days_before(800)
    assert provider.is_unconfirmed()


def test_the_mark_starts_the_day_after_exactly_24_months():
    provider, _owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    provider.assured_date = months_before(TODAY, 24)
    assert not provider.is_unconfirmed(on=TODAY)
    assert provider.is_unconfirmed(on=TODAY + DAY)
    unconfirmed = Provider.objects.unconfirmed
    provider.save()
    assert list(unconfirmed(on=TODAY)) == []
    assert list(unconfirmed(on=TODAY + DAY)) == [provider]


# --------------------------------------------------------------------------
# Confirming
# --------------------------------------------------------------------------


def test_a_member_confirms_the_listing_with_a_history_row_and_no_new_version():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    Provider.objects.filter(pk=provider.pk).update(assured_date=days_before(400))
    provider.refresh_from_db()
    version, updated_at, history = provider.version, provider.updated_at, provider.history.count()

    assert provider_confirm(provider=provider, user=owner, version=version) is True

    provider.refresh_from_db()
    assert provider.assured_date == timezone.localdate()
    assert provider.version == version  # nobody's edit in progress is refused
    assert provider.updated_at == updated_at  # "recently updated" is about changed facts
    assert provider.status == ListingStatus.PUBLISHED
    assert provider.history.count() == history + 1
    last = provider.history.first()
    assert last.history_change_reason == CONFIRM_REASON
    assert last.history_user == owner
    assert last.assured_date == timezone.localdate()
    # Twice on one day writes nothing more.
    assert provider_confirm(provider=provider, user=owner, version=version) is False
    assert provider.history.count() == history + 1


def test_confirming_is_refused_to_outsiders_for_unpublished_and_for_changed_listings():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    with pytest.raises(PermissionDenied):
        provider_confirm(provider=provider, user=IsspUserFactory(), version=provider.version)
    with pytest.raises(StaleEditError):
        provider_confirm(provider=provider, user=owner, version=provider.version - 1 or 99)
    draft, draft_owner = listing_with_owner(status=ListingStatus.DRAFT)
    with pytest.raises(ValidationError, match="Only a published listing"):
        provider_confirm(provider=draft, user=draft_owner, version=draft.version)
    assert not Provider.objects.filter(assured_date__isnull=False).exists()


def test_confirming_a_marked_listing_tells_search_and_a_fresh_one_does_not_on_postgresql():
    marked, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    fresh = MembershipFactory(user=owner).provider
    Provider.objects.filter(pk=marked.pk).update(assured_date=days_before(800))
    Provider.objects.filter(pk=fresh.pk).update(assured_date=days_before(300))
    marked.refresh_from_db()
    fresh.refresh_from_db()

    before = search_data_token()
    provider_confirm(provider=marked, user=owner, version=marked.version)
    assert search_data_token() != before  # the result card loses its mark

    before = search_data_token()
    provider_confirm(provider=fresh, user=owner, version=fresh.version)
    if connection.vendor == "postgresql":
        # No search index holds the date; rebuilding every worker's would be waste.
        assert search_data_token() == before


# --------------------------------------------------------------------------
# Which reminders are due
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confirmed_months_ago_minus_days", "expected"),
    [
        ((12, -(REMINDER_LEAD_DAYS + 1)), []),  # 31 days before it turns 12 months old
        ((12, -REMINDER_LEAD_DAYS), [12]),  # 30 days before
        ((12, 0), [12]),
        ((23, 0), [12]),
        ((24, -(REMINDER_LEAD_DAYS + 1)), [12]),
        ((24, -REMINDER_LEAD_DAYS), [24]),
        ((40, 0), [24]),  # already far past: only the mark's reminder
    ],
)
def test_reminders_are_due_30_days_before_12_and_24_months(
    confirmed_months_ago_minus_days, expected
):
    months, days = confirmed_months_ago_minus_days
    # Counted so that it turns `months` old `-days` days from TODAY.
    confirmed_on = months_before(TODAY - datetime.timedelta(days=days), months)
    due = reminders_due(confirmed_on=confirmed_on, report_end=None, today=TODAY)
    assert [r.threshold_months for r in due] == expected
    assert all(r.kind == ReminderKind.CONFIRMATION for r in due)


def test_the_report_is_counted_from_its_period_end():
    due = reminders_due(confirmed_on=TODAY, report_end=months_before(TODAY, 24) - DAY, today=TODAY)
    assert [(r.kind, r.threshold_months, r.is_marked) for r in due] == [("report", 24, True)]


# --------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------


def run_command():
    mail.outbox.clear()
    out = io.StringIO()
    call_command("send_attestation_reminders", stdout=out)
    return list(mail.outbox), out.getvalue()


def old_listing(*, confirmed_days_ago, report_end_days_ago=None, members=("a@issp.example",)):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    owner.delete()
    for email in members:
        MembershipFactory(provider=provider, user=IsspUserFactory(email=email))
    Provider.objects.filter(pk=provider.pk).update(assured_date=days_before(confirmed_days_ago))
    if report_end_days_ago is not None:
        end = days_before(report_end_days_ago)
        ImpactReportFactory(
            provider=provider, period_start=end - datetime.timedelta(days=364), period_end=end
        )
    provider.refresh_from_db()
    return provider


def test_one_email_per_member_with_both_reminders_and_the_confirm_link(settings):
    settings.SITE_URL = "https://impactdir.example"
    provider = old_listing(
        confirmed_days_ago=350,
        report_end_days_ago=800,
        members=("owner@issp.example", "editor@issp.example"),
    )
    old_listing(confirmed_days_ago=100, report_end_days_ago=100)  # nothing due
    old_listing(confirmed_days_ago=400, members=())  # nobody to tell

    outbox, output = run_command()

    assert sorted(m.to[0] for m in outbox) == ["editor@issp.example", "owner@issp.example"]
    message = outbox[0]
    assert provider.name in message.subject and "marked" in message.subject
    confirm_url = f"https://impactdir.example/dashboard/listings/{provider.pk}/#confirm"
    assert confirm_url in message.body
    assert f"https://impactdir.example/dashboard/listings/{provider.pk}/reports/" in message.body
    assert "stale" in message.body
    assert "1 reminder e-mail(s) sent." in output
    sent = AttestationReminder.objects.filter(provider=provider)
    assert sorted(sent.values_list("kind", "threshold_months")) == [
        ("confirmation", 12),
        ("report", 24),
    ]

    outbox, output = run_command()
    assert outbox == []
    assert "0 reminder e-mail(s) sent." in output


def test_each_threshold_is_sent_once_and_a_new_confirmation_starts_a_new_cycle():
    provider = old_listing(confirmed_days_ago=0)
    confirmed = provider.assured_date
    for on, expected in [
        (months_after(confirmed, 12) - datetime.timedelta(days=31), 0),
        (months_after(confirmed, 12) - datetime.timedelta(days=30), 1),
        (months_after(confirmed, 12), 0),
        (months_after(confirmed, 24) - datetime.timedelta(days=30), 1),
        (months_after(confirmed, 30), 0),
    ]:
        mail.outbox.clear()
        assert attestation_reminders_send(today=on).sent == expected, on
        assert len(mail.outbox) == expected
    # Confirmed again (a year later): its 12-month reminder comes again.
    Provider.objects.filter(pk=provider.pk).update(assured_date=months_after(confirmed, 30))
    assert attestation_reminders_send(today=months_after(confirmed, 42)).sent == 1


def test_the_subject_says_what_is_due():
    old_listing(confirmed_days_ago=350)
    old_listing(confirmed_days_ago=10, report_end_days_ago=350)
    subjects = sorted(m.subject for m in run_command()[0])
    assert subjects[0].startswith("Is “") and subjects[0].endswith("Please confirm your listing")
    assert subjects[1].startswith("Time for a newer impact report for “")


def test_only_published_listings_are_reminded():
    provider = old_listing(confirmed_days_ago=400)
    Provider.objects.filter(pk=provider.pk).update(status=ListingStatus.SUSPENDED)
    assert attestation_reminders_send().sent == 0
    assert not AttestationReminder.objects.exists()


def test_a_refused_recipient_does_not_stop_the_others_and_is_retried(settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.RefusingEmailBackend"}}
    first = old_listing(confirmed_days_ago=400, members=("first@issp.example",))
    broken = old_listing(confirmed_days_ago=400, members=(f"gone@{REFUSED_DOMAIN}",))
    last = old_listing(confirmed_days_ago=400, members=("last@issp.example",))

    with pytest.raises(CommandError, match=rf"1 listing\(s\) failed .*ids: {broken.pk}\)"):
        run_command()

    assert sorted(m.to[0] for m in mail.outbox) == ["first@issp.example", "last@issp.example"]
    assert f"Attestation reminder for provider {broken.pk} failed" in caplog.text
    assert set(AttestationReminder.objects.values_list("provider_id", flat=True)) == {
        first.pk,
        last.pk,
    }
    # The address is fixed: the next run sends only the one that failed.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    outbox, _output = run_command()
    assert [m.to[0] for m in outbox] == [f"gone@{REFUSED_DOMAIN}"]


@pytest.mark.parametrize("listings", [1, 3])
def test_the_run_reads_the_same_queries_however_many_listings_are_due(
    listings, django_assert_num_queries
):
    for n in range(listings):
        old_listing(
            confirmed_days_ago=400, report_end_days_ago=400, members=(f"m{n}@issp.example",)
        )
    # Reads, once a run: the candidates, their reminders sent, their members, the
    # members' languages. Per listing, its own transaction: a savepoint here (a real run
    # begins and commits), the reminders' insert, the release.
    with django_assert_num_queries(4 + 3 * listings) as queries:
        assert attestation_reminders_send().sent == listings
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 4, reads
