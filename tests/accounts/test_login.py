import datetime

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.factories import BuyerFactory, IsspUserFactory, StaffFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def member():
    user = IsspUserFactory(email="lena@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def attempt(client, email, password, **headers):
    return client.post(LOGIN_URL, {"login": email, "password": password}, **headers)


def fail_times(client, email, times, **headers):
    responses = [attempt(client, email, "wrong guess number one", **headers) for _ in range(times)]
    return responses


def logged_in_as(client, user):
    return client.session.get("_auth_user_id") == str(user.pk)


def test_a_wrong_password_is_refused_with_a_clear_message(client, member):
    response = attempt(client, member.email, "not my password at all")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "not correct" in html
    assert not logged_in_as(client, member)


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, member):
    responses = fail_times(client, member.email, 5)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    # The fifth failure reaches the limit: the lockout page replaces the form.
    assert responses[4].status_code == 429

    response = attempt(client, member.email, PASSWORD)
    assert response.status_code == 429
    assert not logged_in_as(client, member)


def test_the_lockout_page_explains_what_happened_and_what_to_do(client, member):
    fail_times(client, member.email, 5)
    response = attempt(client, member.email, PASSWORD)
    assert response.status_code == 429
    assert "account/lockout.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "<h1>Too many failed log-in attempts</h1>" in html
    assert 'role="alert"' in html
    assert "after 5 failed attempts" in html
    assert "Please wait 15 minutes" in html
    assert 'href="/accounts/password/reset/"' in html
    assert 'style="' not in html
    assert response.headers["Content-Security-Policy"]


def test_after_the_cool_off_the_right_password_works_again(client, member):
    fail_times(client, member.email, 5)
    assert attempt(client, member.email, PASSWORD).status_code == 429

    # Move the recorded failures back past the 15-minute cool-off.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    response = attempt(client, member.email, PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client, member)
    # A successful login clears the slate.
    assert not AccessAttempt.objects.filter(username=member.email).exists()


def test_still_locked_just_before_the_cool_off_ends(client, member):
    fail_times(client, member.email, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert attempt(client, member.email, PASSWORD).status_code == 429
    assert not logged_in_as(client, member)


def test_spoofed_x_forwarded_for_does_not_bypass_the_lockout(client, member):
    for n in range(5):
        attempt(
            client,
            member.email,
            "wrong guess",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = attempt(
        client,
        member.email,
        PASSWORD,
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429
    assert not logged_in_as(client, member)
    # Every failure was recorded against the socket address, not the header.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_changing_the_case_of_the_address_does_not_bypass_the_lockout(client, member):
    for variant in ["lena@provider.example", "LENA@provider.example", "Lena@Provider.Example"]:
        attempt(client, variant, "wrong guess")
    for variant in ["lEna@provider.example", "leNa@PROVIDER.example"]:
        attempt(client, variant, "wrong guess")
    assert attempt(client, "LeNa@provider.example", PASSWORD).status_code == 429
    assert not logged_in_as(client, member)


def test_the_lock_is_per_account_and_address(client, member):
    other = BuyerFactory(email="other@corp.example")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    fail_times(client, member.email, 5, REMOTE_ADDR="203.0.113.7")

    # Another account from the same address is not locked...
    response = attempt(Client(), other.email, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    # ...nor the same account from another address: nobody can lock the owner out.
    owner = Client()
    response = attempt(owner, member.email, PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert logged_in_as(owner, member)


def test_behind_a_trusted_proxy_the_proxy_supplied_address_counts(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client made up the left entry; the proxy appended the real address.
    for n in range(5):
        attempt(
            client,
            member.email,
            "wrong guess",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = attempt(
        client, member.email, PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert locked.status_code == 429
    elsewhere = attempt(
        Client(), member.email, PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.5"
    )
    assert elsewhere.status_code == 302


def test_garbage_forwarded_for_behind_a_proxy_falls_back_to_the_socket_address(
    client, member, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    response = attempt(
        client, member.email, "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>"
    )
    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.2"]


def test_a_success_before_the_limit_resets_the_count(client, member):
    fail_times(client, member.email, 4)
    assert attempt(client, member.email, PASSWORD).status_code == 302
    client.logout()
    responses = fail_times(client, member.email, 4)
    assert all(r.status_code == 200 for r in responses)
    assert attempt(client, member.email, PASSWORD).status_code == 302


def test_malformed_login_posts_never_500(client, member):
    for data in [{}, {"login": ""}, {"login": "x" * 5000, "password": "y"}, {"password": "z"}]:
        assert client.post(LOGIN_URL, data).status_code == 200


def test_the_session_key_rotates_at_login(client, member):
    client.get(LOGIN_URL)
    session = client.session
    session["marker"] = "before login"
    session.save()
    before = client.session.session_key
    assert before

    response = attempt(client, member.email, PASSWORD)
    assert response.status_code == 302
    after = client.session.session_key
    assert after != before
    assert logged_in_as(client, member)


def test_changing_the_password_ends_other_sessions_but_not_this_one(member):
    laptop, phone = Client(), Client()
    assert attempt(laptop, member.email, PASSWORD).status_code == 302
    assert attempt(phone, member.email, PASSWORD).status_code == 302
    assert phone.get("/dashboard/").status_code == 200

    new = "a brand new long passphrase"
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302

    assert laptop.get("/dashboard/").status_code == 200
    assert logged_in_as(laptop, member)
    response = phone.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_needs_a_post_and_ends_the_session(client, member):
    client.force_login(member)
    assert client.get("/accounts/logout/").status_code == 200
    assert logged_in_as(client, member)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not logged_in_as(client, member)


def test_logout_requires_csrf(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post("/accounts/logout/").status_code == 403
    assert logged_in_as(client, member)


def test_login_requires_csrf(member):
    client = Client(enforce_csrf_checks=True)
    response = attempt(client, member.email, PASSWORD)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_accounts_is_slowed_down(client):
    # allauth's per-IP burst limit: 10 failed logins a minute, whatever the account.
    for n in range(10):
        response = attempt(client, f"guess{n}@corp.example", "wrong guess")
        assert response.status_code == 200
    response = attempt(client, "guess99@corp.example", "wrong guess")
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_too_many_signups_get_an_explained_429_page(client):
    for n in range(20):
        client.post("/accounts/signup/", {"account_type": "buyer", "email": f"s{n}@x.example"})
    response = client.post("/accounts/signup/", {"account_type": "buyer", "email": "s@x.example"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>Too many requests</h1>" in html
    assert 'class="skip-link"' in html


def test_django_admin_login_is_throttled_too(client):
    admin = StaffFactory(email="ops@impactdir.example")
    for _ in range(5):
        client.post("/admin/login/", {"username": admin.email, "password": "wrong guess"})
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_form_level_error_is_announced_without_an_empty_field_list(client, member):
    html = attempt(client, member.email, "not my password").content.decode()
    alert = html[html.index('role="alert"') : html.index("</div>", html.index('role="alert"'))]
    assert "not correct" in alert
    assert "form-errors__fields" not in alert
