import pytest
from django.core.cache import cache

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
