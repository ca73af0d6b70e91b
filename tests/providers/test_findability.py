"""sitemap.xml, robots.txt and the canonical address of every public page."""

import datetime
import re
from html import unescape
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


def rule_matches(pattern: str, path: str) -> bool:
    """RFC 9309 matching: `*` is any run of characters, a final `$` ends the path."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.match(regex + (r"\Z" if anchored else ""), path) is not None


def crawlable(robots: str, path: str) -> bool:
    """Whether robots.txt (one group, for every crawler) lets crawlers read `path`.

    The longest matching rule decides and an Allow wins a tie (RFC 9309 section
    2.2.2), as Lighthouse's parser and search engines read it; Python's
    urllib.robotparser takes the first match instead, so it cannot check these rules.
    """
    best = None
    for line in robots.splitlines():
        field, _, value = line.partition(":")
        field, value = field.strip().lower(), value.strip()
        if field not in ("allow", "disallow") or not value or not rule_matches(value, path):
            continue
        if best is None or (len(value), field == "allow") > (len(best[1]), best[0]):
            best = (field == "allow", value)
    return best is None or best[0]


#: Paths without a language prefix, whatever the language: crawlers may read these...
CRAWLABLE = [
    "/",
    "/providers/",
    "/providers/listed/",
    "/providers/?q=call+centre",
    "/providers/?q=call+centre&page=2",
    "/providers/?q=call+centre&country=KE",
    "/providers/?q=call+centre&sort=name",
    "/providers/?q=a%26b&page=2",
    "/case-studies/",
    "/stats/",
    "/data/",
    "/compare/?p=one&p=two",
    "/compare/?p=one&p=two&diff=1",
]
#: ... and not these: the visitor's own pages and facet combinations.
NOT_CRAWLABLE = [
    "/providers/?country=KE",
    "/providers/?page=2",
    "/providers/?sort=name&q=call",
    "/providers/?q=",
    "/providers/?q=&country=KE",
    "/providers/?q=&sort=name",
    "/providers/?q=call&country=KE&page=2",
    "/providers/?q=call&country=KE&country=IN",
    "/providers/?q=call&sort=name&page=3",
    "/compare/",
    "/compare/?diff=1&p=one",
    "/compare/?p",
    "/compare/add/",
    "/compare/export.csv?p=one",
    "/shortlists/",
    "/shortlists/4/",
    "/searches/",
    "/exports/",
    "/inquiries/",
    "/dashboard/",
    "/dashboard/listings/3/",
    "/accounts/login/",
    "/workspace/",
]


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
    assert "Allow: /providers/?q=" in lines
    assert "Allow: /compare/?p=" in lines
    assert "Disallow: /providers/" not in lines
    assert "Disallow: /data/" not in lines
    assert lines[-1] == f"Sitemap: {SITE}/sitemap.xml"


@pytest.mark.parametrize("language", ["", "/fr", "/es", "/pt", "/ar"])
def test_robots_txt_lets_crawlers_read_text_searches_and_named_comparisons(client, language):
    robots = client.get("/robots.txt").content.decode()

    assert [path for path in CRAWLABLE if not crawlable(robots, language + path)] == []
    assert [path for path in NOT_CRAWLABLE if crawlable(robots, language + path)] == []


def test_robots_txt_keeps_crawlers_out_of_the_unprefixed_private_files(client):
    robots = client.get("/robots.txt").content.decode()

    for path in ("/admin/", "/admin/login/", "/evidence/1/report.pdf"):
        assert not crawlable(robots, path), path


def test_the_search_page_and_its_links_put_the_text_first(client):
    """robots.txt lets crawlers in only when `q` comes first: the search's own links write it so."""
    f.ProviderFactory(slug="listed", name="Listed call centre")

    html = client.get("/providers/", {"country": "KE", "q": "call", "sort": "name"}).content
    html = html.decode()

    # The form's first field is the text (a GET form sends its fields in order).
    form = html[html.index('id="search-form"') :]
    assert form.index('name="q"') < min(
        form.index(marker) for marker in ('name="country"', 'name="sort"') if marker in form
    )
    # Every link to the search with a query string names the text first.
    for link in re.findall(r'href="(\?[^"]*q=[^"]*)"', html):
        assert link.startswith("?q="), link


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
    return [unescape(href) for href in re.findall(r'<link rel="canonical" href="([^"]+)">', html)]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/", "/"),
        ("/providers/", "/providers/"),
        ("/providers/?country=KE&sort=name&page=2", "/providers/"),
        ("/providers/?q=call&country=KE&sort=name", "/providers/?q=call"),
        ("/providers/?sort=name&q=call+centre", "/providers/?q=call+centre"),
        ("/compare/?p=listed&p=other&diff=1", "/compare/?p=listed&p=other"),
        ("/compare/?p=other&p=listed", "/compare/?p=other&p=listed"),
        ("/compare/", "/compare/"),
        ("/providers/listed/?utm_source=mail", "/providers/listed/"),
        ("/how-results-are-ordered/", "/how-results-are-ordered/"),
        ("/how-figures-are-protected/", "/how-figures-are-protected/"),
        ("/data/", "/data/"),
        ("/data/fields/", "/data/fields/"),
        ("/accounts/login/", "/accounts/login/"),
    ],
)
def test_every_public_page_names_its_canonical_address(client, url, canonical):
    f.ProviderFactory(slug="listed", name="Listed call centre")
    f.ProviderFactory(slug="other", name="Other call centre")

    response = client.get(url)

    assert response.status_code == 200
    assert canonical_links(response.content.decode()) == [SITE + canonical]
    assert 'name="robots"' not in response.content.decode()
    assert "X-Robots-Tag" not in response


def test_a_later_page_of_a_text_search_is_its_own_address(client, settings):
    settings.SEARCH_PAGE_SIZE = 1
    for slug in ("one", "two", "three"):
        f.ProviderFactory(slug=slug, name=f"Call centre {slug}")

    second = client.get("/providers/", {"q": "call centre", "page": "2", "sort": "name"})
    past_the_end = client.get("/fr/providers/", {"q": "call centre", "page": "9"})

    assert canonical_links(second.content.decode()) == [f"{SITE}/providers/?q=call+centre&page=2"]
    assert canonical_links(past_the_end.content.decode()) == [
        f"{SITE}/fr/providers/?q=call+centre&page=3"
    ]


def test_the_footer_links_to_the_open_data(client):
    html = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("opendata:index")}"' in html
