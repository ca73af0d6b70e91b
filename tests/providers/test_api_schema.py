"""schemathesis against /api/v1/openapi.json: every operation, generated requests,
no server error and every answer as the document describes it.

Bounded for CI: a few examples per operation (MAX_EXAMPLES) over a small directory,
run in-process against the WSGI application.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.buyers.test_search_facets import build_directory

MAX_EXAMPLES = 25
CALLS = []


def _schema():
    """The document /api/v1/openapi.json serves (the same builder), run against the WSGI app.

    Built without a request: the document does not depend on the database, and the
    tests' database exists only once a test runs.
    """
    from impactdir.wsgi import application
    from providers.api.views import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = application
    loaded.location = "/api/v1/openapi.json"
    return loaded


schema = _schema()


@pytest.fixture(autouse=True)
def _directory(db):
    """A small directory, and requests that keep the test's database connection.

    The WSGI application closes old connections at the end of every request, which
    on PostgreSQL would close the test's own transaction; Django's test client
    switches that off for its requests, and so does this fixture for schemathesis'.
    """
    build_directory(count=16, seed=5)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(case):
    response = case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
    CALLS.append((case.operation.label, response.status_code))


def test_every_operation_was_exercised():
    """Runs after the schemathesis tests (file order) and prints what they did."""
    if not CALLS:
        pytest.skip("the schemathesis tests did not run in this session")
    by_operation = {}
    for label, status in CALLS:
        by_operation.setdefault(label, []).append(status)
    for label, statuses in sorted(by_operation.items()):
        print(f"{label}: {len(statuses)} requests, statuses {sorted(set(statuses))}")
    assert len(by_operation) >= 4
