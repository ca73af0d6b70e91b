"""Operators decide the changes to vetted facts a published listing's members sent for review.

Services (providers.services.vetting.changes_approve / changes_reject /
listing_reinstate) and the admin that calls them, through the real admin with
the test client. The members' side uses the real ISSP services to propose and
send changes.
"""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from providers import models as m
from providers.services.parts import certification_save, provider_update_profile, report_save
from providers.services.submission import provider_submit
from providers.services.team import member_invite
from providers.services.vetting import (
    changes_approve,
    changes_reject,
    listing_reinstate,
    listing_suspend,
)
from tests.factories import (
    BuyerFactory,
    CertificationFactory,
    CertificationHoldingFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
)
from tests.providers.listing_helpers import listing_with_owner, report_values

pytestmark = pytest.mark.django_db

PROVIDERS = reverse("admin:providers_provider_changelist")
CHANGES = reverse("admin:providers_pendingchange_changelist")
INVITATIONS = reverse("admin:providers_invitation_changelist")
QUEUE = f"{PROVIDERS}?changes=submitted"


@pytest.fixture
def staff():
    return StaffFactory(email="operator@impactdir.example")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit e-mails of whatever happens inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def published(name="Mombasa Data Works", **fields):
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED, name=name, **fields)
    owner.email = f"owner@{provider.slug}.example"
    owner.save()
    return provider, owner


def propose_rename(provider, owner, name, *, send=True):
    provider.refresh_from_db()
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": name}
    )
    if send:
        provider_submit(provider=provider, user=owner)
    provider.refresh_from_db()


def latest_history(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


def message_texts(response):
    return [str(message) for message in response.wsgi_request._messages]


def run_action(client, name, objects, url=PROVIDERS, **extra):
    return client.post(
        url,
        {
            "action": name,
            ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects],
            "index": "0",
            **extra,
        },
    )


def apply_with_text(client, name, objects, text):
    """Submit the intermediate decision form as its hidden fields post it back."""
    return client.post(
        PROVIDERS,
        {
            "action": name,
            ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects],
            "text": text,
            "apply": "Apply",
        },
    )


def found_by_search(client, provider, query):
    """Whether the public search for `query` lists the provider (cards link to its profile)."""
    page = client.get(reverse("search"), {"q": query})
    assert page.status_code == 200
    return f'href="{provider.get_absolute_url()}"' in page.text


# --------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------


def test_approve_makes_a_sent_rename_public_only_then(client, staff, on_commit):
    provider, owner = published(name="Mombasa Data Works")
    propose_rename(provider, owner, "Pwani Annotation Collective")

    profile = client.get(provider.get_absolute_url())
    assert "Mombasa Data Works" in profile.text
    assert "Pwani Annotation Collective" not in profile.text
    assert not found_by_search(client, provider, "Pwani Annotation Collective")
    assert found_by_search(client, provider, "Mombasa Data Works")
    mail.outbox.clear()

    with on_commit():
        assert changes_approve(provider=provider, by=staff) == 1

    provider.refresh_from_db()
    assert provider.name == "Pwani Annotation Collective"
    profile = client.get(provider.get_absolute_url())
    assert "Pwani Annotation Collective" in profile.text
    assert "Mombasa Data Works" not in profile.text
    assert found_by_search(client, provider, "Pwani Annotation Collective")
    assert not found_by_search(client, provider, "Mombasa Data Works")
    # The ISSP service already tells the members; the decision does not mail twice.
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "Pwani Annotation Collective" in mail.outbox[0].subject
    change = m.PendingChange.objects.get()
    assert change.status == m.PendingChangeStatus.APPLIED
    assert latest_history(change).history_user == staff
    record = latest_history(provider)
    assert record.history_user == staff
    assert record.history_change_reason == (
        "Changes approved: change name, organisation identifier or type of provider"
    )
    assert record.name == "Pwani Annotation Collective"


def test_approve_leaves_changes_not_yet_sent_waiting(staff, on_commit):
    provider, owner = published()
    propose_rename(provider, owner, "Sent Name")
    certification_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data={
            "certification": CertificationFactory(),
            "certificate_number": "ISO-9",
            "issued_on": datetime.date(2025, 1, 1),
            "expires_on": datetime.date(2028, 1, 1),
        },
    )

    with on_commit():
        changes_approve(provider=provider, by=staff)

    provider.refresh_from_db()
    assert provider.name == "Sent Name"
    waiting = m.PendingChange.objects.open().get()
    assert (waiting.kind, waiting.submitted_at) == (m.PendingChangeKind.CERTIFICATION, None)
    assert not m.CertificationHolding.objects.filter(provider=provider).exists()


def test_reject_keeps_the_published_values_and_mails_the_reason(client, staff, on_commit):
    provider, owner = published(name="Kisiwa Bookkeeping")
    propose_rename(provider, owner, "Zanzibar Ledger Cooperative")
    mail.outbox.clear()

    with on_commit():
        assert changes_reject(provider=provider, by=staff, reason="The registry disagrees.") == 1

    provider.refresh_from_db()
    assert provider.name == "Kisiwa Bookkeeping"
    assert "Kisiwa Bookkeeping" in client.get(provider.get_absolute_url()).text
    assert not found_by_search(client, provider, "Zanzibar Ledger Cooperative")
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "The registry disagrees." in mail.outbox[0].body
    change = m.PendingChange.objects.get()
    assert (change.status, change.reason) == (
        m.PendingChangeStatus.DISCARDED,
        "The registry disagrees.",
    )
    assert latest_history(change).history_user == staff
    record = latest_history(provider)
    assert record.history_user == staff
    assert record.history_change_reason == "Changes rejected: The registry disagrees."


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_reject_without_a_reason_changes_nothing(reason, staff, on_commit):
    provider, owner = published()
    propose_rename(provider, owner, "Proposed Ltd")
    mail.outbox.clear()
    rows = provider.history.count()

    with on_commit(), pytest.raises(ValidationError) as excinfo:
        changes_reject(provider=provider, by=staff, reason=reason)

    assert excinfo.value.message_dict == {"reason": ["Give a reason: the provider will read it."]}
    assert m.PendingChange.objects.submitted().count() == 1
    assert provider.history.count() == rows
    assert mail.outbox == []


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_nothing_sent_means_nothing_to_decide(decide, staff, on_commit):
    provider, owner = published(name="Quiet Ltd")
    propose_rename(provider, owner, "Not Sent Yet Ltd", send=False)
    rows = provider.history.count()

    with on_commit(), pytest.raises(ValidationError) as excinfo:
        if decide == "approve":
            changes_approve(provider=provider, by=staff)
        else:
            changes_reject(provider=provider, by=staff, reason="No.")

    assert excinfo.value.messages == [
        "“Quiet Ltd” has no changes sent for review, so there is nothing to decide."
    ]
    provider.refresh_from_db()
    assert provider.name == "Quiet Ltd"
    assert m.PendingChange.objects.open().get().submitted_at is None
    assert provider.history.count() == rows
    assert mail.outbox == []


def test_changes_of_a_listing_that_is_not_live_are_not_decided(staff):
    draft = ProviderFactory(name="Draft Ltd", status=m.ListingStatus.DRAFT)

    with pytest.raises(ValidationError) as excinfo:
        changes_approve(provider=draft, by=staff)

    assert excinfo.value.messages == [
        "Only changes to a published or suspended listing can be decided; “Draft Ltd” is draft."
    ]


def test_proposals_that_clash_with_each_other_are_refused_whole(staff, on_commit):
    provider, owner = published()
    for workers in (100, 110):
        provider.refresh_from_db()
        report_save(
            provider=provider,
            user=owner,
            version=provider.version,
            data=report_values(impact_workers=workers),
            groups={},
        )
    provider_submit(provider=provider, user=owner)
    mail.outbox.clear()

    with on_commit(), pytest.raises(ValidationError) as excinfo:
        changes_approve(provider=provider, by=staff)

    assert "clash" in excinfo.value.messages[0]
    assert not m.ImpactReport.objects.filter(provider=provider).exists()
    assert m.PendingChange.objects.submitted().count() == 2
    assert mail.outbox == []


# --------------------------------------------------------------------------
# Suspended listings: reinstated by an operator, never resubmitted
# --------------------------------------------------------------------------


def test_operator_reinstates_a_suspended_listing(client, staff, on_commit):
    provider, owner = published(name="Back Again Ltd")
    with on_commit():
        listing_suspend(provider=provider, by=staff, reason="Certificate in doubt.")
    assert "contact the directory team" in mail.outbox[-1].body
    assert client.get(provider.get_absolute_url()).status_code == 404
    mail.outbox.clear()

    with on_commit():
        listing_reinstate(provider=provider, by=staff, note="Certificate confirmed.")

    provider.refresh_from_db()
    assert provider.status == m.ListingStatus.PUBLISHED
    assert client.get(provider.get_absolute_url()).status_code == 200
    record = latest_history(provider)
    assert (record.history_user, record.history_change_reason) == (
        staff,
        "Reinstated: Certificate confirmed.",
    )
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "Certificate confirmed." in mail.outbox[0].body


@pytest.mark.parametrize(
    "status", [m.ListingStatus.DRAFT, m.ListingStatus.SUBMITTED, m.ListingStatus.PUBLISHED]
)
def test_only_a_suspended_listing_is_reinstated(status, staff):
    provider = ProviderFactory(name="Not Suspended", status=status)

    with pytest.raises(ValidationError) as excinfo:
        listing_reinstate(provider=provider, by=staff)

    assert excinfo.value.messages[0].startswith("Only a suspended listing can be reinstated")
    provider.refresh_from_db()
    assert provider.status == status


def test_the_provider_cannot_resubmit_a_suspended_listing(staff):
    provider, owner = published(complete=True)
    listing_suspend(provider=provider, by=staff)

    with pytest.raises(ValidationError) as excinfo:
        provider_submit(provider=provider, user=owner)

    assert "contact the directory team" in excinfo.value.messages[0]
    provider.refresh_from_db()
    assert provider.status == m.ListingStatus.SUSPENDED


# --------------------------------------------------------------------------
# Admin: the queue and the actions
# --------------------------------------------------------------------------


def test_changes_queue_is_one_click_from_the_admin_index_oldest_first(staff_client):
    older, older_owner = published(name="B Older Changes")
    newer, newer_owner = published(name="A Newer Changes")
    unsent, unsent_owner = published(name="C Unsent Changes")
    published(name="D No Changes")
    propose_rename(older, older_owner, "B Older Renamed")
    propose_rename(newer, newer_owner, "A Newer Renamed")
    propose_rename(unsent, unsent_owner, "C Unsent Renamed", send=False)
    m.PendingChange.objects.filter(provider=older).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3)
    )

    index = staff_client.get(reverse("admin:index")).text

    assert f'href="{QUEUE}"' in index
    assert "Changes waiting for review" in index
    queue = staff_client.get(QUEUE)
    assert [p.name for p in queue.context["cl"].result_list] == [
        "B Older Changes",
        "A Newer Changes",
    ]


def test_approve_action_applies_and_reports_each_listing(client, staff_client, staff, on_commit):
    provider, owner = published(name="Old Action Name")
    propose_rename(provider, owner, "New Action Name")
    idle, _ = published(name="Idle Ltd")
    mail.outbox.clear()

    with on_commit():
        response = run_action(staff_client, "approve_changes", [provider, idle])

    assert response.status_code == 302
    texts = message_texts(response)
    assert "Approved and applied the changes to “New Action Name”." in texts
    assert (
        "Could not approve the changes to “Idle Ltd”: “Idle Ltd” has no changes sent for "
        "review, so there is nothing to decide."
    ) in texts
    provider.refresh_from_db()
    assert provider.name == "New Action Name"
    assert "New Action Name" in client.get(provider.get_absolute_url()).text
    assert latest_history(provider).history_user == staff
    assert [message.to for message in mail.outbox] == [[owner.email]]


def test_reject_action_asks_for_a_reason_then_keeps_the_published_values(
    staff_client, staff, on_commit
):
    provider, owner = published(name="Stays Ltd")
    propose_rename(provider, owner, "Goes Ltd")
    mail.outbox.clear()

    first = run_action(staff_client, "reject_changes", [provider])
    assert first.status_code == 200
    assert "admin/providers/decision_form.html" in [t.name for t in first.templates]
    assert 'value="reject_changes"' in first.text
    blank = apply_with_text(staff_client, "reject_changes", [provider], "  ")
    assert blank.status_code == 200
    assert blank.context["form"].errors["text"] == ["Give a reason: the provider will read it."]
    assert m.PendingChange.objects.submitted().count() == 1

    with on_commit():
        response = apply_with_text(
            staff_client, "reject_changes", [provider], "Name not in the registry."
        )

    assert response.status_code == 302
    assert "Rejected the changes to “Stays Ltd”." in message_texts(response)
    provider.refresh_from_db()
    assert provider.name == "Stays Ltd"
    record = latest_history(provider)
    assert (record.history_user, record.history_change_reason) == (
        staff,
        "Changes rejected: Name not in the registry.",
    )
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "Name not in the registry." in mail.outbox[0].body


def test_listing_page_shows_live_and_proposed_values_and_decides_there(
    staff_client, staff, on_commit
):
    provider, owner = published(name="Before & After Ltd")
    propose_rename(provider, owner, "After <b>Ltd</b>")
    url = reverse("admin:providers_provider_change", args=[provider.pk])

    page = staff_client.get(url).text

    assert "Change: Name, organisation identifier or type of provider" in page
    assert "<td>Before &amp; After Ltd</td><td>After &lt;b&gt;Ltd&lt;/b&gt;</td>" in page
    assert 'value="approve_changes"' in page
    with on_commit():
        response = staff_client.post(
            url,
            {"CHANGE_FORM-action": "approve_changes", ACTION_CHECKBOX_NAME: [str(provider.pk)]},
        )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "After <b>Ltd</b>"
    assert "None." in staff_client.get(url).text


def test_reinstate_action_from_the_list(staff_client, staff, on_commit):
    suspended = ProviderFactory(name="Suspended Ltd", status=m.ListingStatus.SUSPENDED)
    live = ProviderFactory(name="Live Ltd", status=m.ListingStatus.PUBLISHED)

    with on_commit():
        response = apply_with_text(staff_client, "reinstate_listings", [suspended, live], "")

    texts = message_texts(response)
    assert "Reinstated “Suspended Ltd”: it is public again." in texts
    assert any(t.startswith("Could not reinstate “Live Ltd”") for t in texts)
    suspended.refresh_from_db()
    assert suspended.status == m.ListingStatus.PUBLISHED
    assert latest_history(suspended).history_user == staff


# --------------------------------------------------------------------------
# Admin: pending changes and invitations, read-only
# --------------------------------------------------------------------------


def test_pending_change_page_shows_what_changed_readably(staff_client):
    provider, owner = published()
    certification = CertificationFactory(name="ISO 27001")
    holding = CertificationHoldingFactory(
        provider=provider,
        certification=certification,
        certificate_number="OLD-1",
        expires_on=datetime.date(2027, 6, 30),
    )
    provider.refresh_from_db()
    certification_save(
        provider=provider,
        user=owner,
        version=provider.version,
        holding=holding,
        data={
            "certification": certification,
            "certificate_number": "NEW-2",
            "issued_on": holding.issued_on,
            "expires_on": datetime.date(2029, 6, 30),
            "scope": "",
            "evidence": "",
        },
    )
    change = m.PendingChange.objects.get()

    page = staff_client.get(reverse("admin:providers_pendingchange_change", args=[change.pk]))

    assert page.status_code == 200
    html = page.text
    assert "<td>OLD-1</td><td>NEW-2</td>" in html
    assert "<td>30 June 2027</td><td>30 June 2029</td>" in html
    assert "<td>ISO 27001</td><td>ISO 27001</td>" in html
    assert owner.email in html
    assert reverse("admin:providers_certificationholding_change", args=[holding.pk]) in html
    assert 'name="_save"' not in html
    listing = staff_client.get(CHANGES)
    assert [c.pk for c in listing.context["cl"].result_list] == [change.pk]
    assert "certificate number" in listing.text


def test_pending_changes_and_invitations_cannot_be_added_edited_or_deleted(staff_client):
    provider, owner = published()
    propose_rename(provider, owner, "Renamed Ltd")
    change = m.PendingChange.objects.get()
    invitation = member_invite(
        provider=provider, invited_by=owner, email="new@colleague.example", role="editor"
    )
    change_url = reverse("admin:providers_pendingchange_change", args=[change.pk])

    assert staff_client.get(reverse("admin:providers_pendingchange_add")).status_code == 403
    assert staff_client.get(reverse("admin:providers_invitation_add")).status_code == 403
    assert (
        staff_client.get(
            reverse("admin:providers_pendingchange_delete", args=[change.pk])
        ).status_code
        == 403
    )
    response = staff_client.post(change_url, {"status": "applied", "reason": "Forged"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.status == m.PendingChangeStatus.PENDING

    invitations = staff_client.get(INVITATIONS)
    assert "new@colleague.example" in invitations.text
    detail = staff_client.get(reverse("admin:providers_invitation_change", args=[invitation.pk]))
    assert detail.status_code == 200
    assert invitation.token not in detail.text
    assert invitation.token not in invitations.text


@pytest.mark.parametrize("count", [1, 20])
def test_admin_lists_query_count_does_not_grow(count, staff_client, django_assert_max_num_queries):
    owner = IsspUserFactory()
    for n in range(count):
        provider = ProviderFactory(status=m.ListingStatus.PUBLISHED)
        MembershipFactory(provider=provider, user=owner)
        propose_rename(provider, owner, f"Renamed {n}")
        member_invite(
            provider=provider, invited_by=owner, email=f"x{n}@colleague.example", role="editor"
        )

    for url in (CHANGES, INVITATIONS, QUEUE):
        with django_assert_max_num_queries(12):
            assert staff_client.get(url).status_code == 200


# --------------------------------------------------------------------------
# Who may do this
# --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "buyer", "member"])
def test_non_staff_are_refused_every_page_and_action(who, client, on_commit):
    provider, owner = published(name="Guarded Ltd")
    propose_rename(provider, owner, "Hijacked Ltd")
    change = m.PendingChange.objects.get()
    invitation = member_invite(
        provider=provider, invited_by=owner, email="new@colleague.example", role="editor"
    )
    if who == "buyer":
        client.force_login(BuyerFactory())
    elif who == "member":
        client.force_login(owner)
    urls = [
        QUEUE,
        CHANGES,
        reverse("admin:providers_pendingchange_change", args=[change.pk]),
        reverse("admin:providers_pendingchange_history", args=[change.pk]),
        INVITATIONS,
        reverse("admin:providers_invitation_change", args=[invitation.pk]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    with on_commit():
        response = run_action(client, "approve_changes", [provider])
    assert response["Location"].startswith(reverse("admin:login"))
    provider.refresh_from_db()
    assert provider.name == "Guarded Ltd"
    assert m.PendingChange.objects.get().status == m.PendingChangeStatus.PENDING


def test_staff_who_may_only_view_listings_cannot_decide_changes(client, on_commit):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_provider", content_type__app_label="providers")
    )
    client.force_login(viewer)
    provider, owner = published(name="Viewed Ltd")
    propose_rename(provider, owner, "Changed Ltd")

    page = client.get(QUEUE)
    assert page.status_code == 200
    for name in ["approve_changes", "reject_changes", "reinstate_listings"]:
        assert name not in page.text
    with on_commit():
        run_action(client, "approve_changes", [provider])

    provider.refresh_from_db()
    assert provider.name == "Viewed Ltd"


def test_history_pages_show_the_operator_who_decided(staff_client, on_commit):
    provider, owner = published(name="History Ltd")
    propose_rename(provider, owner, "Historic Ltd")
    change = m.PendingChange.objects.get()
    with on_commit():
        run_action(staff_client, "approve_changes", [provider])

    for url in (
        reverse("admin:providers_provider_history", args=[provider.pk]),
        reverse("admin:providers_pendingchange_history", args=[change.pk]),
    ):
        page = staff_client.get(url)
        assert page.status_code == 200, url
        assert "operator@impactdir.example" in page.text, url
    provider_history = staff_client.get(
        reverse("admin:providers_provider_history", args=[provider.pk])
    ).text
    assert (
        "Changes approved: change name, organisation identifier or type of provider"
        in provider_history
    )


@pytest.mark.parametrize(
    "url",
    [
        f"{PROVIDERS}?changes=bogus",
        f"{PROVIDERS}?changes=unsent&status__exact=published",
        f"{CHANGES}?sent=maybe&status=nonsense",
        f"{CHANGES}?kind=profile&sent=yes",
        f"{INVITATIONS}?state=expired",
        f"{INVITATIONS}?state=%00",
    ],
)
def test_bad_or_odd_filter_values_never_error(url, staff_client):
    provider, owner = published()
    propose_rename(provider, owner, "Filtered Ltd")

    assert staff_client.get(url, follow=True).status_code == 200
