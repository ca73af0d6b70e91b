"""A worker does not grow while listings change: an index a change replaced is freed.

A search page leaves reference cycles behind (its form and bound fields, its
template context); they hold the index they searched only weakly, so a replaced
index goes with its last reference, without waiting for Python's cyclic garbage
collector. The poller of a gunicorn worker still collects when a replaced index
outlives it (bench/memory.py measures the worker's memory over hundreds of writes).
"""

import gc
import io
import time
import weakref

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import QueryDict

from buyers.search import current as search_data
from buyers.search.current import search_index, wait_for_rebuild
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search
from tests.factories import ProviderFactory

# The poller runs in another thread on its own connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_automatic_collection(monkeypatch, settings):
    """A process with a fresh index whose garbage is collected only when code asks."""
    settings.SEARCH_INDEX_REBUILD = "inline"
    monkeypatch.setattr(search_data, "_current", None)
    gc.collect()
    gc.disable()
    yield
    gc.enable()
    wait_for_rebuild(timeout=60)


def search():
    params = parse_search_params(QueryDict("q=works&sort=name"))
    return provider_search(params=params, page=1, page_size=20).total


def test_a_search_leaves_no_cycle_that_holds_the_index_it_searched(no_automatic_collection):
    ProviderFactory(name="Alpha Works")
    searched = weakref.ref(search_index())
    assert search() == 1
    ProviderFactory(name="Beta Works")
    assert search_index() is not searched()
    # Replaced, and no longer anyone's current index: freed with no collection.
    assert searched() is None


@pytest.mark.parametrize("path", ["/providers/?q=works", "/fr/providers/?sort=size"])
def test_a_search_page_leaves_no_cycle_that_holds_the_index(no_automatic_collection, path):
    ProviderFactory(name="Alpha Works")
    searched = weakref.ref(search_index())
    # The WSGI handler itself: the test client keeps every rendered context.
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    statuses = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"] and b"Alpha Works" in body
    ProviderFactory(name="Beta Works")
    assert search_index() is not searched()
    assert searched() is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="gunicorn workers on PostgreSQL; SQLite's shared in-memory test database locks "
    "tables between threads",
)
def test_the_poller_frees_the_indexes_its_changes_replace(no_automatic_collection):
    ProviderFactory(name="Alpha Works")
    search_index()
    search_data.start_polling()
    try:
        replaced = []
        for name in ("Beta Works", "Gamma Works", "Delta Works"):
            assert search() >= 1
            replaced.append(weakref.ref(search_data._current))
            provider = ProviderFactory(name=name)
            written = time.monotonic()
            while provider.pk not in search_data._current.ids.tolist():
                assert time.monotonic() - written < 5.0, "the poller did not apply the change"
                time.sleep(0.02)
        time.sleep(2 * search_data.POLL_SECONDS)
        assert [ref() for ref in replaced] == [None, None, None]
    finally:
        search_data.stop_polling()
