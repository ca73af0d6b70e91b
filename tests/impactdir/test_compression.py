"""Public pages are gzipped; pages with a secret in them (BREACH) never are."""

import gzip

import pytest
from django.urls import reverse

from tests.factories import BuyerFactory, ProviderFactory

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def provider():
    return ProviderFactory(name="Gzip Lagoon Works", slug="gzip-lagoon")


@pytest.mark.parametrize(
    "path",
    ["/", "/providers/", "/providers/?q=lagoon", "/providers/gzip-lagoon/", "/privacy/"],
)
def test_anonymous_public_pages_are_compressed(client, provider, path):
    plain = client.get(path)
    response = client.get(path, **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert not response.cookies
    body = gzip.decompress(response.content)
    assert len(response.content) < len(body) / 2
    assert b"</html>" in body
    assert plain.get("Content-Encoding") is None  # only when asked for


def test_pages_of_a_signed_in_user_are_never_compressed(client, provider):
    client.force_login(BuyerFactory())
    for path in ["/", "/providers/?q=lagoon", "/providers/gzip-lagoon/", "/shortlists/"]:
        response = client.get(path, **GZIP)
        assert response.status_code == 200, path
        assert response.get("Content-Encoding") is None, path


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_pages_with_a_csrf_token_are_never_compressed(client, name):
    response = client.get(reverse(name) + "?next=/reflected-input/", **GZIP)

    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert response.get("Content-Encoding") is None
