import pytest
from django.core.cache import cache
from django.test import override_settings

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps its rate-limit counters in the cache; tests must not share them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def passphrase():
    return PASSPHRASE


@pytest.fixture
def on_worker():
    """`with on_worker("a"):` serves the requests inside as one gunicorn worker would.

    Each worker has its own per-process memory: the zero-setup default cache
    (LocMemCache) of worker "a" is not the one of worker "b", exactly as in
    production without CACHE_URL. Anything that only holds because one process
    served every request fails when the test moves between workers.
    """

    def worker(name):
        return override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": f"worker-{name}",
                }
            }
        )

    yield worker
    for name in ("a", "b"):
        with worker(name):
            cache.clear()
