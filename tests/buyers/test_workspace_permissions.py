"""Every workspace URL, tried by a second buyer, an ISSP user and an anonymous visitor."""

import pytest
from django.urls import reverse

from buyers import services
from buyers.models import (
    Inquiry,
    InquiryMessage,
    SavedSearch,
    SavedSearchAlertSent,
    Shortlist,
    ShortlistEntry,
)
from buyers.search.current import search_index
from tests.factories import IsspUserFactory, MembershipFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (
            Shortlist,
            ShortlistEntry,
            SavedSearch,
            SavedSearchAlertSent,
            Inquiry,
            InquiryMessage,
        )
    ]


@pytest.fixture
def owned(buyer, provider, member):
    """The buyer's shortlist (with the provider and a note), saved search and inquiry."""
    shortlist = services.shortlist_create(owner=buyer, name="Private list")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider, note="secret note")
    other = ProviderFactory(slug="second-provider")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=other)
    saved = services.saved_search_create(
        owner=buyer, name="Private search", query_string="country=KE", frequency="daily"
    )
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], subject="Private subject", body="Private body"
    )
    entry = shortlist.entries.get(provider=provider)
    return {"shortlist": shortlist, "entry": entry, "saved": saved, "inquiry": inquiry}


def private_requests(owned, provider):
    s, e, q, i = owned["shortlist"], owned["entry"], owned["saved"], owned["inquiry"]
    return [
        ("get", reverse("buyers:shortlist_detail", args=[s.pk]), {}),
        ("get", reverse("buyers:shortlist_delete", args=[s.pk]), {}),
        ("get", reverse("buyers:shortlist_export", args=[s.pk]), {}),
        ("get", reverse("buyers:search_delete", args=[q.pk]), {}),
        ("get", reverse("buyers:inquiry_detail", args=[i.pk]), {}),
        ("get", reverse("dashboard:inbox_detail", args=[i.pk]), {}),
        ("get", reverse("buyers:inquiry_new") + f"?shortlist={s.pk}", {}),
        ("post", reverse("buyers:shortlist_rename", args=[s.pk]), {"name": "Hacked"}),
        ("post", reverse("buyers:shortlist_delete", args=[s.pk]), {}),
        ("post", reverse("buyers:shortlist_sort", args=[s.pk]), {"by": "name"}),
        ("post", reverse("buyers:entry_note", args=[s.pk, e.pk]), {"note": "Hacked"}),
        ("post", reverse("buyers:entry_move", args=[s.pk, e.pk]), {"direction": "down"}),
        ("post", reverse("buyers:entry_remove", args=[s.pk, e.pk]), {}),
        (
            "post",
            reverse("buyers:shortlist_add"),
            {"provider": "third-provider", "shortlist": s.pk},
        ),
        (
            "post",
            reverse("buyers:shortlist_remove"),
            {"provider": provider.slug, "shortlist": s.pk},
        ),
        (
            "post",
            reverse("buyers:search_update", args=[q.pk]),
            {f"s{q.pk}-name": "Hacked", f"s{q.pk}-frequency": "weekly"},
        ),
        ("post", reverse("buyers:search_delete", args=[q.pk]), {}),
        ("post", reverse("buyers:inquiry_reply", args=[i.pk]), {"body": "Hacked"}),
        ("post", reverse("buyers:inquiry_close", args=[i.pk]), {}),
        ("post", reverse("dashboard:inbox_reply", args=[i.pk]), {"body": "Hacked"}),
        ("post", reverse("dashboard:inbox_close", args=[i.pk]), {}),
        (
            "post",
            reverse("buyers:inquiry_new"),
            {"shortlist": s.pk, "subject": "Hacked", "body": "Hacked"},
        ),
    ]


@pytest.mark.parametrize("who", ["other_buyer", "issp_outsider", "anonymous"])
def test_private_urls_refuse_everyone_but_the_owner(client, owned, provider, other_buyer, who):
    ProviderFactory(slug="third-provider")
    if who == "other_buyer":
        client.force_login(other_buyer)
    elif who == "issp_outsider":
        outsider = IsspUserFactory(email="outsider@issp.example")
        MembershipFactory(user=outsider)
        client.force_login(outsider)
    before = snapshot()
    for method, url, data in private_requests(owned, provider):
        response = getattr(client, method)(url, data)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url
        else:
            assert response.status_code in (403, 404), (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in (b"secret note", b"Private list", b"Private subject", b"Private body"):
            assert secret not in body, url
    assert snapshot() == before


@pytest.mark.parametrize("who", ["other_buyer", "issp_outsider", "anonymous"])
def test_list_pages_show_nothing_of_the_owners(client, owned, other_buyer, who):
    if who == "other_buyer":
        client.force_login(other_buyer)
    elif who == "issp_outsider":
        client.force_login(IsspUserFactory(email="outsider@issp.example"))
    names = [
        "buyers:workspace",
        "buyers:shortlists",
        "buyers:searches",
        "buyers:inquiries",
        "buyers:search_new",
        "dashboard:inbox",
    ]
    for name in names:
        response = client.get(reverse(name))
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        # ISSP staff keep shortlists (to find partners) and inquiries of their own (to
        # other providers), nothing else of the workspace.
        elif who == "issp_outsider" and name not in (
            "dashboard:inbox",
            "buyers:shortlists",
            "buyers:inquiries",
        ):
            assert response.status_code == 403
        else:
            assert response.status_code == 200
        for secret in (b"Private list", b"Private search", b"Private subject"):
            assert secret not in response.content


def test_the_owner_and_the_providers_staff_get_in(client, buyer, member, owned):
    client.force_login(buyer)
    for name in ["workspace", "shortlists", "searches", "inquiries"]:
        assert client.get(reverse(f"buyers:{name}")).status_code == 200
    assert b"secret note" in client.get(owned["shortlist"].get_absolute_url()).content
    client.force_login(member)
    assert b"Private body" in client.get(owned["inquiry"].get_provider_url()).content


def test_anonymous_shortlist_button_post_goes_to_login(client, provider):
    response = client.post(reverse("buyers:shortlist_add"), {"provider": provider.slug})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Shortlist.objects.count() == 0


@pytest.mark.parametrize("size", [1, 20])
def test_list_pages_query_counts(client, buyer, size, settings, django_assert_max_num_queries):
    settings.BUYERS_INQUIRIES_PER_HOUR = 100
    providers = [ProviderFactory() for _ in range(size)]
    staff = IsspUserFactory(email="staff-many@issp.example")
    for p in providers:
        MembershipFactory(provider=p, user=staff)
    big = services.shortlist_create(owner=buyer, name="Big")
    for n, p in enumerate(providers):
        services.shortlist_create(owner=buyer, name=f"List {n}")
        services.shortlist_add(shortlist=big, user=buyer, provider=p, note=f"note {n}")
        services.saved_search_create(owner=buyer, name=f"Search {n}", query_string=f"q=x{n}")
    services.inquiry_send(buyer=buyer, providers=providers, subject="Hello", body="Body")
    client.force_login(buyer)
    # The search index is built once per process (the search page builds it too);
    # the saved searches page then reads it with one query, for the filters' names.
    search_index()
    # Session and user are 2 of these; the rest must not grow with the number of rows.
    pages = [
        (reverse("buyers:workspace"), 6),
        # Own shortlists, and those shared with the buyer.
        (reverse("buyers:shortlists"), 5),
        # Entries, their latest reports, the notes the buyer may read, the group.
        (big.get_absolute_url(), 7),
        (reverse("buyers:searches"), 5),
        (reverse("buyers:inquiries"), 4),
        (reverse("buyers:compare") + "?" + "&".join(f"p={p.slug}" for p in providers[:5]), 11),
    ]
    for url, budget in pages:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
    client.force_login(staff)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("dashboard:inbox")).status_code == 200
    inquiry = Inquiry.objects.first()
    with django_assert_max_num_queries(5):
        assert client.get(inquiry.get_provider_url()).status_code == 200
