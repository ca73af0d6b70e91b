"""What the site publishes, captured so that two databases can be compared byte for byte.

`site_snapshot()` is the one list of outputs a restored backup must give back
unchanged: every published profile page, the search CSV export with all rows,
and every file of the open-data snapshot (built at a fixed moment, so that two
builds from the same data are the same bytes). It runs
in-process on the test database, and as `python -m tests.impactdir.site_snapshot`
against any other database (DATABASE_URL, MEDIA_ROOT, PRIVATE_MEDIA_ROOT) with the
same settings module, so both sides are rendered by the same code and settings.
"""

import datetime
import json
import re
import sys
import tempfile
from pathlib import Path

#: The moment both sides build their open data at: the snapshot records when it was built.
BUILT_AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

#: Random per response by design: CSP nonces and masked CSRF tokens.
_PER_RESPONSE = [
    (re.compile(rb'nonce="[^"]*"'), b'nonce="-"'),
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b'name="csrfmiddlewaretoken"'),
]


def _content(response) -> bytes:
    assert response.status_code == 200, (response.request["PATH_INFO"], response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for pattern, replacement in _PER_RESPONSE:
        body = pattern.sub(replacement, body)
    return body


def site_snapshot(*, buyer_email: str) -> dict:
    """URL -> body (text) of every published profile, the full CSV export and the open data."""
    from django.test import Client

    from accounts.models import User
    from providers.models import Provider
    from providers.opendata.build import build_open_data

    anonymous = Client()
    pages = {}
    for slug in Provider.objects.published().order_by("slug").values_list("slug", flat=True):
        url = f"/providers/{slug}/"
        pages[url] = _content(anonymous.get(url)).decode()
    buyer = Client()
    buyer.force_login(User.objects.get(email=buyer_email))
    pages["/exports/providers.csv"] = _content(buyer.get("/exports/providers.csv")).decode()
    with tempfile.TemporaryDirectory() as root:
        build_open_data(root=root, now=BUILT_AT, validate=False)
        current = Path(root) / "current"
        # The manifest lists what /data/ serves; it also records the build's own time and memory.
        for entry in json.loads((current / "manifest.json").read_text())["files"]:
            name = entry["name"]
            pages[f"/data/{name}"] = (current / name).read_text(encoding="utf-8")
    return pages


if __name__ == "__main__":
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    email, out = sys.argv[1:3]
    with open(out, "w") as file:
        json.dump(site_snapshot(buyer_email=email), file)
