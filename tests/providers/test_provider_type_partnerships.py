"""Who provides impact sourcing (provider types) and partnerships between providers.

A listing is a dedicated impact sourcing provider or the programme of an outsourcing
company (with its parent company), and states the partnerships it offers and seeks.
Both are vetted differently on a published listing: the type is a vetted fact (held
for approval, like the name), partnerships go live at once. Search filters by them
(`type`, `offers`, `seeks`), the index follows edits in place, and the profile, the
result cards, the CSV export and the API show them.
"""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from buyers.search.current import search_index
from providers import models as m
from providers.services.parts import provider_update_profile
from providers.services.submission import provider_submit
from providers.services.vetting import changes_approve
from tests.factories import BuyerFactory, StaffFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db


def kind(slug: str) -> m.PartnershipKind:
    return m.PartnershipKind.objects.get(slug=slug)


def published(**fields):
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED, **fields)
    return provider, owner


def found(client, query: str) -> list[str]:
    page = client.get(reverse("search"), query)
    assert page.status_code == 200
    return page


def test_the_partnership_kinds_are_seeded():
    assert list(m.PartnershipKind.objects.values_list("slug", flat=True)) == [
        "subcontracting-capacity",
        "subcontracted-work",
        "training",
        "joint-bids",
    ]


@pytest.mark.parametrize(
    ("provider_type", "parent"),
    [("programme", ""), ("dedicated", "Globex"), ("", "Globex")],
)
def test_a_parent_company_goes_with_a_programme_only(provider_type, parent):
    provider, _owner = published()
    provider.provider_type = provider_type
    provider.parent_company = parent
    with pytest.raises(ValidationError) as raised:
        provider.full_clean(exclude=["slug"])
    assert "parent_company" in raised.value.message_dict


def test_partnerships_go_live_at_once_and_reach_search_in_place(client):
    provider, owner = published(name="Kijani Data")
    before = search_index()
    assert provider.pk not in set(
        found(client, {"offers": "subcontracting-capacity"}).context["result"].provider_ids
    )
    held = provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={
            "partnerships_offered": [kind("subcontracting-capacity")],
            "partnerships_sought": [kind("joint-bids"), kind("training")],
        },
    )
    assert held == []
    index = search_index()
    assert index.base_token == before.base_token, "applied in place, not rebuilt"
    for query in (
        {"offers": "subcontracting-capacity"},
        {"seeks": "joint-bids"},
        {"seeks": "training", "offers": "subcontracting-capacity"},
    ):
        assert found(client, query).context["result"].provider_ids == [provider.pk], query
    assert found(client, {"offers": "joint-bids"}).context["result"].provider_ids == []
    profile = client.get(provider.get_absolute_url())
    assert "Subcontracting capacity" in profile.text
    assert f'href="{reverse("search")}?seeks=joint-bids"' in profile.text


def test_the_type_is_held_for_approval_on_a_published_listing(client):
    provider, owner = published(name="Umoja Books")
    held = provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"provider_type": "programme", "parent_company": "Globex Outsourcing"},
    )
    assert sorted(held) == ["parent_company", "provider_type"]
    provider.refresh_from_db()
    assert (provider.provider_type, provider.parent_company) == ("", "")
    assert found(client, {"type": "programme"}).context["result"].provider_ids == []

    provider_submit(provider=provider, user=owner)
    changes_approve(provider=provider, by=StaffFactory())
    provider.refresh_from_db()
    assert provider.provider_type == "programme"
    assert found(client, {"type": "programme"}).context["result"].provider_ids == [provider.pk]
    page = found(client, {"type": "programme"})
    assert "Impact sourcing programme of Globex Outsourcing" in page.text
    profile = client.get(provider.get_absolute_url())
    assert "run by Globex Outsourcing" in profile.text


def test_a_programme_without_its_parent_is_refused_whole():
    provider, owner = published()
    with pytest.raises(ValidationError):
        provider_update_profile(
            provider=provider,
            user=owner,
            version=provider.version,
            data={"provider_type": "programme", "parent_company": ""},
        )
    assert not m.PendingChange.objects.filter(provider=provider).exists()


def test_a_drafts_type_is_saved_at_once():
    provider, owner = listing_with_owner(status=m.ListingStatus.DRAFT)
    held = provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"provider_type": "dedicated"},
    )
    assert held == []
    provider.refresh_from_db()
    assert provider.provider_type == "dedicated"


def test_the_export_and_the_api_carry_type_and_partnerships(client):
    provider, _owner = published(
        name="Sauti Support", provider_type="programme", parent_company="Globex Outsourcing"
    )
    provider.partnerships_offered.set([kind("training"), kind("subcontracted-work")])
    provider.partnerships_sought.set([kind("subcontracting-capacity")])
    client.force_login(BuyerFactory())
    export = client.get(reverse("buyers:export_search"), {"type": "programme"})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [(r["provider_type"], r["parent_company"], r["partnerships_offered"]) for r in rows] == [
        ("programme", "Globex Outsourcing", "subcontracted-work; training")
    ]
    assert rows[0]["partnerships_sought"] == "subcontracting-capacity"

    listing = client.get("/api/v1/providers/", {"type": "programme"}).json()
    assert [item["provider_type"] for item in listing["results"]] == ["programme"]
    detail = client.get(listing["results"][0]["url"]).json()
    assert detail["parent_company"] == "Globex Outsourcing"
    assert [t["code"] for t in detail["partnerships_offered"]] == ["subcontracted-work", "training"]
    assert all(t["id"] for t in detail["partnerships_sought"])
    taxonomies = client.get("/api/v1/taxonomies/").json()["taxonomies"]
    by_param = {t["parameter"]: [term["code"] for term in t["terms"]] for t in taxonomies}
    assert by_param["type"] == ["dedicated", "programme"]
    assert by_param["seeks"][0] == "subcontracting-capacity"


def test_an_unknown_partnership_or_type_is_reported_not_a_500(client):
    page = found(client, {"offers": "nonsense", "type": "charity"})
    assert page.context["result"].total >= 0
    messages = " ".join(page.context["params"].problems)
    assert "nonsense" in messages and "charity" in messages
