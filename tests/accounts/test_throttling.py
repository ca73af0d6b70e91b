import pytest
from django.test import RequestFactory

from accounts.throttling import client_ip, login_username

rf = RequestFactory()


def request(xff=None, remote="203.0.113.7", post=None):
    headers = {"REMOTE_ADDR": remote}
    if xff is not None:
        headers["HTTP_X_FORWARDED_FOR"] = xff
    return rf.post("/accounts/login/", post or {}, **headers)


@pytest.mark.parametrize("xff", [None, "198.51.100.1", "198.51.100.1, 192.0.2.2", "garbage"])
def test_without_trusted_proxies_the_header_is_ignored(settings, xff):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(xff)) == "203.0.113.7"


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # client-made entries on the left
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.5", "198.51.100.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "198.51.100.1", "203.0.113.7"),  # fewer hops than proxies: not trustworthy
        (1, "", "203.0.113.7"),
        (1, "not-an-ip", "203.0.113.7"),
        (1, " , ", "203.0.113.7"),
    ],
)
def test_behind_trusted_proxies_the_proxy_supplied_entry_counts(settings, count, xff, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(xff)) == expected


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "Ann@Example.org", "password": "x"},  # allauth
        {"username": "ann@example.org", "password": "x"},  # Django admin, failure signal
        {"login": "ANN@example.org", "email": None},  # axes' backend re-keying
    ],
)
def test_every_credential_shape_gives_the_same_key(credentials):
    assert login_username(request(), credentials) == "ann@example.org"


def test_the_posted_field_is_the_fallback():
    assert login_username(request(post={"login": " Ann@Example.org "}), {}) == "ann@example.org"
    assert login_username(request(), None) is None
