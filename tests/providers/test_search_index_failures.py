"""A rebuild that fails partway (the database went away) leaves the previous index serving.

The failure is a real one at the database layer: Django's execute wrapper makes the
connection fail once the build reaches the delivery-mode table, after it has read
the providers, the text and most facets, as a connection lost mid-build would.
"""

import logging

import pytest
from django.db import OperationalError, connection
from django.db.backends.signals import connection_created
from django.http import QueryDict

from buyers.search import current as search_data
from buyers.search.current import search_index, wait_for_rebuild
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search
from tests.factories import ProviderFactory


class LoseConnectionPartway:
    """Fail every query from the first one on `providers_provider_delivery_modes`."""

    def __init__(self):
        self.before = 0
        self.failed = False

    def __call__(self, execute, sql, params, many, context):
        if self.failed or "providers_provider_delivery_modes" in sql:
            self.failed = True
            raise OperationalError("server closed the connection unexpectedly")
        self.before += 1
        return execute(sql, params, many, context)


def total(query=""):
    params = parse_search_params(QueryDict(query))
    return provider_search(params=params, page=1, page_size=20).total


# Outside a test transaction, as in a request: a build that cannot even roll back closes
# its connection, and the next query reconnects.
@pytest.mark.django_db(transaction=True)
def test_an_inline_rebuild_that_fails_partway_keeps_the_previous_index(monkeypatch):
    monkeypatch.setattr(search_data, "_current", None)
    first = ProviderFactory(name="Alpha Works")
    old = search_index()
    second = ProviderFactory(name="Beta Works")
    lose = LoseConnectionPartway()

    with connection.execute_wrapper(lose), pytest.raises(OperationalError):
        search_index()

    assert lose.failed and lose.before > 5  # it failed partway, not at the first query
    assert search_data._current is old
    assert old.ids.tolist() == [first.pk]
    # Once the database answers again, the next search builds the complete index.
    assert search_index().ids.tolist() == [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_a_background_rebuild_that_fails_partway_keeps_serving_the_previous_index(
    monkeypatch, settings, caplog
):
    settings.SEARCH_INDEX_REBUILD = "background"
    monkeypatch.setattr(search_data, "_current", None)
    monkeypatch.setattr(search_data, "_last_failure", 0.0)
    first = ProviderFactory(name="Alpha Works")
    old = search_index()
    second = ProviderFactory(name="Beta Works")
    search_data.search_data_changed()  # a full rebuild (a listing's change is applied in place)
    lose = LoseConnectionPartway()

    def break_new_connections(sender, connection, **kwargs):
        connection.execute_wrappers.append(lose)  # the builder thread's own connection

    connection_created.connect(break_new_connections)
    try:
        with caplog.at_level(logging.ERROR, logger="buyers.search.current"):
            assert search_index() is old  # answered at once; the build runs in a thread
            wait_for_rebuild(timeout=60)
    finally:
        connection_created.disconnect(break_new_connections)

    assert lose.failed and lose.before > 5
    assert search_data._current is old
    assert "serving the previous one" in caplog.text
    assert total() == 1  # results and counts still come from the complete old index
    assert search_index() is old  # no retry storm: the next attempt waits RETRY_AFTER

    monkeypatch.setattr(search_data, "_last_failure", 0.0)
    search_index()
    wait_for_rebuild(timeout=60)
    assert search_index().ids.tolist() == [first.pk, second.pk]
    assert total() == 2
