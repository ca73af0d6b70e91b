"""sitemap.xml, robots.txt and the canonical address of every public page."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from providers import findability
from providers import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

SITE = "https://impactdir.example"


@pytest.fixture(autouse=True)
def site_url(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"


def locations(xml):
    return re.findall(r"<loc>([^<]+)</loc>", xml)


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_facets(client):
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for prefix in [
        "/shortlists/",
        "/searches/",
        "/exports/",
        "/inquiries/",
        "/dashboard/",
        "/accounts/",
        "/admin/",
        "/evidence/",
        "/workspace/",
        "/compare/",
    ]:
        assert f"Disallow: {prefix}" in lines
    assert "Disallow: /providers/?" in lines
    assert "Disallow: /providers/" not in lines
    assert "Disallow: /data/" not in lines
    assert lines[-1] == f"Sitemap: {SITE}/sitemap.xml"


def test_the_sitemap_index_names_every_section(client, django_assert_max_num_queries):
    f.ProviderFactory(slug="one")

    with django_assert_max_num_queries(4):
        response = client.get("/sitemap.xml")

    xml = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert locations(xml) == [
        f"{SITE}/sitemap-{kind}{suffix}.xml"
        for kind in ("pages", "providers")
        for suffix in ("", "-fr", "-es", "-pt", "-ar")
    ]
    assert "<lastmod>" in xml


def test_the_pages_section_lists_the_public_pages_that_exist(client):
    html = client.get("/sitemap-pages.xml").content.decode()

    assert locations(html) == [
        f"{SITE}/",
        f"{SITE}/providers/",
        f"{SITE}/case-studies/",
        f"{SITE}/stats/",
        f"{SITE}/stats/methodology/",
        f"{SITE}/data/",
        f"{SITE}/data/fields/",
        f"{SITE}/how-results-are-ordered/",
        f"{SITE}/how-figures-are-protected/",
        f"{SITE}/about/",
        f"{SITE}/privacy/",
        f"{SITE}/terms/",
    ]


def test_the_providers_section_lists_published_profiles_with_their_last_change(
    client, django_assert_max_num_queries
):
    shown = f.ProviderFactory(slug="shown-provider")
    for status in [
        m.ListingStatus.DRAFT,
        m.ListingStatus.SUBMITTED,
        m.ListingStatus.SUSPENDED,
        m.ListingStatus.INACTIVE,
    ]:
        f.ProviderFactory(slug=f"not-{status}", status=status)

    with django_assert_max_num_queries(1):
        response = client.get("/sitemap-providers.xml")

    xml = response.content.decode()
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    assert locations(xml) == [f"{SITE}/providers/shown-provider/"]
    lastmod = shown.updated_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"<lastmod>{lastmod}</lastmod>" in xml
    assert response["Last-Modified"]


def test_a_large_providers_section_is_split_into_pages(
    client, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(findability.ProviderSitemap, "limit", 2)
    slugs = [f"paged-{n}" for n in range(5)]
    for slug in slugs:
        f.ProviderFactory(slug=slug)

    index = locations(client.get("/sitemap.xml").content.decode())
    pages = []
    for page in (1, 2, 3):
        with django_assert_max_num_queries(1):
            xml = client.get("/sitemap-providers.xml", {"p": page}).content.decode()
        pages.append(locations(xml))

    assert f"{SITE}/sitemap-providers.xml?p=3" in index
    assert f"{SITE}/sitemap-providers.xml?p=4" not in index
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sum(pages, []) == [f"{SITE}/providers/{slug}/" for slug in slugs]
    assert client.get("/sitemap-providers.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-providers.xml", {"p": "x"}).status_code == 404
    assert client.get("/sitemap-unknown.xml").status_code == 404


# Not named "page": that is pytest-playwright's fixture, and parametrizing it makes this a
# browser test, run among them after their database flushes.
@pytest.mark.parametrize("number", ["²", "①", "٣", "0", "-1", "99999999999999999999", "1\x00"])
def test_a_page_number_that_is_no_number_is_not_found(client, number):
    """Python's isdigit() accepts "²" and int() refuses it: a 500 (found by the fuzz walk)."""
    f.ProviderFactory(slug="shown-provider")
    assert client.get("/sitemap-providers.xml", {"p": number}).status_code == 404


def test_a_full_providers_file_stays_within_the_sitemap_protocols_limits():
    """At most 50,000 URLs and 50 MB a file: with six alternates a <url>, the size binds first."""
    longest = "x" * 200  # Provider.slug's max_length
    entry = findability._localized(
        SITE,
        f"/providers/{longest}/",
        "ar",
        lastmod=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
        changefreq="weekly",
        priority=0.8,
    )
    one_url = len(findability.render_urlset([entry]).encode()) - len(
        findability.render_urlset([]).encode()
    )

    assert findability.ProviderSitemap.limit <= 50_000
    assert findability.ProviderSitemap.limit * one_url < 50 * 1024 * 1024


def canonical_links(html):
    return re.findall(r'<link rel="canonical" href="([^"]+)">', html)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/", "/"),
        ("/providers/", "/providers/"),
        ("/providers/?country=KE&sort=name&page=2", "/providers/"),
        ("/providers/listed/?utm_source=mail", "/providers/listed/"),
        ("/how-results-are-ordered/", "/how-results-are-ordered/"),
        ("/how-figures-are-protected/", "/how-figures-are-protected/"),
        ("/data/", "/data/"),
        ("/data/fields/", "/data/fields/"),
        ("/accounts/login/", "/accounts/login/"),
    ],
)
def test_every_public_page_names_its_canonical_address(client, url, canonical):
    f.ProviderFactory(slug="listed")

    response = client.get(url)

    assert response.status_code == 200
    assert canonical_links(response.content.decode()) == [SITE + canonical]


def test_the_footer_links_to_the_open_data(client):
    html = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("opendata:index")}"' in html
