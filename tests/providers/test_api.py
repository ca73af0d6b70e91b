"""/api/v1/: the same results and counts as the search page, paging, errors, disclosure,
publication, conditional GET, rate limit, CORS, cookies and query counts."""

import json

import pytest
from django.utils import timezone

from providers.models import ListingStatus, Provider, Service
from providers.opendata.ids import stable_id
from providers.selectors import provider_profile
from tests.buyers.test_search_facets import build_directory
from tests.factories import (
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/providers/"
FACETS = "/api/v1/providers/facets/"


def api_get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code != 500
    return response


def body(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


@pytest.fixture
def directory():
    return build_directory(count=30, seed=11)


def _filters():
    leaf = Service.objects.leaves().order_by("slug").first()
    return [
        "",
        "country=KE",
        "country=KE&country=UG",
        f"service={leaf.slug}&country=UG",
        "service=data-services&size=50-249&size=250-999",
        "q=Amani",
        "q=Duma&verified=1",
        "q=amani+-duma&sort=name",
        "impact_min=25&sort=impact",
        "language=en&mode=remote&sort=size",
        "certification=iso-27001&region=africa",
    ]


def test_counts_results_and_facets_equal_the_search_page(client, directory):
    for query in _filters():
        page = client.get(f"/providers/?{query}")
        assert page.status_code == 200
        result = page.context["result"]
        assert not result.problems, (query, result.problems)
        api = body(api_get(client, f"{LIST}?{query}"))
        assert api["count"] == result.total, query
        assert f"{result.total:,}" in page.content.decode() or result.total == 0
        page_ids = [stable_id("provider", pk) for pk in result.provider_ids]
        assert [item["id"] for item in api["results"]] == page_ids, query
        assert api["sort"] == result.sort

        facets = body(api_get(client, f"{FACETS}?{query}"))
        assert facets["count"] == result.total
        shown = {
            (group.param, option.key): option.count
            for group in result.facets
            for option in group.options
        }
        given = {
            (facet["parameter"], option["code"]): option["count"]
            for facet in facets["facets"]
            for option in facet["options"]
        }
        assert given == shown, query


def test_following_a_facet_option_gives_its_count(client, directory):
    facets = body(api_get(client, f"{FACETS}?country=KE"))
    checked = 0
    for facet in facets["facets"]:
        if facet["parameter"] in {"country", "impact_min", "verified"}:
            continue
        for option in facet["options"][:3]:
            query = f"country=KE&{facet['parameter']}={option['code']}"
            assert body(api_get(client, f"{LIST}?{query}"))["count"] == option["count"], query
            checked += 1
    assert checked >= 5


def test_paging_reaches_every_result_once_and_caps_the_page_size(client, directory, settings):
    first = body(api_get(client, f"{LIST}?page_size=7"))
    seen = []
    url = f"{LIST}?page_size=7"
    while url:
        data = body(api_get(client, url))
        assert len(data["results"]) <= 7
        seen += [item["id"] for item in data["results"]]
        url = data["next"]
    assert len(seen) == len(set(seen)) == first["count"]
    assert first["num_pages"] == -(-first["count"] // 7)
    assert first["previous"] is None

    most = settings.API_MAX_PAGE_SIZE
    assert api_get(client, f"{LIST}?page_size={most}").status_code == 200
    too_many = api_get(client, f"{LIST}?page_size={most + 1}")
    assert too_many.status_code == 400
    assert body(too_many)["errors"][0]["parameter"] == "page_size"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("contry=KE", "contry"),
        ("country=XX", "country"),
        ("service=no-such-service", "service"),
        ("size=huge", "size"),
        ("impact_min=abc", "impact_min"),
        ("impact_min=101", "impact_min"),
        ("verified=yes", "verified"),
        ("sort=cheapest", "sort"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=999", "page"),
        ("page_size=0", "page_size"),
        ("q=a&q=b", "q"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_parameters_get_400_with_a_json_error(client, directory, query, parameter):
    for url in (LIST, FACETS) if parameter != "page" else (LIST,):
        response = api_get(client, f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        errors = body(response)["errors"]
        assert parameter in {error["parameter"] for error in errors}, errors
        assert all(error["message"] for error in errors)


def test_one_answer_lists_every_problem(client, directory):
    errors = body(api_get(client, f"{LIST}?country=XX&impact_min=300&colour=red"))["errors"]
    assert {error["parameter"] for error in errors} >= {"country", "impact_min", "colour"}


def test_small_counts_are_never_exact(client):
    provider = ProviderFactory(name="Tiny Data Co", slug="tiny-data-co", workforce=100)
    DeliveryCentreFactory(provider=provider, country="KE", headcount=95, impact_workers=40)
    DeliveryCentreFactory(provider=provider, country="UG", headcount=5, impact_workers=3)
    ImpactReportFactory(provider=provider, total_employees=100, impact_workers=43)
    small = ProviderFactory(name="Small Team Co", slug="small-team-co", workforce=7)
    ImpactReportFactory(provider=small, total_employees=7, impact_workers=4)
    from providers.services.catalogue import providers_refresh_derived

    providers_refresh_derived()

    listed = {item["slug"]: item for item in body(api_get(client, LIST))["results"]}
    assert listed["small-team-co"]["workforce"] == {"value": None, "status": "banded"}
    assert listed["small-team-co"]["impact_share"] == {"value": None, "status": "withheld"}
    assert listed["tiny-data-co"]["impact_share"] == {"value": 43, "status": "exact"}

    detail = body(api_get(client, listed["tiny-data-co"]["url"]))
    headcounts = {centre["country"]: centre["headcount"] for centre in detail["centres"]}
    # 5 is banded; 95 would give it away (100 - 95), so it is withheld too.
    assert headcounts == {
        "KE": {"value": None, "status": "withheld"},
        "UG": {"value": None, "status": "banded"},
    }
    profile = provider_profile(slug="tiny-data-co")
    assert [c["impact_workers"]["status"] for c in detail["centres"]] == [
        str(c.impact_workers.status) for c in profile.centres
    ]
    assert detail["workforce"] == {"value": 100, "status": "exact"}
    text = json.dumps(detail)
    assert '"value": 95' not in text and '"value": 5,' not in text


def test_only_published_listings_appear(client):
    live = ProviderFactory(name="Shown Works", slug="shown-works")
    hidden = [
        ProviderFactory(
            name=f"Hidden {status} Works",
            slug=f"hidden-{status}",
            status=status,
            rejection_reason="Not an impact sourcing provider." if status == "rejected" else "",
        )
        for status in (
            ListingStatus.DRAFT,
            ListingStatus.SUBMITTED,
            ListingStatus.REJECTED,
            ListingStatus.SUSPENDED,
            ListingStatus.INACTIVE,
        )
    ]
    data = body(api_get(client, f"{LIST}?page_size=100"))
    assert [item["slug"] for item in data["results"]] == ["shown-works"]
    assert data["count"] == 1
    assert body(api_get(client, f"{LIST}?q=Hidden"))["count"] == 0
    assert api_get(client, f"{LIST}{stable_id('provider', live.pk)}/").status_code == 200
    for provider in hidden:
        response = api_get(client, f"{LIST}{stable_id('provider', provider.pk)}/")
        assert response.status_code == 404
        assert body(response)["errors"][0]["message"]
    # Unpublished after the index was built: gone from the detail at once.
    Provider.objects.filter(pk=live.pk).update(status=ListingStatus.SUSPENDED)
    assert api_get(client, f"{LIST}{stable_id('provider', live.pk)}/").status_code == 404
    assert api_get(client, f"{LIST}not-a-uuid/").status_code == 404


def test_detail_uses_open_data_ids_and_matches_the_list(client, directory):
    item = body(api_get(client, f"{LIST}?page_size=1"))["results"][0]
    provider = Provider.objects.get(slug=item["slug"])
    assert item["id"] == stable_id("provider", provider.pk)
    detail = body(api_get(client, item["url"]))
    for key in ("id", "slug", "name", "workforce", "impact_share", "verified", "size_band"):
        assert detail[key] == item[key], key
    assert {s["code"] for s in detail["services"]} == {s["code"] for s in item["services"]}
    # Terms carry open data's term ids, the same as the list's and the taxonomies'.
    assert {s["id"] for s in detail["services"]} == {s["id"] for s in item["services"]}
    languages = {lang.code: lang.pk for lang in provider.languages.all()}
    assert languages
    assert [t["id"] for t in detail["languages"]] == [
        stable_id("term-language", languages[t["code"]]) for t in detail["languages"]
    ]
    assert detail["delivery_countries"] == sorted(
        item["delivery_countries"], key=lambda c: detail["delivery_countries"].index(c)
    )


def test_conditional_get_answers_304_until_the_data_changes(client, directory):
    for url in (f"{LIST}?country=KE", f"{FACETS}?country=KE", "/api/v1/taxonomies/"):
        first = api_get(client, url)
        etag = first["ETag"]
        assert etag
        again = api_get(client, url, if_none_match=etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
    item = body(api_get(client, LIST))["results"][0]
    detail = api_get(client, item["url"])
    assert api_get(client, item["url"], if_none_match=detail["ETag"]).status_code == 304

    url = f"{LIST}?country=KE"
    etag = api_get(client, url)["ETag"]
    ProviderFactory(name="Newly Published", slug="newly-published")
    changed = api_get(client, url, if_none_match=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_too_many_requests_get_429_with_retry_after(client, directory, settings):
    settings.API_RATE_LIMIT = 3
    for _ in range(3):
        assert api_get(client, LIST).status_code == 200
    refused = api_get(client, LIST)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert body(refused)["errors"][0]["message"]
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert refused["RateLimit-Remaining"] == "0"
    # Another client is not affected; the count lives in the database, not in a process.
    other = client.get(LIST, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200
    from providers.models import ApiClientWindow

    assert ApiClientWindow.objects.get(client="127.0.0.1").hits == 4
    # Pages outside /api/ are not counted.
    assert client.get("/providers/").status_code == 200


def test_reads_are_open_to_every_origin_without_cookies(client, directory):
    response = api_get(client, LIST, origin="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert not response.cookies
    preflight = client.options(
        LIST,
        headers={"origin": "https://example.org", "access-control-request-method": "GET"},
    )
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert preflight["Access-Control-Allow-Origin"] == "*"
    head = client.head(LIST)
    assert head.status_code == 200
    posted = client.post(LIST, {"q": "x"})
    assert posted.status_code == 405
    assert body(posted)["errors"][0]["message"]
    assert "Access-Control-Allow-Origin" not in posted
    # Not on the rest of the site.
    assert "Access-Control-Allow-Origin" not in client.get("/providers/")


def test_signed_in_users_get_no_cookie_either(client, directory):
    from tests.factories import BuyerFactory

    client.force_login(BuyerFactory())
    response = api_get(client, LIST)
    assert response.status_code == 200
    assert not response.cookies


@pytest.mark.parametrize("page_size", [1, 20])
def test_query_counts(client, directory, django_assert_max_num_queries, page_size):
    api_get(client, LIST)  # the index is built, and old rate-limit windows are swept
    # Rate limit, search token, the page's providers, their services, their centres
    # (and on PostgreSQL the text query): within the search page's budget of 6.
    with django_assert_max_num_queries(5):
        assert api_get(client, f"{LIST}?page_size={page_size}").status_code == 200
    # Items are kept per search data token, as the page keeps its cards: a page asked
    # for again costs the rate limit and the token only.
    with django_assert_max_num_queries(2):
        assert api_get(client, f"{LIST}?page_size={page_size}").status_code == 200
    with django_assert_max_num_queries(6):
        response = api_get(client, f"{LIST}?page_size={page_size}&q=Amani&country=KE")
        assert response.status_code == 200
    with django_assert_max_num_queries(2):
        assert api_get(client, f"{FACETS}?country=KE").status_code == 200
    with django_assert_max_num_queries(2):
        assert api_get(client, "/api/v1/taxonomies/").status_code == 200
    item = body(response)["results"][0] if body(response)["results"] else None
    if item is None:
        item = body(api_get(client, LIST))["results"][0]
    # A detail: rate limit, token, the profile's reads; the first one for this data also
    # reads the ids of languages and industries (kept until the data changes).
    with django_assert_max_num_queries(6):
        detail = api_get(client, item["url"])
        assert detail.status_code == 200
    with django_assert_max_num_queries(4):
        assert api_get(client, item["url"]).status_code == 200
    with django_assert_max_num_queries(2):
        assert api_get(client, item["url"], if_none_match=detail["ETag"]).status_code == 304


def test_taxonomies_list_the_codes_search_accepts(client, directory):
    data = body(api_get(client, "/api/v1/taxonomies/"))
    by_parameter = {taxonomy["parameter"]: taxonomy["terms"] for taxonomy in data["taxonomies"]}
    assert {"service", "country", "region", "certification", "size", "sort"} <= set(by_parameter)
    for parameter in ("service", "region", "certification", "language", "size"):
        code = by_parameter[parameter][0]["code"]
        assert api_get(client, f"{LIST}?{parameter}={code}").status_code == 200, parameter
    leaf = next(term for term in by_parameter["service"] if term["parent"])
    assert any(term["code"] == leaf["parent"] for term in by_parameter["service"])
    assert by_parameter["service"][0]["id"] == stable_id(
        "term-service", Service.objects.get(slug=by_parameter["service"][0]["code"]).pk
    )


def test_openapi_document_and_docs_page(client):
    document = body(api_get(client, "/api/v1/openapi.json"))
    assert document["openapi"].startswith("3.")
    operations = {
        spec["operationId"] for methods in document["paths"].values() for spec in methods.values()
    }
    assert {"provider_list", "provider_facets", "provider_detail", "taxonomies"} <= operations
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    text = docs.content.decode()
    assert "Search providers" in text and "page_size" in text and "Retry-After" in text
    root = body(api_get(client, "/api/v1/"))
    assert root["openapi"].endswith("/api/v1/openapi.json")
    assert body(api_get(client, "/api/v1/nothing-here/"))["errors"]


def test_the_search_page_still_reports_problems_as_sentences(client, directory):
    page = client.get("/providers/?country=XX")
    problems = page.context["result"].problems
    assert problems and problems[0].param == "country"
    assert "Ignored unknown" in page.content.decode()


def test_updated_is_whole_seconds(client, directory):
    item = body(api_get(client, f"{LIST}?page_size=1"))["results"][0]
    assert "." not in item["updated"]
    assert timezone.now().year >= int(item["updated"][:4])


def test_kept_items_follow_changes_to_the_listings(client):
    provider = ProviderFactory(name="Before Rename Works", slug="rename-me")
    assert body(api_get(client, LIST))["results"][0]["name"] == "Before Rename Works"
    provider.name = "After Rename Works"
    provider.save()
    assert body(api_get(client, LIST))["results"][0]["name"] == "After Rename Works"
    Provider.objects.filter(pk=provider.pk).update(status=ListingStatus.SUSPENDED)
    assert body(api_get(client, LIST))["results"] == []


def test_answers_are_gzipped_when_asked_and_say_so(client, directory):
    import gzip

    plain = client.get("/api/v1/providers/?page_size=50")
    packed = client.get("/api/v1/providers/?page_size=50", HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_the_id_map_finds_every_form_of_a_providers_uuid(client, directory):
    import uuid

    from providers.opendata.ids import stable_id_bytes

    provider = Provider.objects.published().first()
    text = stable_id("provider", provider.pk)
    assert uuid.UUID(text).bytes == stable_id_bytes("provider", provider.pk)
    for form in (text, text.upper()):
        assert api_get(client, f"/api/v1/providers/{form}/").status_code == 200
    assert api_get(client, f"/api/v1/providers/{stable_id('provider', 10**9)}/").status_code == 404
    assert api_get(client, "/api/v1/providers/not-a-uuid/").status_code in (400, 404)
