"""Full builds by a process of their own, handed over as a file (buyers/search/handover.py).

On PostgreSQL on committed data (the build process cannot see a test's transaction);
on SQLite the same scenario runs in a process of its own against a file database.
"""

import os
import pickle
import tracemalloc

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from buyers.search import current, handover
from buyers.search.build import build_index
from buyers.search.current import search_data_changed, search_index
from tests.buyers.test_search_changes import _signature
from tests.factories import (
    DeliveryCentreFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
)
from tests.sqlite_file import fresh_copy, run_python, template_of_test_database

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite: test_on_sqlite_* runs it in a process"
)


@pytest.fixture
def process_builds(settings, tmp_path):
    directory = tmp_path / "index"
    settings.SEARCH_INDEX_BUILDS = "process"
    settings.SEARCH_INDEX_REBUILD = "inline"
    settings.SEARCH_INDEX_DIR = str(directory)
    yield directory
    current._current = None  # the next test's index is built from its own data


def _directory(count: int) -> None:
    services = [ServiceFactory() for _ in range(3)]
    for n in range(count):
        provider = ProviderFactory(
            description=f"Data entry and annotation number {n} for rural youth",
        )
        ProviderServiceFactory(provider=provider, service=services[n % 3])
        DeliveryCentreFactory(provider=provider, country=["KE", "IN", "CO"][n % 3])


def _header(path):
    with open(path, "rb") as stream:
        return pickle.load(stream)  # noqa: S301 (the test's own file)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_new_token_is_answered_from_an_index_another_process_built(process_builds):
    _directory(12)
    before = search_index()
    search_data_changed()
    ProviderFactory(name="Newly listed after the change")
    index = search_index()
    assert index is not before
    path = handover.index_path()
    header = _header(path)
    assert header.token == index.base_token
    assert header.code == handover.code_fingerprint()
    # The same answers as an index built here, from the same data.
    assert _signature(index) == _signature(build_index(timezone.localdate()))
    assert index.text is not None and index.size == 13
    # Caches of positions are keyed by this process's own builds.
    assert index.build > before.build


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_searches_use_the_previous_index_while_the_build_process_runs(process_builds, settings):
    settings.SEARCH_INDEX_REBUILD = "background"
    _directory(4)
    before = search_index()
    search_data_changed()
    ProviderFactory(name="Listed while the build process runs")
    assert search_index() is before  # answered at once, from the index it has
    current.wait_for_rebuild(timeout=120)
    after = search_index()
    assert after is not before and after.size == 5
    assert after.base_token == _header(handover.index_path()).token
    assert current.search_index_ready()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_workers_of_a_machine_build_once_and_a_failed_catch_up_builds_again(
    process_builds,
):
    _directory(5)
    search_data_changed()
    with handover.built_file() as stream:
        first = handover.load_index(stream)
    written = _header(handover.index_path()).written
    # Another worker needing the same token loads that file: no build of its own.
    with handover.built_file() as stream:
        second = handover.load_index(stream)
    assert _header(handover.index_path()).written == written
    assert second.base_token == first.base_token and second.build != first.build
    # One that could not bring it up to date asks for a new build.
    with handover.built_file(force=True):
        pass
    assert _header(handover.index_path()).written > written


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_file_of_other_code_or_another_token_is_not_loaded(process_builds):
    _directory(3)
    search_data_changed()
    with handover.built_file():
        pass
    path = handover.index_path()
    header = _header(path)
    for stale in (
        handover.Header(**{**header.__dict__, "code": "an earlier release"}),
        handover.Header(**{**header.__dict__, "token": "an earlier token"}),
    ):
        with open(path, "wb") as stream:
            pickle.dump(stale, stream)
            pickle.dump("not an index", stream)
        with handover.built_file() as stream:
            assert isinstance(handover.load_index(stream), type(current.search_index()))
        assert _header(path).code == handover.code_fingerprint()
        assert _header(path).token == header.token


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_worker_never_holds_two_indexes_while_one_is_handed_over(process_builds, settings):
    """Memory traced while the index is replaced: with a build elsewhere, less than one
    index above what the process held before (the old one is let go first); built here, a
    second index and the build's scratch."""
    _directory(300)

    def traced(step) -> tuple[int, int]:
        """(memory traced after the index to replace was made, peak traced during `step`)."""
        tracemalloc.start()
        try:
            search_data_changed()
            search_index()
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            step()
            return held, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # One index's size: what loading one takes.
    search_data_changed()
    with handover.built_file() as stream:
        handover.load_index(
            stream
        )  # once first: what a first load brings in (imports) is not the index
    with handover.built_file() as stream:
        tracemalloc.start()
        try:
            loaded = handover.load_index(stream)
            one_index = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    assert loaded.size == 300 and one_index > 100_000
    del loaded

    def replace():
        current._full_build(timezone.localdate(), force=True)

    held, peak = traced(replace)
    handed_over = peak - held
    settings.SEARCH_INDEX_BUILDS = "thread"
    held, peak = traced(replace)
    built_here = peak - held
    # Built here, a second index (and the build's scratch) beside the first: the measure
    # sees two when there are two. Handed over, never a whole second one.
    assert built_here > one_index
    assert handed_over < one_index and 2 * handed_over < built_here


def test_a_directory_others_may_write_to_is_refused(settings, tmp_path):
    directory = tmp_path / "open"
    directory.mkdir()
    os.chmod(directory, 0o777)  # noqa: S103 (the case under test)
    settings.SEARCH_INDEX_DIR = str(directory)
    with pytest.raises(ImproperlyConfigured, match="chmod 700"):
        handover.index_dir()
    os.chmod(directory, 0o700)
    assert handover.index_dir() == directory


SQLITE_SCENARIO = """
import os, pickle
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from buyers.search import handover
from buyers.search.build import build_index
from buyers.search.current import search_data_changed, search_index
from tests.buyers.test_search_changes import _signature

call_command("seed_demo", "--providers", "40", "-v", "0")
before = search_index()
search_data_changed()
index = search_index()
with open(handover.index_path(), "rb") as stream:
    header = pickle.load(stream)
assert index is not before and header.token == index.base_token, (header, index.base_token)
assert _signature(index) == _signature(build_index(timezone.localdate()))
from providers.models import Provider
assert index.size == Provider.objects.published().count() > 20, index.size
print("handed over", index.size)
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite default")
@pytest.mark.django_db
def test_on_sqlite_a_new_token_is_answered_from_an_index_another_process_built(
    file_database_template, tmp_path, monkeypatch
):
    monkeypatch.setenv("SEARCH_INDEX_BUILDS", "process")
    monkeypatch.setenv("SEARCH_INDEX_REBUILD", "inline")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "index"))
    database = fresh_copy(file_database_template, tmp_path)
    result = run_python(database, "-c", SQLITE_SCENARIO, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "handed over" in result.stdout


file_database_template = pytest.fixture(scope="module")(template_of_test_database)
