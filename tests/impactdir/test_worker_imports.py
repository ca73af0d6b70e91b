"""A web worker loads only what serving pages needs: libraries for rare jobs load on first use.

Each gunicorn worker must stay under 200 MB at 100,000 providers (PRODUCT.md), and
Django with its libraries is the largest share before any data. pypdf (evidence
uploads, ~18 MB) and jsonschema (building the open data, ~10 MB) are imported by the
code that uses them; this test loads the site as a worker does, in a fresh process,
and fails if a module-level import brings one of them back.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOADED_ONLY_WHEN_USED = ("pypdf", "jsonschema")

_PROBE = """
import sys
import django
from django.urls import get_resolver
django.setup()
get_resolver().url_patterns  # every view module, as a worker's first request does
import impactdir.wsgi  # noqa: F401
print(" ".join(name for name in {names!r} if name in sys.modules))
"""


def test_a_worker_does_not_import_the_libraries_of_rare_jobs():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "impactdir.settings",
        "SECRET_KEY": "a-test-key-that-is-long-enough-for-the-settings-checks",
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)  # nothing here touches a database
    completed = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", _PROBE.format(names=LOADED_ONLY_WHEN_USED)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == []


def test_the_jobs_that_need_them_still_work():
    # The lazily imported names are the real libraries (a typo would only show on use).
    from providers.opendata import hsds

    assert hsds.validator().__class__.__module__.startswith("jsonschema")
