"""After a change, each process rebuilds its search index without making a search wait."""

import pytest
from django.http import QueryDict

from buyers.search import index as search_data
from buyers.search.index import search_index, wait_for_rebuild
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


def total(query=""):
    params = parse_search_params(QueryDict(query))
    return provider_search(params=params, page=1, page_size=20).total


def test_the_first_index_is_built_before_the_first_search_is_answered(fresh_process):
    ProviderFactory(name="Alpha Works")
    assert total() == 1


def test_after_a_change_searches_use_the_previous_index_until_the_new_one_is_ready(
    fresh_process,
):
    first = ProviderFactory(name="Alpha Works")
    old = search_index()
    assert old.ids.tolist() == [first.pk]

    second = ProviderFactory(name="Beta Works")
    assert search_index() is old  # answered at once, from the previous index
    # Meanwhile counts and results come from one index, whichever it is by then (on a
    # busy machine the new one can be ready before the next search).
    result = provider_search(params=parse_search_params(QueryDict("")), page=1, page_size=20)
    assert result.total in (1, 2) and len(result.cards) == result.total

    wait_for_rebuild(timeout=60)
    new = search_index()
    assert new is not old
    assert new.ids.tolist() == [first.pk, second.pk]
    assert total() == 2


def test_inline_rebuilds_make_the_next_search_see_the_change(fresh_process, settings):
    settings.SEARCH_INDEX_REBUILD = "inline"
    ProviderFactory(name="Alpha Works")
    assert total() == 1
    ProviderFactory(name="Beta Works")
    assert total() == 2


def test_a_gunicorn_worker_starts_building_its_index_when_it_starts(fresh_process):
    from impactdir.gunicorn_conf import post_worker_init

    provider = ProviderFactory(name="Alpha Works")
    post_worker_init(worker=None)
    assert search_data._builder is not None
    index = search_index()  # waits for that build rather than starting another
    assert index.ids.tolist() == [provider.pk]
    assert search_data._builder.is_alive() is False


def test_caches_hold_only_entries_of_the_current_index(fresh_process, settings):
    from buyers.search import cards, text

    settings.SEARCH_INDEX_REBUILD = "inline"
    ProviderFactory(name="Alpha Works")
    total("q=alpha")
    assert cards._card_cache
    assert text._text_cache
    ProviderFactory(name="Beta Works")
    total("q=beta")
    tokens = {key[0] for key in cards._card_cache} | {key[0] for key in text._text_cache}
    assert tokens == {search_index().token}
