"""The facet declarations (buyers/search/facets.py) against everything built from them.

- Each declaration's membership SQL gives exactly the index's bitsets (the builder
  reads provider-row branches from its pass over the providers and roll-ups from the
  bits they roll up: this holds those shortcuts to the SQL), and its per-provider form
  (incremental updates) the same rows.
- The FilterSet's database path (`search_queryset`) and the in-memory index give the
  same providers for every option of every facet, every impact threshold and
  verified, on SQLite and PostgreSQL.
- Every table a declaration names carries the search triggers, so a new facet
  without its migration fails here.
"""

import importlib

import pytest
from django.db import connection
from django.http import QueryDict

from buyers.search import filters
from buyers.search.current import search_index
from buyers.search.facets import (
    FACETS,
    FILTERS,
    FILTERS_BY_PARAM,
    FLAG,
    IMPACT_MIN,
    OPTIONS,
    THRESHOLD,
    link_tables,
    search_tables,
)
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from buyers.services import SEARCH_PARAMETERS
from providers.models import Provider
from tests.buyers.test_search_facets import build_directory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's triggers (pg_trigger)"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")


@pytest.fixture
def directory():
    build_directory()
    return search_index()


def rows(sql_and_params) -> set:
    sql, params = sql_and_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(int(provider), str(key)) for provider, key in cursor.fetchall()}


def published_ids() -> set:
    return set(Provider.objects.published().values_list("pk", flat=True))


def ids_of(index, bits: int) -> set:
    return {int(index.ids[p]) for p in range(index.size) if bits >> p & 1}


def by_key(found: set, among: set) -> dict:
    grouped = {}
    for provider, key in found:
        if provider in among:
            grouped.setdefault(key, set()).add(provider)
    return grouped


# -- membership SQL == the index built today -------------------------------------------


def test_membership_sql_gives_the_index_bitsets(directory):
    index = directory
    published = published_ids()
    for facet in FILTERS:
        found = by_key(rows(facet.membership_sql(on=index.day)), published)
        if facet.kind == THRESHOLD:
            shares = {p: int(key) for key, providers in found.items() for p in providers}
            for percent in range(101):
                expected = ids_of(index, index.impact_at_least[percent])
                assert {p for p, share in shares.items() if share >= percent} == expected, percent
            continue
        in_index = {key: ids_of(index, bits) for key, bits in index.bits[facet.param].items()}
        assert {k: v for k, v in found.items() if v} == {k: v for k, v in in_index.items() if v}, (
            facet.param
        )
        assert len(found) > 1 or facet.kind == FLAG, facet.param  # the directory exercises it


def test_membership_sql_fits_the_builders_grouped_query(directory):
    """The builder's per-facet query (build._grouped: key, ids packed per key) over the
    declaration's membership, as the builder will run it."""
    from buyers.search.build import _grouped

    index = directory
    for facet in FILTERS:
        if facet.kind == THRESHOLD:
            continue
        sql, params = facet.membership_sql(on=index.day)
        grouped = _grouped(
            f"SELECT link.option_key, {{agg}} FROM ({sql}) link GROUP BY link.option_key",  # noqa: S608
            params,
        )
        expected = {}
        for provider, key in rows((sql, params)):
            expected.setdefault(key, set()).add(provider)
        assert {str(key): {int(i) for i in ids} for key, ids in grouped.items()} == expected


def test_declared_options_are_the_index_options(directory):
    index = directory
    for facet in FILTERS:
        if facet.kind == THRESHOLD:
            assert facet.option_rows() == []
            continue
        found = facet.option_rows()
        assert [(key, label, level) for key, label, level, _pk in found] == [
            (option.key, option.label, option.level) for option in index.options[facet.param]
        ], facet.param
        if facet.param in index.ids_by_slug:
            ids = index.ids_by_slug[facet.param]
            assert {key: pk for key, _l, _level, pk in found} == {
                key: ids[key] for key, _l, _level, _pk in found
            }, facet.param


def test_membership_for_some_providers_is_theirs_of_the_whole(directory):
    for facet in FILTERS:
        everything = rows(facet.membership_sql())
        some = sorted({provider for provider, _key in everything})[::3]
        assert some, facet.param
        assert rows(facet.membership_sql_for(some)) == {
            (provider, key) for provider, key in everything if provider in some
        }, facet.param
        assert rows(facet.membership_sql_for([])) == set()


def test_incremental_reads_of_many_providers_stay_within_sqlites_parameters(directory):
    from buyers.search.changes import _id_batches, _members_sql

    ids = list(range(1, 5001))  # changes.MAX_BATCH
    batches = _id_batches(ids)
    assert [pk for batch in batches for pk in batch] == ids
    for batch in batches:
        sql, params = _members_sql(batch, directory.day)
        assert len(params) < 32_766 or connection.vendor == "postgresql"
    published = sorted(published_ids())
    with connection.cursor() as cursor:
        cursor.execute(*_members_sql(published, directory.day))
        found = {(param, int(p), str(key)) for param, p, key in cursor.fetchall()}
    for facet in FILTERS:
        if facet.kind != THRESHOLD:
            expected = rows(facet.membership_sql(on=directory.day))
            assert {(p, k) for param, p, k in found if param == facet.param} == {
                (p, k) for p, k in expected if p in published
            }, facet.param


# -- the FilterSet's database path == the in-memory index, option by option ------------


def both_paths(query: str) -> tuple[set, set]:
    """(ids the index gives, ids the FilterSet's queryset gives) for a query string."""
    params = parse_search_params(QueryDict(query))
    assert params.problems == (), query
    result = provider_search(params=params, page=1, page_size=10_000, render_cards=False)
    in_memory = set(result.provider_ids)
    assert len(in_memory) == result.total
    return in_memory, set(search_queryset(params).values_list("pk", flat=True))


def test_the_database_path_and_the_index_agree_on_every_option(directory):
    index = directory
    checked = 0
    for facet in FACETS:
        keys = [option.key for option in index.options[facet.param]]
        if facet.param == "country":
            keys.append("FR")  # a valid code without a delivery centre: none on both
        assert keys, facet.param
        for key in keys:
            in_memory, in_database = both_paths(f"{facet.param}={key}")
            assert in_memory == in_database, (facet.param, key)
            checked += bool(in_memory)
    assert checked > 30


def test_the_database_path_and_the_index_agree_on_every_threshold_and_verified(directory):
    seen = set()
    for percent in range(101):
        in_memory, in_database = both_paths(f"impact_min={percent}")
        assert in_memory == in_database, percent
        seen.add(len(in_memory))
    assert len(seen) > 5
    in_memory, in_database = both_paths("verified=1")
    assert in_memory == in_database and in_memory


def test_the_database_path_and_the_index_agree_on_combinations_and_order(directory):
    for query in (
        "service=data-services&country=KE&country=UG&verified=1",
        "region=africa&size=50-249&size=1000-plus&impact_min=25",
        "certification=iso-27001&language=en&group=refugees-displaced",
        "pricing=per-fte&mode=remote&sort=impact",
        "type=programme&offers=subcontracting-capacity&offers=joint-bids",
        "seeks=joint-bids&type=dedicated&country=KE&country=UG&sort=size",
    ):
        in_memory, in_database = both_paths(query)
        assert in_memory == in_database, query
    for sort in ("name", "impact", "size", "updated"):
        params = parse_search_params(QueryDict(f"sort={sort}&country=KE&country=UG"))
        result = provider_search(params=params, page=1, page_size=10_000, render_cards=False)
        assert list(search_queryset(params).values_list("pk", flat=True)) == result.provider_ids


#: The catalogue's QuerySet verbs for the same facets (providers/models), and whether they
#: take primary keys: kept as the catalogue's API, held to the declarations here. Facets
#: added since (type, offers, seeks) have no verb: the declaration is their only form.
VERBS = {
    "service": ("offering", True),
    "country": ("delivering_in", False),
    "region": ("delivering_in_region", True),
    "certification": ("with_valid_certification", True),
    "language": ("speaking", False),
    "group": ("hiring_from", True),
    "size": ("in_size_band", False),
    "pricing": ("priced_by", True),
    "mode": ("delivered_as", True),
}


def test_the_queryset_verbs_agree_with_the_declarations(directory):
    index = directory
    assert set(VERBS) <= {facet.param for facet in FACETS}
    published = Provider.objects.published()
    for facet in (facet for facet in FACETS if facet.param in VERBS):
        verb, by_id = VERBS[facet.param]
        for option in index.options[facet.param]:
            value = index.ids_by_slug[facet.param][option.key] if by_id else option.key
            by_verb = set(getattr(published, verb)(value).values_list("pk", flat=True))
            declared = set(published.filter(facet.q([option.key])).values_list("pk", flat=True))
            assert by_verb == declared, (facet.param, option.key)
    for percent in (0, 25, 100):
        assert set(published.with_impact_share_at_least(percent)) == set(
            published.filter(IMPACT_MIN.q(percent))
        )
    assert set(published.verified()) == set(published.filter(FILTERS_BY_PARAM["verified"].q(["1"])))


# -- the contract comes from the declarations --------------------------------------------


def test_the_filterset_holds_the_url_contract_in_order():
    assert filters.PARAMETERS == (
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
    )
    assert filters.PARAMETERS[:-1] == SEARCH_PARAMETERS
    assert {facet.kind for facet in FILTERS} == {OPTIONS, THRESHOLD, FLAG}
    assert FILTERS_BY_PARAM["impact_min"] is IMPACT_MIN


def test_the_api_takes_the_filtersets_parameters():
    from providers.api.views import api

    document = api.get_openapi_schema()
    for path in ("/api/v1/providers/", "/api/v1/providers/facets/"):
        parameters = document["paths"][path]["get"]["parameters"]
        assert [p["name"] for p in parameters] == [*filters.PARAMETERS, "page_size"]
        described = {p["name"]: p.get("description", "") for p in parameters}
        for facet in FILTERS:
            assert described[facet.param] == facet.description


def test_the_filterset_form_is_lenient_and_lists_what_it_dropped(directory):
    filterset = filters.SearchFilterSet(
        QueryDict("country=ke&country=XX&impact_min=abc&verified=yes&sort=best&page=0&size=huge"),
        index=directory,
    )
    assert filterset.form.is_valid()
    assert filterset.form.cleaned_data["country"] == ("KE",)
    assert [problem.param for problem in filterset.form.problems] == [
        "country",
        "size",
        "impact_min",
        "verified",
        "sort",
        "page",
    ]
    # Its queryset uses what was kept.
    kenya = set(Provider.objects.published().delivering_in("KE").values_list("pk", flat=True))
    assert set(filterset.qs.values_list("pk", flat=True)) == kenya


def test_an_unbound_filterset_gives_every_published_provider(directory):
    unbound = filters.SearchFilterSet(index=directory)
    assert set(unbound.qs) == set(Provider.objects.published())


def test_the_filterset_asks_the_database_nothing_to_validate(directory, django_assert_num_queries):
    with django_assert_num_queries(0):
        form = filters.SearchFilterSet(
            QueryDict("service=data-services&region=africa&language=en&group=nope"),
            index=directory,
        ).form
        assert form.is_valid()
        assert len(form.problems) == 1


# -- the tables whose writes change search carry the triggers ---------------------------


def test_the_declarations_join_link_tables_to_providers_as_the_triggers_do():
    # Tables added after 0005 get their triggers from their own migration (checked below).
    migration = importlib.import_module("providers.migrations.0005_search_touch_only_published")
    assert migration.LINKS.items() <= link_tables().items()
    assert set(link_tables()) <= set(search_tables())


#: Bits of pg_trigger.tgtype for the events.
PG_EVENTS = {"INSERT": 4, "DELETE": 8, "UPDATE": 16, "TRUNCATE": 32}


@on_postgresql
@pytest.mark.parametrize("table", search_tables())
def test_every_search_table_has_the_search_triggers_on_postgresql(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgtype, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
            [table],
        )
        triggers = [
            (tgtype, source)
            for tgtype, source in cursor.fetchall()
            # The token (taxonomy tables, truncation) or the change log (0011_search_changes).
            if "providers_search_data_token" in source or "providers_search_change" in source
        ]
    covered = {event for event, bit in PG_EVENTS.items() for tgtype, _s in triggers if tgtype & bit}
    assert covered == set(PG_EVENTS), (table, covered)
    if table in link_tables():
        # Only a published provider's rows are logged (0005, 0011): the function reads them.
        assert any("published" in source for _t, source in triggers), table


@on_sqlite
@pytest.mark.parametrize("table", search_tables())
def test_every_search_table_has_the_search_triggers_on_sqlite(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
        )
        sources = [
            sql.upper()
            for (sql,) in cursor.fetchall()
            if "search_data_token" in sql or "providers_search_change" in sql
        ]
    for event in ("INSERT", "UPDATE", "DELETE"):
        assert any(f"AFTER {event}" in source for source in sources), (table, event)
