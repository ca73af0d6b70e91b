"""While the database cannot be reached, pages answer 503 in the site's layout, not a traceback."""

import logging
import time

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import get_resolver

from impactdir.errors import RETRY_AFTER_SECONDS, server_error
from tests.factories import ProviderFactory
from tests.impactdir.gunicorn_server import (
    collectstatic,
    database_url,
    free_port,
    gunicorn,
    production_env,
)

pytestmark = pytest.mark.django_db


class Refuse:
    """Every query fails as it does when the server went away (and counts the attempts)."""

    def __init__(self, error=OperationalError):
        self.error = error
        self.attempts = 0

    def __call__(self, execute, sql, params, many, context):
        self.attempts += 1
        raise self.error("server closed the connection unexpectedly")


@pytest.fixture
def anonymous():
    # Django's test client re-raises a view's exception unless told not to.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("path", ["/", "/providers/", "/providers/some-provider/"])
def test_a_lost_database_gives_a_503_page_made_without_any_query(anonymous, path, error):
    ProviderFactory(slug="some-provider")
    refuse = Refuse(error)

    with connection.execute_wrapper(refuse):
        response = anonymous.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Briefly unavailable" in page
    assert 'class="site-header"' in page  # the site's layout
    assert "Traceback" not in page and "server closed" not in page
    assert refuse.attempts == 1  # the page itself asked nothing of the database


def test_an_outage_is_logged_in_one_line_per_request_not_a_traceback(anonymous, caplog):
    with connection.execute_wrapper(Refuse()), caplog.at_level(logging.WARNING):
        assert anonymous.get("/providers/").status_code == 503

    assert "Database unavailable (OperationalError): server closed" in caplog.text
    assert not [record for record in caplog.records if record.exc_info]


def test_a_logged_in_user_gets_the_same_page_without_a_session_lookup(anonymous):
    from tests.factories import BuyerFactory

    anonymous.force_login(BuyerFactory())
    refuse = Refuse()

    with connection.execute_wrapper(refuse):
        response = anonymous.get("/shortlists/")

    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()


def test_the_site_answers_normally_once_the_database_is_back(anonymous):
    ProviderFactory(slug="some-provider")
    with connection.execute_wrapper(Refuse()):
        assert anonymous.get("/providers/some-provider/").status_code == 503

    assert anonymous.get("/providers/some-provider/").status_code == 200


def test_the_root_urlconf_uses_the_503_aware_handler():
    assert get_resolver().resolve_error_handler(500) is server_error


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OperationalError("terminating connection due to administrator command"), 503),
        (InterfaceError("connection already closed"), 503),
        (IntegrityError("duplicate key value"), 500),
        (ValueError("a bug"), 500),
    ],
)
def test_only_connection_errors_become_503(error, status):
    request = RequestFactory().get("/")
    try:
        raise error
    except Exception:
        response = server_error(request)

    assert response.status_code == status
    assert ("Retry-After" in response) is (status == 503)


def test_an_error_raised_from_a_lost_connection_is_a_503():
    request = RequestFactory().get("/")
    try:
        try:
            raise OperationalError("could not connect to server")
        except OperationalError as lost:
            raise RuntimeError("could not load the listing") from lost
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 503


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_gunicorn_serves_503_and_probes_while_the_database_cannot_be_reached(tmp_path, engine):
    """The production line, with a database server that refuses connections (a closed port)
    or a SQLite file that cannot be opened: probes and pages answer, nothing crashes."""
    url = (
        f"postgres://impactdir@127.0.0.1:{free_port()}/impactdir"
        if engine == "postgresql"
        else f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
    )
    with gunicorn(production_env(url, tmp_path)) as get:
        assert get("/healthz")[0] == 200
        status, _headers, body = get("/readyz")
        assert (status, body) == (503, b"unavailable\n")
        for path in ("/", "/providers/?q=data", "/providers/anything/"):
            status, headers, body = get(path)
            assert status == 503, path
            assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert b"Briefly unavailable" in body
            assert b"Traceback" not in body


@pytest.mark.django_db(transaction=True)
def test_gunicorn_replaces_connections_the_database_server_cut(tmp_path):
    """The server ends every connection (as a restart does): with CONN_HEALTH_CHECKS the next
    request finds its kept connection dead before using it and opens a new one."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can end its clients' connections")
    ProviderFactory(slug="kept-provider")
    name = connection.settings_dict["NAME"]
    env = production_env(database_url(connection.settings_dict), tmp_path)
    collectstatic(env)
    with gunicorn(env) as get:
        deadline = time.monotonic() + 30
        while get("/readyz")[0] != 200:
            assert time.monotonic() < deadline, "the worker never became ready"
            time.sleep(0.2)
        assert get("/providers/kept-provider/")[0] == 200

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            assert cursor.fetchone()[0] >= 1

        assert get("/providers/kept-provider/")[0] == 200
        assert get("/providers/?q=provider")[0] == 200
        assert get("/readyz")[0] == 200
