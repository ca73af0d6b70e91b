"""The compare selection: up to five providers chosen from result cards and profiles.

Kept in the session (anonymous visitors too), changed by POST and a redirect
back (no JavaScript needed), guarded by the request's origin rather than a
CSRF token so the public pages it sits on stay cookie-free.
"""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from buyers.compare import SESSION_KEY
from buyers.models import Inquiry
from providers.models import ListingStatus
from tests.factories import BuyerFactory, DeliveryCentreFactory, ProviderFactory

pytestmark = pytest.mark.django_db

ADD = "/compare/add/"
REMOVE = "/compare/remove/"
COMPARE = "/compare/"


@pytest.fixture
def six():
    return [
        ProviderFactory(name=f"Selection {letter} Works", slug=f"selection-{letter}")
        for letter in "abcdef"
    ]


def selected(client) -> list[int]:
    return client.session.get(SESSION_KEY, [])


def add(client, provider, **extra):
    return client.post(ADD, {"provider": str(provider.pk), "next": "/providers/"}, **extra)


def choose(client, *providers):
    """Add providers as a visitor would, reading the page each time (so its message is shown)."""
    for provider in providers:
        assert add(client, provider, follow=True).status_code == 200


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_anonymous_visitor_adds_and_is_sent_back(client, six):
    response = add(client, six[0])

    assert response.status_code == 302
    assert response["Location"] == "/providers/"
    assert selected(client) == [six[0].pk]
    page = client.get("/providers/")
    html = page.content.decode()
    assert "Selection a Works added to your comparison (1 of 5)." in html
    assert 'class="compare-tray__link" href="/compare/">Compare (1)</a>' in html


def test_without_next_the_referring_page_is_used(client, six):
    profile = six[0].get_absolute_url()
    response = client.post(ADD, {"provider": six[0].pk}, HTTP_REFERER=f"http://testserver{profile}")
    assert response["Location"] == f"http://testserver{profile}"
    # Another site's address is never a target.
    response = client.post(ADD, {"provider": six[1].pk}, HTTP_REFERER="https://evil.example/")
    assert response["Location"] == COMPARE
    assert selected(client) == [six[0].pk, six[1].pk]


def test_a_sixth_is_refused_and_changes_nothing(client, six):
    choose(client, *six[:5])
    before = selected(client)

    response = add(client, six[5], follow=True)

    assert selected(client) == before == [p.pk for p in six[:5]]
    assert messages_of(response) == [
        "You can compare at most 5 providers at once. Remove one before adding Selection f Works."
    ]


def test_adding_twice_says_so_and_keeps_one(client, six):
    choose(client, six[0])
    response = add(client, six[0], follow=True)
    assert messages_of(response) == ["Selection a Works is already in your comparison."]
    assert selected(client) == [six[0].pk]


@pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.SUBMITTED])
def test_an_unpublished_listing_is_refused(client, six, status):
    draft = ProviderFactory(name="Hidden Draft Works", slug="hidden-draft", status=status)
    choose(client, six[0])

    response = add(client, draft, follow=True)

    assert messages_of(response) == ["Only published providers can be compared; this one is not."]
    assert "Hidden Draft Works" not in response.content.decode()
    assert selected(client) == [six[0].pk]


@pytest.mark.parametrize("value", ["", "abc", "99999999", "1e3", "-1", "9" * 40])
def test_bad_ids_get_the_same_clear_refusal(client, value):
    response = client.post(ADD, {"provider": value}, follow=True)
    assert response.status_code == 200
    assert messages_of(response) == ["Only published providers can be compared; this one is not."]
    assert selected(client) == []


def test_remove_one_then_all(client, six):
    choose(client, *six[:3])

    response = client.post(REMOVE, {"provider": six[1].pk, "next": COMPARE}, follow=True)
    assert messages_of(response) == ["Removed from your comparison."]
    assert selected(client) == [six[0].pk, six[2].pk]

    response = client.post(REMOVE, {"provider": six[1].pk}, follow=True)
    assert messages_of(response) == ["That provider is not in your comparison."]
    assert selected(client) == [six[0].pk, six[2].pk]

    response = client.post(REMOVE, {"provider": "all", "next": COMPARE}, follow=True)
    assert messages_of(response) == ["Your comparison is empty."]
    assert SESSION_KEY not in client.session


def test_get_is_not_allowed(client, six):
    assert client.get(ADD + f"?provider={six[0].pk}").status_code == 405
    assert client.get(REMOVE).status_code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
    ],
)
def test_another_sites_page_cannot_change_the_selection(client, six, headers):
    choose(client, six[0])

    assert add(client, six[1], **headers).status_code == 403
    assert client.post(REMOVE, {"provider": "all"}, **headers).status_code == 403
    assert selected(client) == [six[0].pk]


def test_a_same_origin_browser_post_is_accepted(client, six):
    response = add(
        client, six[0], HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 302
    assert selected(client) == [six[0].pk]


def test_the_selection_is_the_visitors_own(client, six):
    choose(client, six[0])
    choose(client, six[1])
    other = Client()
    other.force_login(BuyerFactory())

    html = other.get(COMPARE).content.decode()

    assert "Selection a Works" not in html and "Compare (" not in html
    assert other.post(REMOVE, {"provider": "all"}).status_code == 302
    assert selected(client) == [six[0].pk, six[1].pk]


def test_compare_page_shows_the_selection(client, six, django_assert_max_num_queries):
    for provider in six[:5]:
        DeliveryCentreFactory(provider=provider)
    choose(client, *six[:5])

    with django_assert_max_num_queries(9):
        response = client.get(COMPARE)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    html = response.content.decode()
    for provider in six[:5]:
        assert f'<th scope="col"><a href="{provider.get_absolute_url()}">' in html
        assert f'name="provider" value="{provider.pk}"' in html
    assert 'Remove<span class="visually-hidden"> from compare Selection a Works</span>' in html
    assert "Clear the comparison" in html
    # Actions: one inquiry to all, the CSV, shortlisting (log in first when anonymous).
    slugs = "&amp;".join(f"provider={p.slug}" for p in six[:5])
    assert f'href="/inquiries/new/?{slugs}">Send one inquiry to all 5</a>' in html
    assert 'href="/compare/export.csv" download>Download as CSV</a>' in html
    assert "Log in to shortlist" in html
    # The "Compare (n)" bar is not repeated on the compare page itself.
    assert "compare-tray__link" not in html


def test_query_count_does_not_grow_with_the_selection(client, six, django_assert_num_queries):
    choose(client, six[0])
    choose(client, six[1])
    with django_assert_num_queries(9):
        client.get(COMPARE)
    choose(client, *six[2:5])
    with django_assert_num_queries(9):
        client.get(COMPARE)


def test_one_chosen_asks_for_another(client, six):
    choose(client, six[0])
    html = client.get(COMPARE).content.decode()
    assert "Your selection: 1 of 5" in html
    assert "Selection a Works" in html and "Remove from compare" in html
    assert "compare-table" not in html


def test_a_listing_taken_offline_leaves_the_selection(client, six):
    choose(client, *six[:3])
    six[1].status = ListingStatus.INACTIVE
    six[1].save(update_fields=["status"])

    html = client.get(COMPARE).content.decode()

    assert "Selection b Works" not in html
    assert selected(client) == [six[0].pk, six[2].pk]


def test_shortlist_links_with_slugs_still_compare_and_stay_public(client, six):
    choose(client, six[5])
    response = client.get(f"{COMPARE}?p={six[0].slug}&p={six[1].slug}")
    html = response.content.decode()
    assert "Selection a Works" in html and "Selection b Works" in html
    assert "from compare" not in html  # not the selection
    assert "no-store" not in response.get("Cache-Control", "")
    assert f'href="/compare/export.csv?p={six[0].slug}&amp;p={six[1].slug}"' in html


def test_export_of_the_selection(client, six, django_assert_max_num_queries):
    choose(client, *six[:3])
    with django_assert_max_num_queries(9):
        response = client.get("/compare/export.csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["name"] for row in rows] == [
        "Selection a Works",
        "Selection b Works",
        "Selection c Works",
    ]
    assert "no-store" in response["Cache-Control"]


def test_export_by_slugs_skips_unpublished(client, six):
    draft = ProviderFactory(name="Export Draft", slug="export-draft", status=ListingStatus.DRAFT)
    response = client.get(f"/compare/export.csv?p={six[1].slug}&p={draft.slug}")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row["name"] for row in csv.DictReader(io.StringIO(body))] == ["Selection b Works"]


def test_profile_offers_compare_and_then_shows_it_is_chosen(
    client, six, django_assert_max_num_queries
):
    url = six[0].get_absolute_url()
    html = client.get(url).content.decode()
    assert f'<input type="hidden" name="provider" value="{six[0].pk}">' in html
    assert "Add to compare<span" in html

    choose(client, six[0])
    # The session, the provider, its lists: the selection costs no query of its own.
    with django_assert_max_num_queries(3):
        html = client.get(url).content.decode()
    assert 'href="/compare/">In your comparison (1)</a>' in html
    assert "Remove from compare" in html and "Add to compare<span" not in html


def test_result_cards_submit_the_shared_form(client, six):
    html = client.get("/providers/").content.decode()
    assert '<form id="compare-add" method="post" action="/compare/add/" hidden></form>' in html
    for provider in six:
        assert (
            f'<button type="submit" form="compare-add" name="provider" value="{provider.pk}"'
            in html
        )
    # Nothing in the cards depends on the visitor: no token, no state.
    assert "csrfmiddlewaretoken" not in html


def test_anonymous_profile_and_search_set_no_cookie(client, six):
    for path in ["/providers/", six[0].get_absolute_url()]:
        response = client.get(path)
        assert not response.cookies, path


def test_inquiry_to_every_compared_provider(client, six):
    buyer = BuyerFactory()
    client.force_login(buyer)
    query = "&".join(f"provider={p.slug}" for p in six[:3])
    html = client.get(f"/inquiries/new/?{query}").content.decode()
    assert "To 3 providers; each gets its own private thread:" in html
    assert html.count('<input type="hidden" name="provider"') == 3

    response = client.post(
        reverse("buyers:inquiry_new"),
        {
            "provider": [p.slug for p in six[:3]],
            "subject": "Capacity in 2027",
            "body": "Could you take on 20 more annotators?",
        },
    )
    assert response.status_code == 302
    assert sorted(Inquiry.objects.filter(buyer=buyer).values_list("provider__slug", flat=True)) == [
        p.slug for p in six[:3]
    ]


def test_inquiry_refuses_six_or_a_draft(client, six):
    client.force_login(BuyerFactory())
    query = "&".join(f"provider={p.slug}" for p in six)
    assert client.get(f"/inquiries/new/?{query}").status_code == 404
    draft = ProviderFactory(slug="inquiry-draft", status=ListingStatus.DRAFT)
    assert (
        client.get(f"/inquiries/new/?provider={six[0].slug}&provider={draft.slug}").status_code
        == 404
    )


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "home", "javascript:alert(1)"]
)
def test_a_next_off_this_site_falls_back_to_the_compare_page(client, six, target):
    response = client.post(ADD, {"provider": six[0].pk, "next": target})
    assert response["Location"] == COMPARE
