"""Fuzz the query string of every GET page: whatever the URL holds, never a 500.

hypothesis builds query strings from each page's own parameters (repeated,
missing, or next to unknown ones) with values a probe of the site would send:
Unicode digits (², ①, Arabic-Indic ٣), NUL, very long text, full-text operators,
quotes and runs of hyphens, percent-encoding gone wrong, plus real slugs and ids
so that pages get past their first check. Each page must answer below 500; the
CSV export must stream its whole body, every row as wide as its header.

The values and query strings come from tests/fuzzing.py, shared with the walk of
every URL (tests/test_fuzz_site.py). The module is bounded (EXAMPLES below) to
run in well under a minute on SQLite; each test prints how many requests it sent
and the status codes they got.
"""

import csv
import io
import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from buyers import services
from buyers.models import Inquiry
from providers.models import MembershipRole
from tests.factories import (
    BuyerFactory,
    DeliveryCentreFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
)
from tests.fuzzing import FUZZ, Tally, query_strings, seeded, values

pytestmark = pytest.mark.django_db

#: Examples per page; the pages that read the search parameters get SEARCH_EXAMPLES.
EXAMPLES = 30
SEARCH_EXAMPLES = 60

SLUGS = ["kijani-data", "umoja-books", "sauti-support"]

SEARCH_PARAMS = [
    "q",
    "service",
    "country",
    "region",
    "certification",
    "language",
    "group",
    "type",
    "size",
    "impact_min",
    "pricing",
    "mode",
    "offers",
    "seeks",
    "verified",
    "sort",
    "page",
]


@pytest.fixture
def world():
    """A small directory, a buyer with a shortlist and an inquiry, and an ISSP member."""
    providers = []
    for slug in SLUGS:
        provider = ProviderFactory(slug=slug, name=slug.replace("-", " ").title())
        DeliveryCentreFactory(provider=provider, country="KE")
        providers.append(provider)
    buyer = BuyerFactory()
    shortlist = services.shortlist_create(owner=buyer, name="Fuzz")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=providers[0])
    issp = IsspUserFactory()
    MembershipFactory(provider=providers[0], user=issp, role=MembershipRole.OWNER)
    services.inquiry_send(
        buyer=buyer,
        providers=[providers[0]],
        subject="Capacity",
        body="How many seats could you offer?",
        questions=[],
    )
    return {
        "providers": providers,
        "buyer": buyer,
        "shortlist": shortlist,
        "issp": issp,
        "inquiry": Inquiry.objects.get(buyer=buyer),
    }


#: Search queries that gave 500s before: always tried, besides what hypothesis makes up.
KNOWN_BAD_SEARCHES = [
    "q=" + "-" * 33,
    "q=%22%22",
    "q=-%22%22",
    "q=%22%22%22",
    "page=%C2%B2",
    "impact_min=%C2%B2",
]


def fuzz_page(
    client, capsys, path, strategy, *, check=None, headers=None, known=(), examples=EXAMPLES
):
    """GET `path` with hypothesis' query strings; every answer must be below 500."""
    tally = Tally(path)

    # Seeded from the test's own id: the same examples every run, different ones per test.
    @seeded(os.environ.get("PYTEST_CURRENT_TEST", path))
    @settings(FUZZ, max_examples=examples)
    @given(query=strategy, htmx=st.booleans())
    def run(query, htmx):
        extra = {"HX-Request": "true"} if htmx and headers is None else (headers or {})
        response = client.get(f"{path}?{query}", headers=extra)
        tally.add(response.status_code)
        assert response.status_code < 500, query
        if check is not None:
            check(response)

    for query in reversed(known):
        run = example(query=query, htmx=False)(run)
    run()
    tally.report(capsys)


# ----------------------------------------------------------------- public pages


def test_fuzz_home(client, world, capsys):
    fuzz_page(client, capsys, "/", query_strings(["q", "next", "page"]))


def test_fuzz_search_every_parameter(client, world, capsys):
    fuzz_page(
        client,
        capsys,
        "/providers/",
        query_strings([*SEARCH_PARAMS, "next"]),
        known=KNOWN_BAD_SEARCHES,
        examples=SEARCH_EXAMPLES,
    )


def test_fuzz_profile(client, world, capsys):
    fuzz_page(client, capsys, "/providers/kijani-data/", query_strings(["next", "mode", "p"]))


def test_fuzz_compare(client, world, capsys):
    slugs_and_junk = st.one_of(st.sampled_from(SLUGS), values)
    fuzz_page(client, capsys, "/compare/", query_strings(["p", "diff"], slugs_and_junk))


def test_fuzz_ordering_page(client, world, capsys):
    fuzz_page(client, capsys, "/how-results-are-ordered/", query_strings(["q", "sort"]))


def whole_csv(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["slug", "name"]
    assert all(len(row) == len(rows[0]) for row in rows)


def test_fuzz_search_export_streams_its_whole_body(client, world, capsys):
    client.force_login(world["buyer"])
    fuzz_page(
        client,
        capsys,
        "/exports/providers.csv",
        query_strings(SEARCH_PARAMS),
        check=whole_csv,
        headers={},
        known=KNOWN_BAD_SEARCHES,
        examples=SEARCH_EXAMPLES,
    )


# ----------------------------------------------------------------- signed-in pages


def test_fuzz_save_search_form(client, world, capsys):
    client.force_login(world["buyer"])
    fuzz_page(
        client,
        capsys,
        "/searches/new/",
        query_strings(SEARCH_PARAMS),
        known=KNOWN_BAD_SEARCHES,
        examples=SEARCH_EXAMPLES,
    )


def test_fuzz_shortlist_add_by_slug(client, world, capsys):
    client.force_login(world["buyer"])
    slugs_and_junk = st.one_of(st.sampled_from(SLUGS), values)
    fuzz_page(
        client,
        capsys,
        "/shortlists/add/",
        query_strings(["provider", "next", "mode"], slugs_and_junk),
    )


def test_fuzz_shortlist_add_by_id(client, world, capsys):
    client.force_login(world["buyer"])
    ids = st.one_of(st.just(str(world["providers"][0].pk)), values)
    fuzz_page(
        client,
        capsys,
        "/shortlists/add/",
        query_strings(["id", "provider"], ids),
        known=["id=%C2%B2"],
    )


def test_fuzz_inquiry_to_a_provider(client, world, capsys):
    client.force_login(world["buyer"])
    slugs_and_junk = st.one_of(st.sampled_from(SLUGS), values)
    fuzz_page(client, capsys, "/inquiries/new/", query_strings(["provider"], slugs_and_junk))


def test_fuzz_inquiry_to_a_shortlist(client, world, capsys):
    client.force_login(world["buyer"])
    ids = st.one_of(st.just(str(world["shortlist"].pk)), values)
    fuzz_page(
        client,
        capsys,
        "/inquiries/new/",
        query_strings(["shortlist", "provider"], ids),
        known=["shortlist=%C2%B2"],
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/workspace/", ["next"]),
        ("/shortlists/", ["next", "page"]),
        ("/searches/", ["page"]),
        ("/inquiries/", ["status", "page"]),
        ("shortlist", ["next", "sort"]),
        ("inquiry", ["next"]),
    ],
)
def test_fuzz_buyer_workspace_pages(client, world, capsys, path, params):
    path = {
        "shortlist": f"/shortlists/{world['shortlist'].pk}/",
        "inquiry": f"/inquiries/{world['inquiry'].pk}/",
    }.get(path, path)
    client.force_login(world["buyer"])
    fuzz_page(client, capsys, path, query_strings(params))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/dashboard/", ["next"]),
        ("/dashboard/claim/", ["q"]),
        ("/dashboard/inquiries/", ["status", "page"]),
        ("listing", ["next"]),
        ("thread", ["next"]),
    ],
)
def test_fuzz_dashboard_pages(client, world, capsys, path, params):
    path = {
        "listing": f"/dashboard/listings/{world['providers'][0].pk}/",
        "thread": f"/dashboard/inquiries/{world['inquiry'].pk}/",
    }.get(path, path)
    client.force_login(world["issp"])
    fuzz_page(client, capsys, path, query_strings(params))
