"""gunicorn settings (`--config python:impactdir.gunicorn_conf`): start search early."""


def post_worker_init(worker):
    """Build the worker's in-memory search index while it starts taking requests."""
    from providers.services.search_data import warm_search_index

    warm_search_index()
