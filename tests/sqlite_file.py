"""A file-based copy of the (in-memory) SQLite test database, for tests that need real
processes or several connections at once; and a way to run Python against it.

The copy is taken once per module, before any test's transaction starts (a test's own
connection holds the write lock for its whole transaction, so no backup could read it):

    file_database_template = pytest.fixture(scope="module")(template_of_test_database)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def template_of_test_database(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The schema and the data migrations' rows of the test database, in a file."""
    import sqlite3

    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    return path


def fresh_copy(template: Path, directory: Path) -> Path:
    path = directory / "db.sqlite3"
    shutil.copyfile(template, path)
    return path


def run_python(database: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run `python ARGS` in the project with the test settings and the database file."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
