"""The case-study library (/case-studies/): filters, exact counts, only published
listings, bad parameters, query counts, and agreement with the open data."""

import datetime
import importlib
import random

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import escape

from buyers.case_studies.facets import LIBRARY_FACETS
from buyers.case_studies.filters import STUDY_TEXT, CaseStudyFilterSet
from buyers.case_studies.index import library_index
from buyers.case_studies.selector import case_study_library, parse_library_params
from providers import models as m
from providers.opendata.ids import stable_id
from providers.services.catalogue import provider_refresh_derived, providers_refresh_derived
from providers.services.parts import case_study_save
from tests import factories as f
from tests.providers.opendata_helpers import build, table

pytestmark = pytest.mark.django_db

URL = "/case-studies/"
THIS_YEAR = datetime.date.today().year


def _service(slug):
    return m.Service.objects.get(slug=slug)


@pytest.fixture
def library():
    """Two published providers with case studies, and one draft whose study must not show."""
    leaves = list(m.Service.objects.leaves().select_related("parent").order_by("slug"))
    first, second = leaves[0], next(s for s in leaves if s.parent_id != leaves[0].parent_id)
    industries = list(m.Industry.objects.order_by("slug")[:2])
    youth, refugees = m.TargetGroup.objects.order_by("slug")[:2]

    kenya = f.ProviderFactory(name="Savanna Data Works", slug="savanna")
    f.DeliveryCentreFactory(provider=kenya, country="KE")
    report = f.ImpactReportFactory(provider=kenya, total_employees=400, impact_workers=300)
    report.target_groups.add(youth)
    f.CaseStudyFactory(
        provider=kenya,
        title="Labelling crop images",
        service=first,
        client_industry=industries[0],
        year=THIS_YEAR - 1,
        results="Forty thousand images labelled, 99% accurate.",
        client_quote="They delivered on time.",
        quote_attribution="Head of data, a fictional seed company",
    )
    f.CaseStudyFactory(
        provider=kenya,
        title="Digitising land records",
        service=second,
        client_industry=industries[1],
        year=THIS_YEAR - 4,
    )
    uganda = f.ProviderFactory(name="Lakeside Voice", slug="lakeside")
    f.DeliveryCentreFactory(provider=uganda, country="UG")
    f.DeliveryCentreFactory(provider=uganda, country="KE")
    report = f.ImpactReportFactory(provider=uganda, total_employees=200, impact_workers=120)
    report.target_groups.add(refugees)
    f.CaseStudyFactory(
        provider=uganda,
        title="Answering a bank's customers",
        service=second,
        client_industry=industries[0],
        year=THIS_YEAR - 1,
        approach="A team of refugees trained in banking support.",
    )
    draft = f.ProviderFactory(name="Hidden Draft", slug="hidden", status=m.ListingStatus.DRAFT)
    f.DeliveryCentreFactory(provider=draft, country="KE")
    f.CaseStudyFactory(provider=draft, title="Unpublished secret study", service=first)
    providers_refresh_derived()
    return {
        "kenya": kenya,
        "uganda": uganda,
        "draft": draft,
        "first": first,
        "second": second,
        "industries": industries,
        "youth": youth,
        "refugees": refugees,
    }


def titles(response) -> list[str]:
    return [entry.title for entry in response.context["result"].entries]


def counts(response, param) -> dict:
    for group in response.context["result"].facets:
        if group.param == param:
            return {option.key: option.count for option in group.options}
    return {}


def test_lists_every_published_case_study_newest_first(client, library):
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response)[:2] == ["Answering a bank's customers", "Labelling crop images"]
    assert titles(response)[2] == "Digitising land records"
    assert response.context["result"].total == 3
    page = response.content.decode()
    assert "Unpublished secret study" not in page
    assert "Hidden Draft" not in page


def test_entry_shows_provider_service_industry_year_results_and_quote(client, library):
    page = client.get(URL).content.decode()
    assert 'href="/providers/savanna/"' in page
    assert escape(library["first"].name) in page
    assert escape(library["industries"][0].name) in page
    assert str(THIS_YEAR - 1) in page
    assert "Forty thousand images labelled, 99% accurate." in page
    assert "They delivered on time." in page
    assert "Head of data, a fictional seed company" in page
    study = m.CaseStudy.objects.get(title="Labelling crop images")
    # A stable address per case study: its anchor on the provider's profile.
    assert f'href="/providers/savanna/#case-study-{study.pk}"' in page
    profile = client.get("/providers/savanna/").content.decode()
    assert f'id="case-study-{study.pk}"' in profile


def test_facets_filter_or_within_and_across(client, library):
    first, second = library["first"], library["second"]
    assert titles(client.get(URL, {"service": first.slug})) == ["Labelling crop images"]
    both = client.get(URL, {"service": [first.slug, second.slug]})
    assert len(titles(both)) == 3
    # A category counts the case studies of its services.
    assert titles(client.get(URL, {"service": second.parent.slug})) == [
        "Answering a bank's customers",
        "Digitising land records",
    ]
    industry = library["industries"][0].slug
    assert titles(client.get(URL, {"industry": industry})) == [
        "Answering a bank's customers",
        "Labelling crop images",
    ]
    # The provider's target groups and delivery countries.
    assert titles(client.get(URL, {"group": library["refugees"].slug})) == [
        "Answering a bank's customers"
    ]
    assert titles(client.get(URL, {"country": "UG"})) == ["Answering a bank's customers"]
    assert len(titles(client.get(URL, {"country": "ke"}))) == 3
    assert titles(client.get(URL, {"year": str(THIS_YEAR - 4)})) == ["Digitising land records"]
    none = {"country": "KE", "service": first.slug, "year": str(THIS_YEAR - 4)}
    assert titles(client.get(URL, none)) == []


def test_counts_use_every_other_facet(client, library):
    response = client.get(URL, {"country": "UG"})
    # Choosing Uganda still shows how many are in Kenya.
    assert counts(response, "country") == {"KE": 3, "UG": 1}
    assert counts(response, "service") == {
        library["second"].parent.slug: 1,
        library["second"].slug: 1,
    }
    assert counts(response, "year") == {str(THIS_YEAR - 1): 1}
    page = response.content.decode()
    assert "Kenya (3)" in page
    assert "Uganda (1)" in page


def test_text_finds_words_in_title_challenge_approach_and_results(client, library):
    assert titles(client.get(URL, {"q": "CROP"})) == ["Labelling crop images"]
    assert titles(client.get(URL, {"q": "refugees banking"})) == ["Answering a bank's customers"]
    assert titles(client.get(URL, {"q": "forty accurate"})) == ["Labelling crop images"]
    assert titles(client.get(URL, {"q": "crop refugees"})) == []
    # Wildcards are plain text, not patterns.
    assert titles(client.get(URL, {"q": "%"})) != []
    assert titles(client.get(URL, {"q": "_ab%"})) == []
    assert titles(client.get(URL, {"q": "secret"})) == []


def test_invalid_parameters_are_ignored_and_reported(client, library):
    response = client.get(
        URL, {"service": "no-such-service", "year": "later", "country": "ke", "page": "x"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ignored unknown service “no-such-service”." in page
    assert "Ignored unknown year “later”." in page
    assert "Ignored page “x”: showing page 1." in page
    assert len(titles(response)) == 3  # Kenya kept: every study is delivered from there
    response = client.get(URL, {"page": "99"})
    assert "There is no page 99; showing page 1, the last one." in response.content.decode()
    assert len(titles(response)) == 3


def test_odd_input_never_fails(client, library):
    for query in (
        {"q": "\x00" * 30},
        {"q": "x" * 5000},
        {"year": ["2020"] * 100},
        {"service": "<script>"},
        {"industry": "'; DROP TABLE x; --"},
    ):
        assert client.get(URL, query).status_code == 200


def test_paging_keeps_the_filters(client, settings, library):
    settings.CASE_STUDY_PAGE_SIZE = 1
    response = client.get(URL, {"country": "KE", "page": "2"})
    assert titles(response) == ["Labelling crop images"]
    page = response.content.decode()
    assert "country=KE&amp;page=3" in page
    assert "country=KE&amp;page=1" in page


def test_a_case_study_saved_by_its_provider_shows_at_once(client, library):
    owner = f.IsspUserFactory()
    provider = library["uganda"]
    f.MembershipFactory(provider=provider, user=owner)
    client.get(URL)  # the library is built
    provider.refresh_from_db()
    case_study_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data={
            "title": "Moderating a marketplace",
            "challenge": "Listings to review.",
            "approach": "Two shifts.",
            "results": "Reviewed within the hour.",
            "year": THIS_YEAR,
        },
    )
    assert titles(client.get(URL))[0] == "Moderating a marketplace"
    provider.status = m.ListingStatus.SUSPENDED
    provider.save()
    assert "Moderating a marketplace" not in titles(client.get(URL))


def _generated_library(seed=5, count=40):
    rng = random.Random(seed)
    services = list(m.Service.objects.leaves().order_by("slug"))
    industries = list(m.Industry.objects.order_by("slug"))
    groups = list(m.TargetGroup.objects.order_by("slug"))
    statuses = [m.ListingStatus.PUBLISHED] * 5 + [m.ListingStatus.DRAFT, m.ListingStatus.INACTIVE]
    for number in range(count):
        provider = f.ProviderFactory(slug=f"lib-{number}", status=rng.choice(statuses))
        for country in rng.sample(["KE", "UG", "IN", "PH", "CO"], rng.randint(0, 2)):
            f.DeliveryCentreFactory(provider=provider, country=country)
        if rng.random() < 0.7:
            report = f.ImpactReportFactory(provider=provider)
            report.target_groups.add(*rng.sample(groups, rng.randint(0, 3)))
        for _study in range(rng.randint(0, 3)):
            f.CaseStudyFactory(
                provider=provider,
                service=rng.choice([None, *services]),
                client_industry=rng.choice([None, *industries]),
                year=rng.randint(THIS_YEAR - 6, THIS_YEAR),
                results=rng.choice(["Costs down a third.", "Backlog cleared.", "NPS up."]),
            )
    providers_refresh_derived()


def _database_count(params, **override) -> int:
    query = params.to_querydict()
    for param, value in override.items():
        query.setlist(param, [value])
    return CaseStudyFilterSet(query).qs.count()


@pytest.mark.parametrize(
    "query",
    ["", "country=KE", "country=KE&country=UG&year=" + str(THIS_YEAR), "q=backlog&service=x"],
)
def test_every_count_is_what_following_it_gives(query):
    """Each option's count equals the database path's count with that option chosen
    (and the others of its facet dropped), and the page is the database's first page."""
    _generated_library()
    params = parse_library_params(QueryDict(query))
    result = case_study_library(params=params, page_size=20)
    database = CaseStudyFilterSet(QueryDict(query)).qs
    assert result.total == database.count()
    first_page = list(database.values_list("pk", flat=True)[:20])
    assert [entry.pk for entry in result.entries] == first_page
    checked = 0
    for group in result.facets:
        for option in group.options:
            assert option.count == _database_count(params, **{group.param: option.key}), (
                group.param,
                option.key,
            )
            checked += 1
    assert checked > 10


def test_counts_and_entries_only_of_published_providers():
    _generated_library(seed=9)
    result = case_study_library(params=parse_library_params(QueryDict()), page_size=500)
    published = m.CaseStudy.objects.filter(provider__status=m.ListingStatus.PUBLISHED)
    assert result.total == published.count() > 0
    assert {entry.pk for entry in result.entries} == set(published.values_list("pk", flat=True))
    for group in result.facets:
        for option in group.options:
            assert option.count > 0


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(
    "query",
    [{}, {"country": ["KE", "UG"], "year": str(THIS_YEAR)}, {"q": "backlog", "page": "2"}],
)
def test_query_count_is_small_and_constant(
    client, settings, django_assert_max_num_queries, page_size, query
):
    _generated_library(seed=3, count=30)
    settings.CASE_STUDY_PAGE_SIZE = page_size
    library_index()  # built once per change of the data, not per request
    # The data's version, the text query's ids, the page.
    with django_assert_max_num_queries(3):
        response = client.get(URL, query)
    assert response.status_code == 200


def test_library_agrees_with_the_open_data(tmp_path, library):
    """Every published case study is in open data's case_studies table and in the
    library, with the same values."""
    f.CaseStudyFactory(provider=library["uganda"], title="No service, no industry")
    provider_refresh_derived(provider=library["uganda"])
    build(tmp_path)
    rows = {row["id"]: row for row in table(tmp_path, "case_studies")}
    result = case_study_library(params=parse_library_params(QueryDict()), page_size=1000)
    entries = {stable_id("case-study", entry.pk): entry for entry in result.entries}
    assert set(entries) == set(rows)
    for key, entry in entries.items():
        row = rows[key]
        assert row["organization_id"] == stable_id(
            "provider", m.CaseStudy.objects.get(pk=entry.pk).provider_id
        )
        assert row["title"] == entry.title
        assert int(row["year"]) == entry.year
        assert row["service"] == entry.service
        assert row["client_industry"] == entry.client_industry
        assert row["results"] == entry.results
        assert row["client_quote"] == entry.client_quote
        assert row["quote_attribution"] == entry.quote_attribution


def test_home_page_shows_the_three_newest(client, library):
    f.CaseStudyFactory(provider=library["kenya"], title="Newest of all", year=THIS_YEAR)
    response = client.get("/")
    page = response.content.decode()
    assert [entry.title for entry in response.context["case_studies"]] == [
        "Newest of all",
        "Answering a bank's customers",
        "Labelling crop images",
    ]
    assert "Unpublished secret study" not in page
    assert f'href="{reverse("case_studies")}"' in page


def test_in_the_sitemap_and_the_navigation(client, library):
    sitemap = client.get("/sitemap-pages.xml").content.decode()
    assert "/case-studies/</loc>" in sitemap
    page = client.get(URL).content.decode()
    assert 'href="/case-studies/" aria-current="page"' in page
    assert "<title>Case studies · ImpactDir</title>" in page
    assert 'property="og:title" content="Case studies"' in page
    assert 'name="description" content="three case studies' in page


def test_title_names_the_filters(client, library):
    page = client.get(URL, {"country": "UG"}).content.decode()
    assert "<title>Delivery country: Uganda – Case studies · ImpactDir</title>" in page


def test_text_index_is_the_expression_searched():
    migration = importlib.import_module("providers.migrations.0014_case_study_library")
    assert STUDY_TEXT.replace("cs.", "") == migration.STUDY_TEXT
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [migration.TEXT_INDEX]
            )
            (definition,) = cursor.fetchone()
        assert "gin_trgm_ops" in definition


def test_declarations_cover_the_page():
    assert [facet.param for facet in LIBRARY_FACETS] == [
        "service",
        "industry",
        "group",
        "country",
        "year",
    ]
    assert list(CaseStudyFilterSet.base_filters) == [
        "q",
        "service",
        "industry",
        "group",
        "country",
        "year",
        "page",
    ]


def test_a_text_asked_again_is_not_asked_of_the_database(
    client, library, django_assert_max_num_queries
):
    client.get(URL, {"q": "crop"})
    # The data's version and the page: the words' match is kept with the library.
    with django_assert_max_num_queries(2):
        response = client.get(URL, {"q": "CROP", "country": "KE"})
    assert titles(response) == ["Labelling crop images"]
