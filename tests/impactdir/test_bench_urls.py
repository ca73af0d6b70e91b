"""`make bench` serves the site through bench/urls.py: it must load and route as the site does."""

import pytest
from django.core import checks
from django.test import override_settings


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_bench_urls_serve_the_bare_view_and_the_site_in_every_language(client):
    assert client.get("/__bench__/bare/").content == b"ok"
    assert client.get("/providers/").status_code == 200
    assert client.get("/fr/providers/").status_code == 200


@override_settings(ROOT_URLCONF="bench.urls")
def test_bench_urls_pass_the_url_checks():
    # manage.py's checks refused an include() of i18n_patterns: `make bench` stopped at migrate.
    errors = checks.run_checks(tags=[checks.Tags.urls])
    assert [e for e in errors if e.level >= checks.ERROR] == []
