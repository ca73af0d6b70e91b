"""/healthz and /readyz: cheap, unauthenticated, answered before host checks and redirects."""

import pytest
from django.db import OperationalError, connection

from buyers.search import current as search_data
from buyers.search.current import search_index, wait_for_rebuild

pytestmark = pytest.mark.django_db


def assert_reveals_nothing(response, body):
    assert response.content == body
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session, no CSRF cookie
    assert "Cookie" not in response.get("Vary", "")


def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert_reveals_nothing(response, b"ok\n")


def test_readyz_answers_ok_with_one_query_once_the_index_is_built(
    client, django_assert_num_queries
):
    search_index()
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert_reveals_nothing(response, b"ok\n")


def test_probes_ignore_the_host_header_and_the_https_redirect(client, settings):
    """A load balancer probes each worker over plain HTTP, with its own address as Host."""
    settings.SECURE_SSL_REDIRECT = True
    search_index()

    assert client.get("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    # Every other URL still checks both.
    assert client.get("/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/").status_code == 301


def test_probes_answer_head_and_refuse_other_methods(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    # Only the exact paths are probes.
    assert client.get("/healthz/").status_code == 404


def test_readyz_is_503_while_the_database_refuses_queries(client):
    search_index()

    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert_reveals_nothing(response, b"unavailable\n")


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_until_the_index_is_built_and_starts_the_build(client, monkeypatch, settings):
    """A worker that could not build its index (say it started while the database was
    down) gets no searches from the load balancer, so the probe itself starts the build."""
    settings.SEARCH_INDEX_REBUILD = "background"
    monkeypatch.setattr(search_data, "_current", None)
    monkeypatch.setattr(search_data, "_last_failure", 0.0)

    response = client.get("/readyz")
    assert response.status_code == 503
    assert_reveals_nothing(response, b"unavailable\n")

    wait_for_rebuild(timeout=60)
    assert client.get("/readyz").status_code == 200
