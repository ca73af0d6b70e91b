"""Probes for load balancers: /healthz (the process answers) and /readyz (it can serve).

Both are answered by `impactdir.middleware.HealthCheckMiddleware` before any other
middleware runs: no session, no CSRF cookie, no user, no host check, no HTTPS
redirect, so a load balancer can probe a worker over plain HTTP with its own Host
header. The bodies say nothing beyond ready or not: no versions, hosts or errors.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse

from buyers.search.current import search_index_ready, warm_search_index

logger = logging.getLogger(__name__)


def _plain(body: bytes, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz() -> HttpResponse:
    """The process is alive and answering; touches nothing else."""
    return _plain(b"ok\n")


def readyz() -> HttpResponse:
    """Ready when `SELECT 1` works and this process has built its search index (one query).

    A process without an index starts building one in the background, so a worker that
    started while the database was down becomes ready by itself once it is back, even
    though the load balancer sends it no searches meanwhile.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Readiness probe: the database is not reachable.")
        return _plain(b"unavailable\n", status=503)
    if not search_index_ready():
        warm_search_index()
        return _plain(b"unavailable\n", status=503)
    return _plain(b"ok\n")


PROBES = {"/healthz": healthz, "/readyz": readyz}
