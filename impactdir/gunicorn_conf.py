"""gunicorn settings (`--config python:impactdir.gunicorn_conf`).

gunicorn's sync workers are meant to sit behind a buffering reverse proxy (see
the README's production section): a worker is busy for as long as its client
takes to send a request, so two slow clients would stall two workers. Hence the
default bind to localhost only, where just the proxy can reach it, and tight
limits on what a request line and its headers may be.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# A request that takes longer than this is stopped and its worker replaced.
timeout = 30
graceful_timeout = 30
# Keep-alive only matters to the proxy, which reuses its connections.
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker):
    """Build the worker's in-memory search index (then its statistics and case-study
    library) while it starts,
    and look for listing changes twice a second from then on."""
    from buyers.case_studies.index import warm_library
    from buyers.search.current import freeze_loaded_code, start_polling, warm_search_index
    from providers.stats.data import warm as warm_stats

    freeze_loaded_code()
    warm_search_index()
    warm_stats()
    warm_library()
    start_polling()
