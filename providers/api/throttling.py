"""The API's rate limit: so many requests per client per window, counted in the database.

Production runs several gunicorn workers, so a count kept in one process (or in
the per-process memory cache) would let a client make the limit times the
number of workers. Each request instead adds one to its client's row for the
current fixed window in one atomic statement (`INSERT … ON CONFLICT DO UPDATE …
RETURNING`, PostgreSQL and SQLite alike), so every worker sees the same count
and two simultaneous requests can never both read the same number.

The client is its network as log-in throttling sees it (accounts.throttling:
the socket peer, or the address the trusted proxy saw when TRUSTED_PROXY_COUNT
is set; an IPv6 client counts by its /64). Settings: `API_RATE_LIMIT` requests
per `API_RATE_WINDOW_SECONDS`.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from accounts.throttling import client_network
from providers.models import ApiClientWindow

_TABLE = ApiClientWindow._meta.db_table
_COUNT_SQL = (
    f"INSERT INTO {_TABLE} (client, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608 (a constant table)
    f"ON CONFLICT (client, window_start) DO UPDATE SET hits = {_TABLE}.hits + 1 "
    "RETURNING hits"
)


#: The window this process last deleted older windows' rows in.
_swept: int | None = None


@dataclass(frozen=True)
class Allowance:
    """Where a client stands in the current window."""

    limit: int
    remaining: int
    #: Whole seconds until the window ends (at least 1).
    reset_after: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0


def count_request(request, *, now: float | None = None) -> Allowance:
    """Count one API request of this request's client and say whether it is over the limit.

    One query; the first request a process counts in a window also deletes the rows
    of windows that are over (every client's), so the table holds about one row per
    active client.
    """
    global _swept
    limit = settings.API_RATE_LIMIT
    window = settings.API_RATE_WINDOW_SECONDS
    now = time.time() if now is None else now
    start = int(now // window) * window
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL, [client_network(request), start])
        hits = cursor.fetchone()[0]
    if _swept != start:
        _swept = start
        ApiClientWindow.objects.filter(window_start__lt=start).delete()
    return Allowance(
        limit=limit,
        remaining=limit - hits,
        reset_after=max(1, math.ceil(start + window - now)),
    )
