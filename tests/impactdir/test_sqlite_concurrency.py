"""The zero-setup SQLite database queues concurrent writers instead of failing.

Eight browsers save one listing's profile at the same moment, each through the
real view with its own connection to a real database file: one save wins, the
others are told someone else saved first, and none gets "database is locked".
"""

import json

import pytest
from django.db import connection

from tests.sqlite_file import fresh_copy, run_python, template_of_test_database

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="PostgreSQL locks rows, not the database; tests/providers/test_concurrency.py",
    ),
]

WRITERS = 8

file_database_template = pytest.fixture(scope="module")(template_of_test_database)


def test_parallel_profile_saves_queue_and_exactly_one_wins(file_database_template, tmp_path):
    database = fresh_copy(file_database_template, tmp_path)
    result = run_python(database, "-m", "tests.impactdir.concurrent_profile_saves", str(WRITERS))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    outcomes = report["outcomes"]
    assert [o for o in outcomes if "error" in o or "other" in o] == []
    assert "Internal Server Error" not in result.stderr
    saved = [o["saved"] for o in outcomes if "saved" in o]
    assert len(saved) == 1
    assert sum("refused" in o for o in outcomes) == WRITERS - 1
    assert (report["tagline"], report["version"]) == (saved[0], 2)
    assert report["journal_mode"] == "wal"  # readers are not held up by the writer
