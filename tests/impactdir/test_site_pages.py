"""About, privacy and terms; the 404 and 500 pages; icons and link-preview tags in <head>."""

import re
from html import unescape

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse

from accounts.models import Session
from buyers import services as buyer_services
from buyers.models import Inquiry, InquiryMessage, SavedSearch, Shortlist, ShortlistEntry
from providers.findability import STATIC_PAGES
from providers.models import Membership
from tests.factories import BuyerFactory, IsspUserFactory, MembershipFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PAGES = ["about", "privacy", "terms"]


def head_of(response) -> str:
    html = response.content.decode()
    return html[: html.index("</head>")]


def meta(head: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', head)
    return unescape(found.group(1)) if found else None


def title(head: str) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", head, re.S).group(1))


@pytest.mark.parametrize("name", PAGES)
def test_site_pages_are_public_linked_from_the_footer_and_in_the_sitemap(
    client, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'style="' not in response.content.decode()
    home = client.get(reverse("home")).content.decode()
    footer = home[home.index('<footer class="site-footer">') :]
    assert f'href="{reverse(name)}"' in footer
    sitemap = client.get(reverse("sitemap_section", args=["pages"])).content.decode()
    assert f"<loc>http://127.0.0.1:8000{reverse(name)}</loc>" in sitemap


def test_the_privacy_notice_names_retention_from_the_settings(client, settings):
    settings.LOGIN_BURST_SECONDS = 90
    settings.AXES_FAILURE_LIMIT = 7
    settings.AXES_COOLOFF_TIME = 0.5
    settings.SESSION_COOKIE_AGE = 3 * 86400
    settings.CONTACT_EMAIL = "privacy@directory.example"

    page = client.get(reverse("privacy")).content.decode()

    assert "more than 90 seconds old" in page
    assert "after 7 failures the account is locked for that address for 30 minutes" in page
    assert "for up to 3 days" in page
    assert "180 days" in page  # the known-device cookie
    assert 'href="mailto:privacy@directory.example"' in page
    assert 'href="/accounts/delete/"' in page


def test_deleting_an_account_removes_what_the_privacy_notice_says(client):
    """The notice lists what an operator's deletion removes: hold it to that."""
    buyer = BuyerFactory()
    staff = IsspUserFactory()
    provider = ProviderFactory()
    MembershipFactory(provider=provider, user=staff)
    shortlist = buyer_services.shortlist_create(owner=buyer, name="Mine")
    buyer_services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider, note="n")
    buyer_services.saved_search_create(
        owner=buyer, name="S", query_string="country=KE", frequency="daily"
    )
    [inquiry] = buyer_services.inquiry_send(
        buyer=buyer, providers=[provider], subject="Hi", body="Capacity?"
    )
    other_buyer = BuyerFactory()
    [other] = buyer_services.inquiry_send(
        buyer=other_buyer, providers=[provider], subject="Q", body="Price?"
    )
    InquiryMessage.objects.create(inquiry=other, author=staff, from_provider=True, body="Yes")
    client.force_login(buyer)
    assert Session.objects.filter(user=buyer).exists()

    buyer.delete()
    staff.delete()

    assert not Session.objects.filter(user_id=buyer.pk).exists()
    assert not Shortlist.objects.exists() and not ShortlistEntry.objects.exists()
    assert not SavedSearch.objects.exists()
    assert not Inquiry.objects.filter(pk=inquiry.pk).exists()
    assert not Membership.objects.exists()
    reply = other.messages.get(from_provider=True)
    assert reply.author is None and reply.body == "Yes"  # stays, without its author


def test_the_404_page_has_a_search_box(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    form = page[page.index('<form class="error-search"') :]
    form = form[: form.index("</form>")]
    assert f'action="{reverse("search")}"' in form
    assert 'method="get"' in form and 'name="q"' in form
    assert '<label for="not-found-q">' in form
    assert 'class="site-footer"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_an_unpublished_profile_gives_the_same_404_page(client):
    provider = ProviderFactory(status="draft")
    response = client.get(reverse("providers:detail", args=[provider.slug]))
    assert response.status_code == 404
    assert 'name="q"' in response.content.decode()


def test_a_server_error_gives_the_500_page_in_the_site_layout_without_queries():
    """A bug in a query (not a lost connection, which is a 503) with DEBUG off."""
    queries = []

    def fail(execute, sql, params, many, context):
        queries.append(sql)
        raise IntegrityError("a bug in a query")

    provider = ProviderFactory()
    anonymous = Client(raise_request_exception=False)
    with connection.execute_wrapper(fail):
        response = anonymous.get(provider.get_absolute_url())

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert f'href="{reverse("privacy")}"' in page
    assert "Traceback" not in page and "a bug in a query" not in page
    assert len(queries) == 1  # the page itself asked nothing of the database


def test_every_page_names_its_icons(client):
    head = head_of(client.get(reverse("home")))
    for path in ("img/favicon.ico", "img/favicon.svg", "img/apple-touch-icon.png"):
        assert f'href="/static/{path}"' in head
        assert client.get(f"/static/{path}").status_code == 200


def test_favicon_ico_at_the_root_is_answered(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.ico"


def test_a_profile_link_has_a_preview(client):
    provider = ProviderFactory(
        name="Lake & Lagoon Data", tagline="Annotation from Kisumu", slug="lake-lagoon"
    )
    head = head_of(client.get(provider.get_absolute_url()))

    assert title(head) == "Lake & Lagoon Data · ImpactDir"
    assert meta(head, "description") == "Annotation from Kisumu"
    assert meta(head, "og:title") == "Lake & Lagoon Data: Annotation from Kisumu"
    assert meta(head, "og:url") == "http://127.0.0.1:8000/providers/lake-lagoon/"
    assert meta(head, "og:image") == "http://127.0.0.1:8000/static/img/share.png"
    assert meta(head, "og:site_name") == "ImpactDir"
    assert meta(head, "twitter:card") == "summary"
    assert meta(head, "og:description")


def test_a_profile_with_a_logo_previews_the_logo_on_the_public_address(client, settings):
    settings.SITE_URL = "https://impactdir.example"
    provider = ProviderFactory(slug="with-logo", logo="logos/with-logo.png")
    head = head_of(client.get(provider.get_absolute_url()))

    assert meta(head, "og:image") == "https://impactdir.example/media/logos/with-logo.png"
    assert meta(head, "og:url") == "https://impactdir.example/providers/with-logo/"


@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("", "Find providers · ImpactDir"),
        ("?q=data", "Text: “data” – Find providers · ImpactDir"),
        ("?country=KE", "Delivery country: Kenya – Find providers · ImpactDir"),
        ("?sort=size", "Find providers – sorted by Workforce size · ImpactDir"),
        ("?sort=name", "Find providers · ImpactDir"),  # the default order is not named
        ("?page=2", "Find providers – page 2 of 2 · ImpactDir"),
        (
            "?q=works&sort=updated&page=2",
            "Text: “works” – Find providers – sorted by Recently updated – page 2 of 2 · ImpactDir",
        ),
    ],
)
def test_search_titles_name_the_filters_order_and_page(client, settings, query, expected_title):
    settings.SEARCH_PAGE_SIZE = 1
    ProviderFactory(name="Alpha Works", slug="alpha")
    ProviderFactory(name="Bravo Works", slug="bravo")
    head = head_of(client.get(reverse("search") + query))

    assert title(head) == expected_title
    assert meta(head, "og:title") + " · ImpactDir" == expected_title
    description = meta(head, "description")
    assert description == meta(head, "og:description")
    assert "impact sourcing providers" in description


def test_a_comparison_link_previews_the_providers_compared(client):
    a = ProviderFactory(name="Alpha Works", slug="alpha")
    b = ProviderFactory(name="Bravo & Sons", slug="bravo")
    url = reverse("buyers:compare") + f"?p={a.slug}&p={b.slug}"
    head = head_of(client.get(url))

    assert title(head) == "Compare Alpha Works and Bravo & Sons · ImpactDir"
    assert meta(head, "og:url") == "http://127.0.0.1:8000" + url


def test_user_input_in_titles_is_escaped(client):
    head = head_of(client.get(reverse("search") + '?q="><script>x</script>'))
    assert "<script>x" not in head
    assert "&lt;script&gt;x" in head


def test_every_public_page_has_its_own_title_and_description(client):
    titles, descriptions = {}, {}
    for name, _changefreq, _priority in STATIC_PAGES:
        head = head_of(client.get(reverse(name)))
        titles.setdefault(title(head), []).append(name)
        descriptions.setdefault(meta(head, "description"), []).append(name)
    assert [names for names in titles.values() if len(names) > 1] == []
    assert [names for names in descriptions.values() if len(names) > 1] == []
