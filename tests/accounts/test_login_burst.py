"""The per-network burst limit on failed log-ins (accounts.throttling).

Counted in the database: it holds when the attempts are spread over several
gunicorn workers with separate memory (`on_worker`), and it refuses only the
network that failed, never another one, and never for longer than its window.
"""

import datetime

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import FailedLogin
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
REFUSED = "Too many failed login attempts"
ATTACKER = "203.0.113.66"


@pytest.fixture
def owner():
    user = BuyerFactory(email="owner@corp.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def attempt(client, login, password, ip=ATTACKER, **headers):
    return client.post(
        "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR=ip, **headers
    )


def refused(response) -> bool:
    return response.status_code == 200 and REFUSED in response.content.decode()


def logged_in(response) -> bool:
    return response.status_code == 302


def spray(client, count, ip=ATTACKER, start=0):
    """`count` wrong passwords, each on a different account, from `ip`."""
    return [
        attempt(client, f"guess{n}@corp.example", "wrong guess", ip)
        for n in range(start, start + count)
    ]


def test_the_limit_holds_across_workers(client, on_worker):
    # Spread over two workers, five failures each: each alone saw too few.
    for n in range(10):
        with on_worker("a" if n % 2 else "b"):
            response = attempt(client, f"guess{n}@corp.example", "wrong guess")
            assert response.status_code == 200 and not refused(response), n
    for name in ("a", "b"):
        with on_worker(name):
            assert refused(attempt(client, "guess99@corp.example", "wrong guess")), name
    assert FailedLogin.objects.count() == 10


def test_the_refusal_is_clear_and_checks_no_password(client, owner):
    spray(client, 10)
    response = attempt(client, owner.email, "a wrong guess")
    assert refused(response)
    assert 'role="alert"' in response.content.decode()
    # Refused before authenticating: the guess is neither tried, nor counted anywhere.
    assert FailedLogin.objects.count() == 10
    assert not AccessAttempt.objects.filter(username=owner.email).exists()


def test_other_networks_are_not_refused(client, owner):
    spray(client, 12)
    assert logged_in(attempt(Client(), owner.email, PASSWORD, ip="198.51.100.20"))
    # One failure elsewhere is one failure, not the attacker's ten.
    other = Client()
    assert not refused(attempt(other, "someone@corp.example", "wrong", ip="198.51.100.21"))


def test_an_ipv6_client_is_counted_by_its_64(client):
    spray(client, 10, ip="2001:db8:1:2::1")
    assert refused(attempt(Client(), "x@corp.example", "wrong", ip="2001:db8:1:2:ffff::9"))
    assert not refused(attempt(Client(), "x@corp.example", "wrong", ip="2001:db8:1:3::1"))


def test_the_owner_gets_in_again_once_the_window_has_passed(client, owner):
    spray(client, 10)
    browser = Client()
    assert refused(attempt(browser, owner.email, PASSWORD))

    FailedLogin.objects.update(
        at=timezone.now() - datetime.timedelta(seconds=settings.LOGIN_BURST_SECONDS + 1)
    )
    assert logged_in(attempt(browser, owner.email, PASSWORD))


def test_a_known_browser_logs_in_to_its_account_during_an_attack(client, owner):
    laptop = Client()
    assert logged_in(attempt(laptop, owner.email, PASSWORD))  # remembered from now on
    laptop.post("/accounts/logout/")

    spray(client, 10)  # someone on the same network (an office, a carrier's NAT)
    assert refused(attempt(client, owner.email, PASSWORD))  # the attacker has no cookie
    assert logged_in(attempt(laptop, owner.email, PASSWORD))


def test_a_known_browser_is_known_for_its_own_accounts_only(client, owner):
    other = BuyerFactory(email="colleague@corp.example")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    laptop = Client()
    assert logged_in(attempt(laptop, owner.email, PASSWORD))
    laptop.post("/accounts/logout/")

    spray(client, 10)
    assert refused(attempt(laptop, other.email, PASSWORD))
    # Wrong passwords from a known browser are still failures, and axes still locks the account.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(laptop, owner.email, "a wrong guess")
    assert attempt(laptop, owner.email, PASSWORD).status_code == 429


def test_a_forged_or_foreign_device_cookie_does_not_help(client, owner, settings):
    spray(client, 10)
    forged = Client()
    forged.cookies[settings.LOGIN_DEVICE_COOKIE_NAME] = "eyJmYWtlIjp0cnVlfQ:forged:signature"
    assert refused(attempt(forged, owner.email, PASSWORD))


def test_expired_failures_are_forgotten(client):
    spray(client, 3)
    FailedLogin.objects.update(at=timezone.now() - datetime.timedelta(hours=1))
    spray(client, 1, ip="198.51.100.30")
    assert list(FailedLogin.objects.values_list("network", flat=True)) == ["198.51.100.30"]


def test_behind_a_trusted_proxy_the_proxy_supplied_address_is_counted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        attempt(
            client,
            f"guess{n}@corp.example",
            "wrong",
            ip="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {ATTACKER}",
        )
    assert set(FailedLogin.objects.values_list("network", flat=True)) == {ATTACKER}
    elsewhere = attempt(
        Client(), "x@corp.example", "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.5"
    )
    assert not refused(elsewhere)
