"""After a change, each process brings its search index up to date without making a search wait:
a listing's change in place at once, a full rebuild (a new token) in the background."""

import time

import pytest
from django.db import connection
from django.http import QueryDict

from buyers.search import current as search_data
from buyers.search.current import search_index, wait_for_rebuild
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search
from tests.factories import ProviderFactory

# The rebuild runs in another thread on its own connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_process(monkeypatch, settings):
    """A process that has never built an index, rebuilding in the background."""
    settings.SEARCH_INDEX_REBUILD = "background"
    monkeypatch.setattr(search_data, "_current", None)
    yield
    wait_for_rebuild(timeout=60)
    # A worker's start also builds its statistics after the index: let that finish
    # too, or the test's flush waits for a lock the build holds.
    from providers.stats.data import wait_for_refresh

    wait_for_refresh(timeout=60)
    # And its case-study library (gunicorn_conf's post_worker_init starts that build too).
    from buyers.case_studies import index as library

    builder = library._builder
    if builder is not None:
        builder.join(timeout=60)


def total(query=""):
    params = parse_search_params(QueryDict(query))
    return provider_search(params=params, page=1, page_size=20).total


def test_the_first_index_is_built_before_the_first_search_is_answered(fresh_process):
    ProviderFactory(name="Alpha Works")
    assert total() == 1


def test_a_listing_change_is_applied_in_place_before_the_search_is_answered(fresh_process):
    first = ProviderFactory(name="Alpha Works")
    old = search_index()
    assert old.ids.tolist() == [first.pk]

    second = ProviderFactory(name="Beta Works")
    new = search_index()
    assert new is not old and new.base_token == old.base_token  # no rebuild
    assert new.ids.tolist() == [first.pk, second.pk]
    assert old.ids.tolist() == [first.pk]  # searches still running on it see one index
    assert total() == 2
    assert search_data._builder is None or not search_data._builder.is_alive()


def test_after_a_new_token_searches_use_the_previous_index_until_the_new_one_is_ready(
    fresh_process,
):
    first = ProviderFactory(name="Alpha Works")
    old = search_index()
    assert old.ids.tolist() == [first.pk]

    search_data.search_data_changed()  # as a taxonomy change or a restore does
    assert search_index() is old  # answered at once, from the previous index
    # Meanwhile counts and results come from one index, whichever it is by then (on a
    # busy machine the new one can be ready before the next search).
    result = provider_search(params=parse_search_params(QueryDict("")), page=1, page_size=20)
    assert result.total == 1 and len(result.cards) == 1

    wait_for_rebuild(timeout=60)
    new = search_index()
    assert new is not old and new.base_token != old.base_token
    assert new.ids.tolist() == [first.pk]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="gunicorn workers on PostgreSQL; SQLite's shared in-memory test database locks "
    "tables between threads",
)
def test_a_polling_process_sees_a_write_within_a_second_without_a_search(fresh_process):
    from buyers.search.current import start_polling, stop_polling

    first = ProviderFactory(name="Alpha Works")
    assert search_index().ids.tolist() == [first.pk]
    start_polling()
    try:
        second = ProviderFactory(name="Beta Works")
        written = time.monotonic()
        while second.pk not in search_data._current.ids.tolist():
            assert time.monotonic() - written < 1.0, "not visible within a second"
            time.sleep(0.02)
        # With the poller looking, a search needs no version query of its own.
        time.sleep(0.1)
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert search_index().ids.tolist() == [first.pk, second.pk]
        assert len(queries) == 0
    finally:
        stop_polling()


def test_inline_rebuilds_make_the_next_search_see_the_change(fresh_process, settings):
    settings.SEARCH_INDEX_REBUILD = "inline"
    ProviderFactory(name="Alpha Works")
    assert total() == 1
    ProviderFactory(name="Beta Works")
    assert total() == 2


def test_a_gunicorn_worker_starts_building_its_index_when_it_starts(fresh_process):
    from buyers.search import index as index_module
    from impactdir.gunicorn_conf import post_worker_init

    provider = ProviderFactory(name="Alpha Works")
    before = next(index_module._builds)
    post_worker_init(worker=None)
    try:
        assert search_data._builder is not None
        index = search_index()  # waits for that build rather than starting another
        assert index.ids.tolist() == [provider.pk]
        search_data._builder.join(timeout=30)
        assert index.build == before + 1 and next(index_module._builds) == before + 2
        assert search_index() is index
        assert search_data._poller is not None and search_data._poller.is_alive()
    finally:
        search_data.stop_polling()


def test_caches_hold_only_entries_of_the_current_index(fresh_process, settings):
    from buyers.search import cards, text

    settings.SEARCH_INDEX_REBUILD = "inline"
    ProviderFactory(name="Alpha Works")
    total("q=alpha")
    assert cards._card_cache
    assert text._text_cache
    ProviderFactory(name="Beta Works")
    total("q=beta")
    # Cards are kept per listing change (a rebuild empties them); text matches per version.
    index = search_index()
    assert {key[0] for key in cards._card_cache} == {index.base_token}
    assert {key[0] for key in text._text_cache} == {index.token}
    search_data.search_data_changed()
    total("q=beta")
    index = search_index()
    assert {key[0] for key in cards._card_cache} == {index.base_token}
