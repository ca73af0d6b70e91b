"""The dashboard pages as their users see them: what they show, what saving does."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from providers.models import (
    CaseStudy,
    Claim,
    DeliveryCentre,
    ImpactReport,
    Invitation,
    ListingStatus,
    Membership,
    MembershipRole,
    PendingChange,
    Provider,
    ProviderService,
)
from tests.factories import (
    DeliveryCentreFactory,
    IsspUserFactory,
    LanguageFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
    TargetGroupFactory,
)
from tests.providers.listing_helpers import admin_user, listing_with_owner

pytestmark = pytest.mark.django_db


def url(name, provider, *args):
    return reverse(f"dashboard:{name}", args=[provider.pk, *args])


def formset_data(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


@pytest.mark.parametrize("count", [1, 20])
def test_index_shows_each_listing_with_status_checklist_and_reason(
    client, django_assert_max_num_queries, count
):
    user = IsspUserFactory()
    for i in range(count):
        provider = ProviderFactory(
            name=f"Listing {i:02d}",
            status=ListingStatus.REJECTED,
            rejection_reason=f"Reason number {i}",
            tagline="",
        )
        MembershipFactory(provider=provider, user=user)
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert response.text.count("Reason number") == count
    assert "Listing 00" in response.text
    assert "Tagline" in response.text  # what blocks submission
    assert "Rejected" in response.text


def test_index_does_not_show_other_peoples_listings(client):
    mine, owner = listing_with_owner(name="Mine Ltd")
    listing_with_owner(name="Theirs Ltd")
    client.force_login(owner)
    response = client.get(reverse("dashboard:index"))
    assert "Mine Ltd" in response.text
    assert "Theirs Ltd" not in response.text


def test_index_and_navigation_lead_members_to_their_inquiry_inbox(client):
    mine, owner = listing_with_owner(name="Mine Ltd")
    client.force_login(owner)
    response = client.get(reverse("dashboard:index"))
    inbox = reverse("dashboard:inbox")
    assert response.text.count(f'href="{inbox}"') == 2  # the listing overview and the nav
    assert client.get(inbox).status_code == 200


def test_the_navigation_marks_the_inbox_or_the_dashboard_as_the_current_page(client):
    _mine, owner = listing_with_owner(name="Mine Ltd")
    client.force_login(owner)
    dashboard, inbox = reverse("dashboard:index"), reverse("dashboard:inbox")
    for page, current, other in [(dashboard, dashboard, inbox), (inbox, inbox, dashboard)]:
        text = client.get(page).text
        assert f'href="{current}" aria-current="page"' in text
        assert f'href="{other}" aria-current="page"' not in text


def test_create_listing(client):
    user = IsspUserFactory()
    client.force_login(user)
    assert client.get(reverse("dashboard:create")).status_code == 200
    response = client.post(reverse("dashboard:create"), {"name": "Nairobi Annotators"})
    provider = Provider.objects.get(name="Nairobi Annotators")
    assert response.url == url("listing", provider)
    assert provider.status == ListingStatus.DRAFT
    assert Membership.objects.get(provider=provider).user == user
    response = client.post(reverse("dashboard:create"), {"name": ""})
    assert response.status_code == 200
    assert Provider.objects.count() == 1


def test_claim_search_and_claim(client, django_capture_on_commit_callbacks):
    admin_user()
    target = ProviderFactory(name="Lagos Digitisation", status=ListingStatus.PUBLISHED)
    ProviderFactory(name="Lagos Draft Co", status=ListingStatus.DRAFT)
    user = IsspUserFactory()
    client.force_login(user)
    response = client.get(reverse("dashboard:claim_search"), {"q": "lagos"})
    assert "Lagos Digitisation" in response.text
    assert "Lagos Draft Co" not in response.text
    claim_url = reverse("dashboard:claim", args=[target.pk])
    response = client.post(claim_url, {"message": ""})
    assert response.status_code == 200
    assert not Claim.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(claim_url, {"message": "I run operations there."})
    assert response.url == reverse("dashboard:index")
    assert Claim.objects.get().provider == target
    assert len(mail.outbox) == 1
    response = client.get(reverse("dashboard:claim_search"), {"q": "lagos"})
    assert "your claim is waiting for review" in response.text
    # A draft listing cannot be claimed, whatever the URL says.
    draft = Provider.objects.get(name="Lagos Draft Co")
    assert client.get(reverse("dashboard:claim", args=[draft.pk])).status_code == 404


def test_listing_overview_and_submission(client, django_capture_on_commit_callbacks):
    admin = admin_user()
    provider, owner = listing_with_owner(complete=True)
    client.force_login(owner)
    response = client.get(url("listing", provider))
    assert "Completeness: 100%" not in response.text  # no logo or certification yet
    assert "Submit for review" in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("submit", provider))
    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED
    assert {m.to[0] for m in mail.outbox} == {admin.email, owner.email}


def test_incomplete_listing_is_not_submitted_and_says_why(client):
    provider, owner = listing_with_owner(description="")
    client.force_login(owner)
    response = client.post(url("submit", provider), follow=True)
    assert "Still missing" in response.text
    assert "Description" in response.text
    provider.refresh_from_db()
    assert provider.status == ListingStatus.DRAFT


def test_profile_edit_saves_fields_and_languages(client):
    provider, owner = listing_with_owner()
    english, french = (
        LanguageFactory(code="en", name="English"),
        LanguageFactory(code="fr", name="French"),
    )
    client.force_login(owner)
    assert client.get(url("profile", provider)).status_code == 200
    response = client.post(
        url("profile", provider),
        {
            "version": provider.version,
            "name": "Renamed",
            "tagline": "Data work with purpose",
            "description": "We annotate.",
            "hq_country": "UG",
            "legal_form": "social-enterprise",
            "workforce": "250",
            "contact_email": "hello@renamed.example",
            "languages": [english.pk, french.pk],
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.hq_country.code, provider.workforce) == ("Renamed", "UG", 250)
    assert set(provider.languages.values_list("code", flat=True)) == {"en", "fr"}
    assert provider.history.first().history_user == owner


def test_profile_edit_of_published_listing_holds_the_name(client):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Live Name")
    client.force_login(owner)
    response = client.post(
        url("profile", provider),
        {
            "version": provider.version,
            "name": "Proposed Name",
            "tagline": "Now live",
            "hq_country": "KE",
            "contact_email": "a@b.example",
        },
        follow=True,
    )
    assert "waits for approval" in response.text
    provider.refresh_from_db()
    assert (provider.name, provider.tagline) == ("Live Name", "Now live")
    assert PendingChange.objects.get().data == {"name": "Proposed Name"}
    # The form shows the proposal so the editor can refine it.
    assert 'value="Proposed Name"' in client.get(url("profile", provider)).text
    public = client.get(provider.get_absolute_url())
    assert "Live Name" in public.text and "Proposed Name" not in public.text


def test_services_formset_adds_changes_and_removes(client):
    provider, owner = listing_with_owner()
    kept = ProviderServiceFactory(provider=provider)
    dropped = ProviderServiceFactory(provider=provider)
    new_service = ServiceFactory()
    client.force_login(owner)
    assert client.get(url("services", provider)).status_code == 200
    data = formset_data(
        "services",
        [
            {"id": kept.pk, "service": kept.service_id, "voice": "voice", "note": "24/7"},
            {"id": dropped.pk, "service": dropped.service_id, "DELETE": "on"},
            {"service": new_service.pk, "voice": "non-voice", "note": ""},
        ],
        initial=2,
    )
    response = client.post(url("services", provider), {"version": provider.version, **data})
    assert response.status_code == 302
    assert set(provider.services.values_list("service_id", "note")) == {
        (kept.service_id, "24/7"),
        (new_service.pk, ""),
    }
    provider.refresh_from_db()
    assert new_service.name in provider.service_text


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("spelling", ["arabic-indic", "padded", "leading zero", "letters"])
def test_services_formset_reads_row_ids_as_the_rest_of_the_site_does(client, spelling):
    provider, owner = listing_with_owner()
    offering = ProviderServiceFactory(provider=provider, note="as it was")
    client.force_login(owner)
    row_id = {
        "arabic-indic": str(offering.pk).translate(ARABIC_INDIC),
        "padded": f" {offering.pk} ",
        "leading zero": f"0{offering.pk}",
        "letters": "three",
    }[spelling]
    data = formset_data(
        "services",
        [{"id": row_id, "service": offering.service_id, "note": "changed"}],
        initial=1,
    )
    response = client.post(url("services", provider), {"version": provider.version, **data})
    # Not an id (impactdir.ids.parse_id), so it selects no row and nothing is saved.
    assert response.status_code == 200
    assert "does not belong to this listing" in response.text
    offering.refresh_from_db()
    assert offering.note == "as it was"
    assert provider.services.count() == 1


def test_services_formset_refuses_a_category_and_duplicates(client):
    provider, owner = listing_with_owner()
    service = ServiceFactory()
    client.force_login(owner)
    data = formset_data("services", [{"service": service.parent_id}])
    response = client.post(url("services", provider), {"version": provider.version, **data})
    assert response.status_code == 200
    data = formset_data("services", [{"service": service.pk}, {"service": service.pk}])
    response = client.post(url("services", provider), {"version": provider.version, **data})
    assert "only once" in response.text
    assert not ProviderService.objects.exists()


def test_centres_are_added_edited_and_removed_with_headcount_checked(client):
    provider, owner = listing_with_owner()
    french = LanguageFactory(code="fr", name="French")
    client.force_login(owner)
    assert client.get(url("centre_create", provider)).status_code == 200
    bad = {
        "version": provider.version,
        "country": "SN",
        "city": "Dakar",
        "headcount": "10",
        "impact_workers": "11",
    }
    response = client.post(url("centre_create", provider), bad)
    assert response.status_code == 200
    assert "cannot exceed" in response.text
    assert not DeliveryCentre.objects.exists()
    good = {**bad, "headcount": "40", "impact_workers": "30", "languages": [french.pk]}
    response = client.post(url("centre_create", provider), good)
    assert response.status_code == 302
    centre = DeliveryCentre.objects.get()
    assert (centre.country.code, centre.impact_workers) == ("SN", 30)
    assert list(centre.languages.all()) == [french]
    assert "Dakar" in client.get(url("centres", provider)).text

    provider.refresh_from_db()
    edited = {**good, "version": provider.version, "city": "Thiès", "languages": []}
    assert client.post(url("centre_edit", provider, centre.pk), edited).status_code == 302
    centre.refresh_from_db()
    assert (centre.city, list(centre.languages.all())) == ("Thiès", [])
    provider.refresh_from_db()
    client.post(url("centre_delete", provider, centre.pk), {"version": provider.version})
    assert not DeliveryCentre.objects.exists()
    assert DeliveryCentre.history.filter(history_type="-").get().history_user == owner


def test_report_form_validates_figures_and_saves_groups(client):
    provider, owner = listing_with_owner()
    youth, refugees = TargetGroupFactory(slug="youth"), TargetGroupFactory(slug="refugees")
    client.force_login(owner)
    assert client.get(url("report_create", provider)).status_code == 200
    base = {
        "version": provider.version,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "impact_worker_definition": "Hired from a target group.",
        "total_employees": "100",
        "impact_workers": "60",
        "provenance": "self-reported",
    }
    too_many = {**base, f"group_{youth.pk}_workers": "40", f"group_{refugees.pk}_workers": "30"}
    response = client.post(url("report_create", provider), too_many)
    assert response.status_code == 200
    assert "add up to 70" in response.text
    response = client.post(url("report_create", provider), {**base, "impact_workers": "101"})
    assert "cannot exceed total permanent employees" in response.text
    response = client.post(url("report_create", provider), {**base, "placement_rate_pct": "140"})
    assert response.status_code == 200
    assert not ImpactReport.objects.exists()

    ok = {**base, f"group_{youth.pk}": "on", f"group_{refugees.pk}_workers": "20"}
    response = client.post(url("report_create", provider), ok)
    assert response.status_code == 302
    report = ImpactReport.objects.get()
    assert {(g.target_group_id, g.workers) for g in report.groups.all()} == {
        (youth.pk, None),
        (refugees.pk, 20),
    }
    provider.refresh_from_db()
    assert provider.impact_share == 60
    page = client.get(url("report_edit", provider, report.pk))
    assert page.status_code == 200


def test_case_study_add_edit_delete(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    data = {
        "version": provider.version,
        "title": "Digitising land records",
        "challenge": "Paper archives.",
        "approach": "A trained team.",
        "results": "2 million pages.",
        "year": str(datetime.date.today().year),
        "client_quote": "Great work",
    }
    response = client.post(url("case_study_create", provider), data)
    assert response.status_code == 200
    assert "Say who said this quote." in response.text
    data["quote_attribution"] = "Head of archives"
    assert client.post(url("case_study_create", provider), data).status_code == 302
    case_study = CaseStudy.objects.get()
    provider.refresh_from_db()
    data["version"] = provider.version
    data["title"] = "Digitising land titles"
    client.post(url("case_study_edit", provider, case_study.pk), data)
    case_study.refresh_from_db()
    assert case_study.title == "Digitising land titles"
    provider.refresh_from_db()
    client.post(url("case_study_delete", provider, case_study.pk), {"version": provider.version})
    assert not CaseStudy.objects.exists()


def test_team_invite_and_remove(client, django_capture_on_commit_callbacks):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("team", provider), {"email": "new.person@example.org", "role": "editor"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.token in mail.outbox[0].body
    colleague = IsspUserFactory(email="colleague@example.org")
    membership = MembershipFactory(provider=provider, user=colleague)
    page = client.get(url("team", provider))
    assert "colleague@example.org" in page.text and "new.person@example.org" in page.text
    client.post(url("member_remove", provider, membership.pk))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    owner_membership = Membership.objects.get(provider=provider, user=owner)
    response = client.post(url("member_remove", provider, owner_membership.pk), follow=True)
    assert "at least one owner" in response.text
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_invitation_link_lets_the_invited_person_join(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    client.post(url("team", provider), {"email": "joiner@example.org", "role": "owner"})
    token = Invitation.objects.get().token
    link = reverse("dashboard:invitation", args=[token])
    client.logout()
    assert client.get(link).status_code == 302  # to the login page

    other = IsspUserFactory(email="not-invited@example.org")
    client.force_login(other)
    assert "sent to another e-mail address" in client.get(link).text
    client.post(link)
    assert not Membership.objects.filter(user=other).exists()

    joiner = IsspUserFactory(email="joiner@example.org")
    EmailAddress.objects.create(user=joiner, email=joiner.email, verified=True, primary=True)
    client.force_login(joiner)
    response = client.post(link)
    assert response.url == url("listing", provider)
    assert Membership.objects.get(user=joiner).role == MembershipRole.OWNER
    assert client.get(link).status_code == 404  # used up


def test_pending_change_can_be_withdrawn(client):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Live")
    client.force_login(owner)
    client.post(
        url("profile", provider),
        {"version": provider.version, "name": "Proposal", "contact_email": "a@b.example"},
    )
    change = PendingChange.objects.get()
    page = client.get(url("listing", provider))
    assert "Send changes for review" in page.text
    client.post(url("pending_withdraw", provider, change.pk))
    change.refresh_from_db()
    assert change.status == "discarded"


def test_every_dashboard_page_renders_for_a_member(client):
    provider, owner = listing_with_owner(complete=True)
    DeliveryCentreFactory(provider=provider)
    client.force_login(owner)
    report = provider.reports.get()
    case_study = provider.case_studies.get()
    for name, args in [
        ("listing", []),
        ("profile", []),
        ("services", []),
        ("centres", []),
        ("centre_create", []),
        ("centre_edit", [provider.centres.first().pk]),
        ("logo", []),
        ("certifications", []),
        ("certification_create", []),
        ("reports", []),
        ("report_create", []),
        ("report_edit", [report.pk]),
        ("case_studies", []),
        ("case_study_create", []),
        ("case_study_edit", [case_study.pk]),
        ("team", []),
    ]:
        response = client.get(url(name, provider, *args))
        assert response.status_code == 200, name
        assert 'style="' not in response.text, name


def test_a_newcomer_finds_the_invitation_on_the_dashboard(client):
    provider, owner = listing_with_owner(name="Inviting Ltd")
    client.force_login(owner)
    client.post(url("team", provider), {"email": "Newcomer@Example.org", "role": "editor"})
    token = Invitation.objects.get().token
    newcomer = IsspUserFactory(email="newcomer@example.org")
    client.force_login(newcomer)
    page = client.get(reverse("dashboard:index"))
    assert reverse("dashboard:invitation", args=[token]) in page.text
    client.force_login(IsspUserFactory())
    assert token not in client.get(reverse("dashboard:index")).text


def test_search_keeps_the_published_name_until_a_rename_is_approved(client):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Zanzibar Fictional")
    client.force_login(owner)
    client.post(
        url("profile", provider),
        {"version": provider.version, "name": "Quokka Renamed", "contact_email": "a@b.example"},
    )
    client.logout()
    assert "Zanzibar Fictional" in client.get("/providers/", {"q": "Zanzibar"}).text
    assert "Quokka Renamed" not in client.get("/providers/", {"q": "Quokka"}).text
    provider.refresh_from_db()
    from providers.services.pending_changes import pending_changes_apply
    from providers.services.submission import provider_submit

    provider_submit(provider=provider, user=owner)
    pending_changes_apply(provider=provider)
    assert "Quokka Renamed" in client.get("/providers/", {"q": "Quokka"}).text


@pytest.mark.parametrize("count", [1, 20])
def test_part_pages_cost_the_same_queries_at_1_and_20_items(
    client, django_assert_max_num_queries, count
):
    from tests.factories import (
        CaseStudyFactory,
        CertificationHoldingFactory,
        ImpactReportFactory,
    )

    provider, owner = listing_with_owner()
    for i in range(count):
        ProviderServiceFactory(provider=provider)
        DeliveryCentreFactory(provider=provider).languages.add(LanguageFactory())
        CertificationHoldingFactory(provider=provider)
        ImpactReportFactory(
            provider=provider,
            period_start=datetime.date(2000 + i, 1, 1),
            period_end=datetime.date(2000 + i, 12, 31),
            is_latest=False,
        )
        CaseStudyFactory(provider=provider)
        MembershipFactory(provider=provider)
    client.force_login(owner)
    for name, limit in [
        ("listing", 11),
        ("services", 7),
        ("centres", 6),
        ("certifications", 6),
        ("reports", 6),
        ("case_studies", 5),
        ("team", 6),
        # 16, 3 since the form lists the partnership kinds offered and sought, and 2 for
        # the languages the listing is written in (the choices, the chosen ones).
        ("profile", 21),
    ]:
        with django_assert_max_num_queries(limit):
            response = client.get(url(name, provider))
        assert response.status_code == 200
        # Saved rows are still shown as chosen with the shared choice lists.
        if name == "services":
            first = provider.services.first()
            assert f'<option value="{first.service_id}" selected>' in response.text


def test_suspended_listing_page_offers_to_send_held_changes(client):
    provider, owner = listing_with_owner(status=ListingStatus.SUSPENDED, name="Paused Ltd")
    client.force_login(owner)
    client.post(
        url("profile", provider),
        {"version": provider.version, "name": "Renamed Ltd"},
    )
    page = client.get(url("listing", provider)).text
    assert "This listing is suspended" in page
    assert "Send changes for review" in page
