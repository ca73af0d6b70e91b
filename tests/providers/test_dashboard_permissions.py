"""Nobody touches what is not theirs: every dashboard URL against intruders, forged fields, CSRF."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from providers.models import (
    CaseStudy,
    CertificationHolding,
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
from providers.services.parts import provider_update_profile
from providers.services.team import member_invite
from tests.factories import (
    BuyerFactory,
    CaseStudyFactory,
    CertificationFactory,
    CertificationHoldingFactory,
    ImpactReportFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderServiceFactory,
    ServiceFactory,
)
from tests.providers.listing_helpers import image_bytes, listing_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim():
    """A listing with one of everything, its owner and an editor."""
    provider, owner = listing_with_owner(
        status=ListingStatus.PUBLISHED, complete=True, name="Victim Ltd"
    )
    editor = IsspUserFactory()
    editor_membership = MembershipFactory(
        provider=provider, user=editor, role=MembershipRole.EDITOR
    )
    holding = CertificationHoldingFactory(provider=provider)
    invitation = member_invite(
        provider=provider, invited_by=owner, email="invitee@example.org", role="editor"
    )
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Proposed"}
    )
    provider.refresh_from_db()
    return {
        "provider": provider,
        "owner": owner,
        "editor": editor,
        "editor_membership": editor_membership,
        "holding": holding,
        "report": provider.reports.get(),
        "case_study": provider.case_studies.get(),
        "centre": provider.centres.get(),
        "invitation": invitation,
        "change": PendingChange.objects.get(provider=provider),
    }


def listing_urls(v):
    """(url name, url args, methods, plausible POST data) for every URL naming the listing."""
    p = v["provider"]
    version = {"version": p.version}
    profile = {**version, "name": "Hacked", "tagline": "Hacked", "contact_email": "x@y.example"}
    report = {
        **version,
        "period_start": "2020-01-01",
        "period_end": "2020-12-31",
        "impact_worker_definition": "x",
        "total_employees": "5",
        "impact_workers": "1",
        "provenance": "self-reported",
    }
    case_study = {
        **version,
        "title": "Hacked",
        "challenge": "x",
        "approach": "x",
        "results": "x",
        "year": "2024",
    }
    certification = {**version, "certification": v["holding"].certification_id}
    services = {
        **version,
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-0-service": ServiceFactory().pk,
    }
    centre = {**version, "country": "FR", "city": "Paris"}
    return [
        ("listing", [], "GET", {}),
        ("submit", [], "POST", {}),
        ("deactivate", [], "POST", {}),
        ("confirm", [], "POST", {"confirm-version": p.version}),
        ("profile", [], "GET POST", profile),
        ("services", [], "GET POST", services),
        ("centres", [], "GET", {}),
        ("centre_create", [], "GET POST", centre),
        ("centre_edit", [v["centre"].pk], "GET POST", centre),
        ("centre_delete", [v["centre"].pk], "POST", version),
        ("logo", [], "GET POST", version),
        ("logo_remove", [], "POST", version),
        ("certifications", [], "GET", {}),
        ("certification_create", [], "GET POST", certification),
        ("certification_edit", [v["holding"].pk], "GET POST", certification),
        ("certification_delete", [v["holding"].pk], "POST", version),
        ("reports", [], "GET", {}),
        ("report_create", [], "GET POST", report),
        ("report_edit", [v["report"].pk], "GET POST", report),
        ("report_delete", [v["report"].pk], "POST", version),
        ("case_studies", [], "GET", {}),
        ("case_study_create", [], "GET POST", case_study),
        ("case_study_edit", [v["case_study"].pk], "GET POST", case_study),
        ("case_study_delete", [v["case_study"].pk], "POST", version),
        ("pending_withdraw", [v["change"].pk], "POST", {}),
        ("team", [], "GET POST", {"email": "intruder@example.org", "role": "owner"}),
        ("member_remove", [v["editor_membership"].pk], "POST", {}),
        ("invitation_cancel", [v["invitation"].pk], "POST", {}),
    ]


def snapshot(provider):
    """Everything an intruder could try to change, as comparable values."""
    p = Provider.objects.get(pk=provider.pk)
    return {
        "provider": (
            p.name,
            p.tagline,
            p.status,
            p.version,
            p.logo.name,
            p.verified_at,
            p.assured_date,
        ),
        "services": sorted(ProviderService.objects.values_list("id", "service_id", "note")),
        "centres": sorted(DeliveryCentre.objects.values_list("id", "country", "headcount")),
        "holdings": sorted(CertificationHolding.objects.values_list("id", "certificate_number")),
        "reports": sorted(ImpactReport.objects.values_list("id", "total_employees")),
        "case_studies": sorted(CaseStudy.objects.values_list("id", "title")),
        "members": sorted(Membership.objects.values_list("id", "user_id", "role")),
        "invitations": sorted(Invitation.objects.values_list("id", "accepted_at")),
        "changes": sorted(PendingChange.objects.values_list("id", "status", "submitted_at")),
        "claims": Claim.objects.count(),
        "history": p.history.count(),
    }


def with_upload(name, data):
    if name == "logo":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {**data, "logo": SimpleUploadedFile("l.png", image_bytes(), "image/png")}
    return data


def login_url_for(path):
    return f"{reverse('account_login')}?next={path}"


@pytest.mark.parametrize("who", ["other organisation", "buyer", "anonymous"])
def test_every_listing_url_refuses_intruders_and_changes_nothing(client, victim, who):
    intruder = {"other organisation": IsspUserFactory, "buyer": BuyerFactory}.get(who)
    if intruder is not None:
        user = intruder()
        if who == "other organisation":
            listing_with_owner()  # they have a listing of their own
            MembershipFactory(user=user)
        client.force_login(user)
    before = snapshot(victim["provider"])
    checked = 0
    for name, args, methods, data in listing_urls(victim):
        path = reverse(f"dashboard:{name}", args=[victim["provider"].pk, *args])
        for method in methods.split():
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, with_upload(name, data))
            if who == "anonymous":
                assert response.status_code == 302, (name, method)
                assert response.url == login_url_for(path), (name, method)
            else:
                assert response.status_code == 404, (name, method, response.status_code)
            checked += 1
    assert checked == sum(len(m.split()) for _n, _a, m, _d in listing_urls(victim)) == 40
    assert snapshot(victim["provider"]) == before


def test_an_item_of_another_listing_is_404_through_my_listing(client, victim):
    mine, me = listing_with_owner()
    client.force_login(me)
    before = snapshot(victim["provider"])
    for name, item in [
        ("certification_edit", victim["holding"].pk),
        ("certification_delete", victim["holding"].pk),
        ("report_edit", victim["report"].pk),
        ("report_delete", victim["report"].pk),
        ("case_study_edit", victim["case_study"].pk),
        ("centre_edit", victim["centre"].pk),
        ("centre_delete", victim["centre"].pk),
        ("case_study_delete", victim["case_study"].pk),
        ("pending_withdraw", victim["change"].pk),
        ("member_remove", victim["editor_membership"].pk),
        ("invitation_cancel", victim["invitation"].pk),
    ]:
        path = reverse(f"dashboard:{name}", args=[mine.pk, item])
        assert client.get(path).status_code in (404, 405), name
        assert client.post(path, {"version": mine.version}).status_code == 404, name
    assert snapshot(victim["provider"]) == before


@pytest.mark.parametrize("who", ["buyer", "anonymous"])
def test_create_claim_and_index_refuse_buyers_and_anonymous(client, victim, who):
    if who == "buyer":
        client.force_login(BuyerFactory())
    before = snapshot(victim["provider"])
    providers_before = Provider.objects.count()
    for name, args, data in [
        ("index", [], None),
        ("create", [], {"name": "Buyer Co"}),
        ("claim_search", [], None),
        ("claim", [victim["provider"].pk], {"message": "mine now"}),
    ]:
        path = reverse(f"dashboard:{name}", args=args)
        responses = [client.get(path, {"q": "Victim"})]
        if data is not None:
            responses.append(client.post(path, data))
        for response in responses:
            if who == "anonymous":
                assert response.status_code == 302 and response.url.startswith(
                    reverse("account_login")
                ), name
            else:
                assert response.status_code == 404, name
    assert Provider.objects.count() == providers_before
    assert snapshot(victim["provider"]) == before


def test_invitation_of_someone_else_cannot_be_taken(client, victim):
    token = victim["invitation"].token
    path = reverse("dashboard:invitation", args=[token])
    intruder = IsspUserFactory(email="intruder@example.org")
    client.force_login(intruder)
    client.post(path)
    assert not Membership.objects.filter(user=intruder).exists()
    assert client.get(reverse("dashboard:invitation", args=["made-up-token"])).status_code == 404


def test_editors_cannot_manage_the_team(client, victim):
    client.force_login(victim["editor"])
    before = snapshot(victim["provider"])
    p = victim["provider"]
    owner_membership = Membership.objects.get(provider=p, user=victim["owner"])
    assert client.get(reverse("dashboard:team", args=[p.pk])).status_code == 200
    assert (
        client.post(
            reverse("dashboard:team", args=[p.pk]), {"email": "x@y.example", "role": "owner"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("dashboard:member_remove", args=[p.pk, owner_membership.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("dashboard:invitation_cancel", args=[p.pk, victim["invitation"].pk])
        ).status_code
        == 403
    )
    assert client.post(reverse("dashboard:deactivate", args=[p.pk])).status_code == 403
    assert snapshot(victim["provider"]) == before


def test_fields_the_forms_do_not_offer_change_nothing(client):
    provider, owner = listing_with_owner(status=ListingStatus.DRAFT, name="Honest Ltd")
    other, _ = listing_with_owner(name="Other Ltd")
    client.force_login(owner)
    response = client.post(
        reverse("dashboard:profile", args=[provider.pk]),
        {
            "version": provider.version,
            "name": "Honest Ltd",
            "tagline": "Still honest",
            "contact_email": "a@b.example",
            "status": ListingStatus.PUBLISHED,
            "verified_at": "2020-01-01T00:00:00Z",
            "verified_by": owner.pk,
            "verification_notes": "all good",
            "impact_share": "99",
            "slug": "other-slug",
            "published_at": "2020-01-01T00:00:00Z",
            "rejection_reason": "x",
            "id": other.pk,
            "pk": other.pk,
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.tagline == "Still honest"
    assert (provider.status, provider.verified_at, provider.verified_by) == ("draft", None, None)
    assert (provider.verification_notes, provider.impact_share, provider.published_at) == (
        "",
        None,
        None,
    )
    assert provider.slug != "other-slug"
    other.refresh_from_db()
    assert other.tagline != "Still honest"

    # A case study posted "for" another provider lands on mine (the URL decides), never theirs.
    provider.refresh_from_db()
    client.post(
        reverse("dashboard:case_study_create", args=[provider.pk]),
        {
            "version": provider.version,
            "provider": other.pk,
            "title": "Mine",
            "challenge": "x",
            "approach": "x",
            "results": "x",
            "year": "2024",
        },
    )
    assert CaseStudy.objects.get(title="Mine").provider == provider
    assert not other.case_studies.exists()

    # A certification posted with verification "verified" stays unverified.
    provider.refresh_from_db()
    client.post(
        reverse("dashboard:certification_create", args=[provider.pk]),
        {
            "version": provider.version,
            "certification": CertificationFactory().pk,
            "verification": "verified",
            "provider": other.pk,
        },
    )
    holding = CertificationHolding.objects.get()
    assert (holding.provider, holding.verification) == (provider, "unverified")


def test_a_formset_row_of_another_provider_cannot_be_edited_or_deleted(client):
    provider, owner = listing_with_owner()
    other, _ = listing_with_owner()
    their_service = ProviderServiceFactory(provider=other, note="theirs")
    client.force_login(owner)
    services_url = reverse("dashboard:services", args=[provider.pk])
    row = {
        "version": provider.version,
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "1",
        "services-0-id": their_service.pk,
        "services-0-service": their_service.service_id,
        "services-0-note": "stolen",
    }
    response = client.post(services_url, row)
    assert response.status_code == 200
    assert "does not belong to this listing" in response.text
    # Marked for deletion, the row is not even validated; it must still not be touched.
    client.post(services_url, {**row, "services-0-DELETE": "on"})
    their_service.refresh_from_db()
    assert (their_service.provider, their_service.note) == (other, "theirs")
    assert not provider.services.exists()


def test_csrf_is_enforced_on_every_form(victim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(victim["owner"])
    before = snapshot(victim["provider"])
    for name, args, methods, data in listing_urls(victim):
        if "POST" not in methods:
            continue
        path = reverse(f"dashboard:{name}", args=[victim["provider"].pk, *args])
        response = client.post(path, with_upload(name, data))
        assert response.status_code == 403, name
    issp = IsspUserFactory(email="invitee@example.org")
    client.force_login(issp)
    for path, data in [
        (reverse("dashboard:create"), {"name": "No token"}),
        (reverse("dashboard:claim", args=[victim["provider"].pk]), {"message": "no token"}),
        (reverse("dashboard:invitation", args=[victim["invitation"].token]), {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert snapshot(victim["provider"]) == before
    # The pages themselves carry the token, so real forms work.
    client.force_login(victim["owner"])
    page = client.get(reverse("dashboard:profile", args=[victim["provider"].pk]))
    assert 'name="csrfmiddlewaretoken"' in page.text


def test_deleted_parts_are_in_the_history_with_who_did_it(client):
    provider, owner = listing_with_owner()
    case_study = CaseStudyFactory(provider=provider)
    ImpactReportFactory(provider=provider, period_start=datetime.date(2020, 1, 1))
    client.force_login(owner)
    client.post(
        reverse("dashboard:case_study_delete", args=[provider.pk, case_study.pk]),
        {"version": provider.version},
    )
    deleted = CaseStudy.history.filter(id=case_study.pk, history_type="-").get()
    assert deleted.history_user == owner


#: Buttons that act without input: any POST is the action itself.
NO_INPUT_ACTIONS = (
    "submit",
    "deactivate",
    "pending_withdraw",
    "member_remove",
    "invitation_cancel",
)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"version": "abc"},
        {"version": "-1", "name": "", "year": "nineteen", "period_start": "31/31/2020"},
        {"version": "99999999999999999999", "services-TOTAL_FORMS": "x"},
        {"services-TOTAL_FORMS": "5000", "services-INITIAL_FORMS": "0", "version": "1"},
        {"email": "not-an-email", "role": "king", "certification": "999999", "id": "x"},
    ],
    ids=["empty", "bad-version", "bad-values", "broken-management", "too-many-rows", "junk"],
)
def test_bad_input_on_every_form_is_a_message_never_a_500(client, victim, payload):
    client.force_login(victim["owner"])
    before = snapshot(victim["provider"])
    for name, args, methods, _data in listing_urls(victim):
        if "POST" not in methods or name in NO_INPUT_ACTIONS:
            continue
        path = reverse(f"dashboard:{name}", args=[victim["provider"].pk, *args])
        response = client.post(path, payload)
        assert response.status_code in (200, 302), (name, response.status_code)
    assert snapshot(victim["provider"]) == before
