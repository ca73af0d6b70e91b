"""/data/: the open data page, the field documentation, and the files with their HTTP caching."""

import datetime
import gzip
import json

import pytest
from django.urls import reverse

from providers.opendata import hsds
from providers.opendata.catalogue import published_files
from providers.opendata.tables import TABLES

from .opendata_helpers import build, full_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path, settings):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    return settings.OPEN_DATA_ROOT


@pytest.fixture
def built(root):
    full_listing()
    return build(root)


def file_url(name):
    return reverse("opendata:file", args=[name])


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_page_says_when_no_snapshot_was_built(client, root, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("opendata:index"))

    assert response.status_code == 200
    assert "No snapshot has been built yet" in response.content.decode()
    assert client.get(file_url("organizations.csv")).status_code == 404


def test_the_page_lists_the_snapshot_its_files_and_licence(
    client, built, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("opendata:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 published provider." in html
    assert built.created.strftime("%Y-%m-%d") in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in html
    for published in published_files():
        assert f'href="{file_url(published.name)}"' in html
    assert reverse("opendata:fields") in html
    assert reverse("disclosure") in html


def test_the_page_needs_no_query_for_a_signed_in_user_beyond_the_session(
    client, built, django_assert_max_num_queries
):
    from tests import factories as f

    client.force_login(f.BuyerFactory())
    client.get(reverse("opendata:index"))  # the session is cached after one request

    with django_assert_max_num_queries(1):
        assert client.get(reverse("opendata:index")).status_code == 200


def test_the_field_page_documents_every_column_and_extra_property(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("opendata:fields"))

    html = response.content.decode()
    for table in TABLES:
        assert f'id="table-{table.name}"' in html
        for field in table.fields:
            assert f"<code>{field.name}</code>" in html, (table.name, field.name)
    assert "<code>OI8869</code>" in html and "<code>PI3527</code>" in html
    assert reverse("disclosure") in html
    documented = {path for path, _type, _meaning in hsds.EXTRA_PROPERTIES}
    for path in documented:
        assert f"<code>{path}</code>" in html


def _schema_properties(schema, definition):
    return set(schema["$defs"][definition]["properties"])


def test_every_extra_property_in_the_schema_is_documented():
    schema = hsds.schema()
    documented = {path for path, _type, _meaning in hsds.EXTRA_PROPERTIES}

    def paths(prefix, definition):
        return {f"{prefix}.{name}" for name in _schema_properties(schema, definition)}

    expected = (
        paths("organization.impactdir", "impactdir_organization")
        | paths("service.impactdir", "impactdir_service")
        | paths("location.impactdir", "impactdir_location")
    )
    shown = {path.removesuffix("[]") for path in documented}
    assert expected <= shown, sorted(expected - shown)


def test_a_file_is_served_with_its_type_validators_and_cors(client, built):
    response = client.get(file_url("organizations.csv"))

    stored = (built.path / "organizations.csv").read_bytes()
    assert response.status_code == 200
    assert body(response) == stored
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Length"] == str(len(stored))
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 66
    assert response["Last-Modified"].endswith("GMT")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Accept-Encoding" in response["Vary"]
    assert "Content-Encoding" not in response

    document = client.get(file_url("hsds-organizations.json"))
    assert document["Content-Type"] == "application/json"
    assert json.loads(body(document))["license"]["name"] == "CC-BY-4.0"
    schema = client.get(file_url("hsds-organization.schema.json"))
    assert schema["Content-Type"] == "application/schema+json"


def test_a_conditional_request_for_an_unchanged_file_gets_304(client, built):
    first = client.get(file_url("datapackage.json"))

    by_etag = client.get(file_url("datapackage.json"), headers={"If-None-Match": first["ETag"]})
    by_date = client.get(
        file_url("datapackage.json"), headers={"If-Modified-Since": first["Last-Modified"]}
    )
    stale = client.get(file_url("datapackage.json"), headers={"If-None-Match": '"other"'})

    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert by_etag["Access-Control-Allow-Origin"] == "*"
    assert by_date.status_code == 304
    assert stale.status_code == 200


def test_a_new_snapshot_changes_only_the_validators_of_changed_files(client, built, root):
    csv_before = client.get(file_url("services.csv"))
    package_before = client.get(file_url("datapackage.json"))

    build(root, now=built.created + datetime.timedelta(minutes=1))

    csv_after = client.get(file_url("services.csv"), headers={"If-None-Match": csv_before["ETag"]})
    package_after = client.get(
        file_url("datapackage.json"), headers={"If-None-Match": package_before["ETag"]}
    )
    assert csv_after.status_code == 304
    assert package_after.status_code == 200


def test_gzip_is_sent_to_clients_that_accept_it(client, built):
    plain = client.get(file_url("hsds-organizations.json"))
    packed = client.get(
        file_url("hsds-organizations.json"), headers={"Accept-Encoding": "br, gzip;q=0.8"}
    )
    refused = client.get(
        file_url("hsds-organizations.json"), headers={"Accept-Encoding": "gzip;q=0"}
    )

    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(body(packed)) == body(plain)
    assert packed["ETag"] != plain["ETag"]
    assert int(packed["Content-Length"]) < int(plain["Content-Length"])
    assert "Content-Encoding" not in refused
    again = client.get(
        file_url("hsds-organizations.json"),
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed["ETag"]},
    )
    assert again.status_code == 304


def test_head_and_preflight_requests(client, built):
    head = client.head(file_url("terms.csv"))
    preflight = client.options(file_url("terms.csv"))

    assert head.status_code == 200
    assert head["Content-Length"] == str((built.path / "terms.csv").stat().st_size)
    assert head.content == b""
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    "name",
    ["manifest.json", "organizations.csv.gz", "..%2Fmanifest.json", "unknown.csv", ".build.lock"],
)
def test_only_the_published_files_are_served(client, built, name):
    assert client.get(f"/data/{name}").status_code == 404


def test_the_field_page_address_without_its_slash_is_redirected(client):
    response = client.get("/data/fields")

    assert response.status_code == 301
    assert response["Location"] == "/data/fields/"


def test_files_cannot_be_written(client, built):
    assert client.post(file_url("organizations.csv")).status_code == 405
