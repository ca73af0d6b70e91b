"""Sessions hold on every worker: ending or changing one on one worker counts on all.

The site runs under gunicorn with several workers, and without CACHE_URL each has
its own memory. `on_worker` (tests/accounts/conftest.py) serves requests as one
worker or another; a session engine that kept sessions in per-process memory
(Django's cached_db with the default cache) fails these tests.
"""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Session
from buyers.models import Shortlist
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def buyer():
    user = BuyerFactory(email="bea@corp.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client, user, password=PASSWORD):
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content
    return response


def signed_in(response):
    return response.status_code == 200


def with_session_id(session_id):
    """Another browser (a second tab, or whoever copied the cookie) sending that session id."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_id
    return client


def test_logging_out_on_one_worker_ends_the_session_on_the_others(buyer, on_worker):
    browser = Client()
    with on_worker("a"):
        log_in(browser, buyer)
    session_id = browser.cookies[settings.SESSION_COOKIE_NAME].value
    with on_worker("b"):
        assert signed_in(browser.get("/shortlists/"))  # worker b has now seen the session
    with on_worker("a"):
        assert browser.post("/accounts/logout/").status_code == 302

    copy = with_session_id(session_id)
    with on_worker("b"):
        response = copy.get("/shortlists/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        response = copy.post("/shortlists/", {"name": "After logout"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not Shortlist.objects.exists()


def test_a_copied_session_id_is_useless_after_logout_on_every_worker(buyer, on_worker):
    owner = Client()
    with on_worker("a"):
        log_in(owner, buyer)
    session_id = owner.cookies[settings.SESSION_COOKIE_NAME].value
    for name in ("a", "b"):
        with on_worker(name):
            assert signed_in(with_session_id(session_id).get("/shortlists/"))
    with on_worker("b"):
        owner.post("/accounts/logout/")
    for name in ("a", "b"):
        with on_worker(name):
            copy = with_session_id(session_id)
            assert copy.get("/shortlists/").status_code == 302, name
            copy.post("/shortlists/", {"name": "Stolen"})
    assert not Shortlist.objects.exists()
    assert not Session.objects.exists()


def test_a_new_password_keeps_this_browser_signed_in_on_every_worker(buyer, on_worker):
    laptop, phone = Client(), Client()
    with on_worker("a"):
        log_in(laptop, buyer)
        log_in(phone, buyer)
    with on_worker("b"):
        assert signed_in(laptop.get("/shortlists/"))
        assert signed_in(phone.get("/shortlists/"))
    new = "a brand new long passphrase"
    with on_worker("a"):
        response = laptop.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        assert response.status_code == 302

    for name in ("b", "a"):
        with on_worker(name):
            # The browser that changed it stays in, wherever its next request lands...
            assert signed_in(laptop.get("/shortlists/")), name
            # ...and the other one is out everywhere.
            assert phone.get("/shortlists/").status_code == 302, name


def test_the_session_row_names_its_user_and_logout_deletes_it(client, buyer):
    log_in(client, buyer)
    session = Session.objects.get()
    assert session.user == buyer
    assert session.get_decoded()[SESSION_KEY] == str(buyer.pk)

    client.post("/accounts/logout/")
    assert not Session.objects.exists()


def test_a_signed_in_page_reads_session_and_user_in_one_query(
    client, buyer, django_assert_num_queries
):
    log_in(client, buyer)
    with django_assert_num_queries(1):
        # The password change page needs nothing but the user.
        assert client.get("/accounts/password/change/").status_code == 200


def test_a_deactivated_user_is_signed_out(client, buyer):
    log_in(client, buyer)
    buyer.is_active = False
    buyer.save()
    response = client.get("/shortlists/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_deleted_user_takes_their_sessions_along(client, buyer):
    log_in(client, buyer)
    buyer.delete()
    assert not Session.objects.exists()
    assert client.get("/shortlists/").status_code == 302


def test_a_session_made_before_a_secret_key_rotation_still_works(client, buyer, settings):
    old_key = settings.SECRET_KEY
    log_in(client, buyer)
    before = client.session.session_key

    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert signed_in(client.get("/shortlists/"))
    # Moved to a new session signed with the current key.
    assert client.session.session_key != before

    settings.SECRET_KEY_FALLBACKS = []
    assert signed_in(client.get("/shortlists/"))


def test_a_session_with_a_forged_hash_is_ended(client, buyer):
    log_in(client, buyer)
    session = client.session
    session["_auth_user_hash"] = "forged"
    session.save()
    assert client.get("/shortlists/").status_code == 302
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_clearsessions_removes_expired_sessions(client, buyer):
    log_in(client, buyer)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    call_command("clearsessions")
    assert not Session.objects.exists()
