"""`seed_demo` fills the demo buyer's workspace: shortlist, saved search, answered inquiry."""

import importlib
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from buyers.models import (
    AlertFrequency,
    EntryNote,
    Inquiry,
    InquiryMessage,
    InquiryStatus,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
)
from providers import demo
from providers.disclosure import THRESHOLD
from providers.models import ListingStatus, Membership, Provider
from tests.factories import BuyerFactory, IsspUserFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomies():
    """The real taxonomies (an earlier test's flush may have removed them)."""
    importlib.import_module("providers.migrations.0002_seed_taxonomies").seed(apps, None)


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def demo_user(login):
    return get_user_model().objects.get(email=login.email)


def workspace_rows():
    return (
        list(Shortlist.objects.values_list("pk", "owner", "name")),
        list(ShortlistEntry.objects.values_list("pk", "provider")),
        list(EntryNote.objects.values_list("pk", "entry", "author", "text", "shared")),
        list(SavedSearch.objects.values_list("pk", "owner", "query_string", "frequency")),
        list(Inquiry.objects.values_list("pk", "buyer", "provider", "last_message_at")),
        list(InquiryMessage.objects.values_list("pk", "author", "from_provider", "body")),
    )


def test_demo_buyer_gets_a_shortlist_a_saved_search_and_an_answered_inquiry(taxonomies):
    before = timezone.now()
    out = seed("--providers", "60")
    buyer, staff = demo_user(demo.DEMO_BUYER), demo_user(demo.DEMO_ISSP)
    owned = Provider.objects.get(memberships__user=staff, status=ListingStatus.PUBLISHED)

    shortlist = Shortlist.objects.get(owner=buyer)
    entries = list(shortlist.entries.select_related("provider").order_by("position"))
    assert 2 <= len(entries) <= demo.workspace.SHORTLIST_SIZE
    assert entries[0].provider == owned
    assert [e.position for e in entries] == list(range(len(entries)))
    service = owned.services.order_by("pk").first().service
    for entry in entries:
        assert entry.provider.status == ListingStatus.PUBLISHED
        assert entry.provider.services.filter(service=service).exists()
        # The demo buyer's own note, private as a note is until its author shares it.
        note = entry.notes.get(author=buyer)
        assert not note.shared
        assert note.text.startswith(service.name)
        for holding in entry.provider.certifications.select_related("certification"):
            held = holding.certification.name in note.text
            assert held == (holding in entry.provider.certifications.valid()) or (
                # The same certification may be held twice, once expired.
                entry.provider.certifications.filter(certification=holding.certification).count()
                > 1
            )
    assert f"has the shortlist “{shortlist.name}” ({len(entries)} providers)" in out

    saved = SavedSearch.objects.get(owner=buyer)
    assert saved.frequency == AlertFrequency.WEEKLY
    assert f"service={service.slug}" in saved.query_string
    assert re.search(r"country=[A-Z]{2}", saved.query_string)

    inquiry = Inquiry.objects.get(buyer=buyer)
    assert inquiry.provider == owned
    assert inquiry.shortlist == shortlist
    assert inquiry.status == InquiryStatus.OPEN
    question, answer = inquiry.messages.order_by("created_at")
    assert (question.author, question.from_provider) == (buyer, False)
    assert (answer.author, answer.from_provider) == (staff, True)
    # Dated back: sent days ago, answered a day later; the thread is ordered by the answer.
    assert question.created_at == inquiry.created_at < answer.created_at < before
    assert inquiry.last_message_at == answer.created_at
    assert before - inquiry.created_at > demo.workspace.INQUIRY_SENT_AGO / 2
    assert "answered" in out
    # Generated, not written: nobody was e-mailed.
    assert mail.outbox == []


def test_the_answer_quotes_the_listing_s_own_figures(taxonomies):
    seed("--providers", "60")
    inquiries = [Inquiry.objects.get(buyer=demo_user(demo.DEMO_BUYER))]
    # The demo ISSP user's listing is small; a large one answers in numbers.
    large = (
        Provider.objects.published()
        .filter(workforce__gte=200, reports__is_latest=True, reports__impact_workers__gte=20)
        .order_by("pk")
        .first()
    )
    staff = IsspUserFactory()
    MembershipFactory(provider=large, user=staff)
    made = demo.demo_workspace_ensure(buyer=BuyerFactory(), staff=staff)
    inquiries.append(made.inquiry)
    branches = set()
    for inquiry in inquiries:
        answer = inquiry.messages.get(from_provider=True).body
        centre = inquiry.provider.centres.order_by("-headcount", "pk").first()
        report = inquiry.provider.reports.get(is_latest=True)
        assert centre.city in answer
        if match := re.search(r"a team of (\d+) people", answer):
            branches.add("team")
            assert THRESHOLD <= int(match[1]) <= centre.headcount
        else:
            branches.add("small team")
            assert centre.headcount < 2 * THRESHOLD and "a small team" in answer
        if match := re.search(r"About (\d+)% of our people are impact workers", answer):
            branches.add("share")
            assert report.impact_workers >= THRESHOLD
            assert int(match[1]) == report.impact_share
        else:
            branches.add("share in words")
            assert report.impact_workers < THRESHOLD
            most = 2 * report.impact_workers > report.total_employees
            assert f"{'Most' if most else 'Some'} of our people are impact workers" in answer
    assert {"team", "share"} <= branches


def test_the_workspace_pages_show_it_to_the_buyer_and_the_answer_to_the_provider(
    client, taxonomies
):
    seed("--providers", "60")
    buyer, staff = demo_user(demo.DEMO_BUYER), demo_user(demo.DEMO_ISSP)
    shortlist = Shortlist.objects.get(owner=buyer)
    saved = SavedSearch.objects.get(owner=buyer)
    inquiry = Inquiry.objects.get(buyer=buyer)
    answer = inquiry.messages.get(from_provider=True)

    client.force_login(buyer)
    page = client.get(reverse("buyers:shortlist_detail", kwargs={"pk": shortlist.pk}))
    assert page.status_code == 200
    for entry in shortlist.entries.select_related("provider"):
        assert entry.provider.name in page.text
    assert shortlist.name in client.get(reverse("buyers:shortlists")).text
    assert saved.name in client.get(reverse("buyers:searches")).text
    results = client.get(saved.get_search_url())
    assert inquiry.provider.name in results.text
    assert inquiry.subject in client.get(reverse("buyers:inquiries")).text
    thread = client.get(inquiry.get_buyer_url()).text
    assert answer.body.split("\n\n")[1][:40] in thread

    client.force_login(staff)
    assert inquiry.subject in client.get(reverse("dashboard:inbox")).text
    assert client.get(inquiry.get_provider_url()).status_code == 200

    # Someone else's workspace stays theirs.
    client.force_login(BuyerFactory())
    assert client.get(inquiry.get_buyer_url()).status_code == 404
    assert client.get(shortlist.get_absolute_url()).status_code == 404


def test_seeding_again_adds_nothing_and_keeps_what_the_buyer_changed(taxonomies):
    seed("--providers", "60")
    rows = workspace_rows()
    seed("--providers", "60")
    seed("--providers", "80")
    assert workspace_rows() == rows

    buyer = demo_user(demo.DEMO_BUYER)
    Shortlist.objects.filter(owner=buyer).update(name="Renamed by the buyer")
    SavedSearch.objects.filter(owner=buyer).delete()
    out = seed("--providers", "80")
    # Only the missing kind is made again; the renamed shortlist and the inquiry stay.
    assert Shortlist.objects.get(owner=buyer).name == "Renamed by the buyer"
    assert SavedSearch.objects.filter(owner=buyer).count() == 1
    assert Inquiry.objects.filter(buyer=buyer).count() == 1
    assert "saved search" in out and "shortlist" not in out


def test_if_empty_leaves_an_existing_directory_and_workspace_alone(taxonomies):
    seed("--providers", "40")
    rows = workspace_rows()
    Inquiry.objects.all().delete()
    out = seed("--providers", "40", "--if-empty")
    assert "not loaded" in out
    assert not Inquiry.objects.exists()
    assert workspace_rows()[:3] == rows[:3]


def test_nothing_is_made_without_a_published_listing_of_the_issp_user(taxonomies):
    seed("--providers", "0")
    assert not Shortlist.objects.exists()
    assert not SavedSearch.objects.exists()
    assert not Inquiry.objects.exists()

    seed("--providers", "40")
    assert Inquiry.objects.count() == 1
    # The ISSP user's listing unpublished: the workspace function makes nothing new.
    Inquiry.objects.all().delete()
    staff = demo_user(demo.DEMO_ISSP)
    Provider.objects.filter(memberships__user=staff).update(status=ListingStatus.SUSPENDED)
    made = demo.demo_workspace_ensure(buyer=demo_user(demo.DEMO_BUYER), staff=staff)
    assert not made
    assert not Inquiry.objects.exists()
    assert Membership.objects.filter(user=staff).count() == 2


def test_demo_logins_says_what_the_buyer_will_find(taxonomies):
    seed("--providers", "20")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "Buyer (has a shortlist, a saved search and an answered inquiry)" in out.getvalue()
