import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM must be
# allowed to run next to it in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium; CI (REQUIRE_BROWSER=1) must never skip them."""
    if os.path.exists(CHROMIUM) or os.environ.get("REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (set REQUIRE_BROWSER=1 to fail)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)
    shutil.rmtree(tmp_path / "private-media", ignore_errors=True)


@pytest.fixture(autouse=True)
def _search_data_of_its_own(request):
    """Each test that uses the database starts with a search data token of its own.

    A test's writes are rolled back, the search change log's included (whose numbers
    SQLite then hands out again), while the process keeps the search index, result
    cards and statistics built from them; a new token tells every one of them that
    the data is not what they were built from (in production data never goes back)."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not {"db", "transactional_db"} & names:
        return
    if marker is None:
        request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    else:
        request.getfixturevalue("_django_db_helper")  # what the marker asks for
    from buyers.search.current import search_data_changed

    search_data_changed()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the home page's cached headline figures
    (a few minutes) otherwise leak from one test into the next, e.g. into the test
    that the home page asks the database and answers 503 when it cannot."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _language_of_its_own():
    """Every test starts in the default language: a request in French or Arabic leaves its
    language active in the thread (LocaleMiddleware does not undo it), which would make
    the next test run in that language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def pytest_terminal_summary(terminalreporter):
    """The fuzz tests' totals: requests sent and answers by status (tests/fuzzing.py)."""
    from tests.fuzzing import tally_summary

    summary = tally_summary()
    if summary:
        terminalreporter.write_line(summary)
