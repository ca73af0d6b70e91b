import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from tests.factories import IsspUserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"


def signup_with(client, password, email="pat@provider.example"):
    return client.post(
        SIGNUP_URL,
        {"account_type": "issp", "email": email, "password1": password, "password2": password},
    )


def verified_user(email="reset@provider.example"):
    user = IsspUserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Tr0ub4dor&3", "at least 12 characters"),  # 11 characters, otherwise strong
        ("qwerty123456", "too common"),
        ("1qaz2wsx3edc", "too common"),
        ("839201746352", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_through_the_signup_form(client, password, message):
    response = signup_with(client, password)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert not User.objects.exists()
    assert mail.outbox == []


def test_password_resembling_the_address_is_refused(client):
    response = signup_with(client, "patprovider.example", email="patprovider.example@x.org")
    assert response.status_code == 200
    assert "too similar" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "password",
    [
        "Twelve chars",  # exactly 12: the minimum is inclusive
        "correct horse battery staple",
        "the quick brown fox jumps over the lazy dog while the kettle boils " * 2,
        "ünïcödé pässphräse wörks tóo",
    ],
)
def test_long_passphrases_are_accepted(client, password):
    response = signup_with(client, password)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.check_password(password)


def test_help_text_states_the_rules(client):
    html = client.get(SIGNUP_URL).content.decode()
    assert "at least 12 characters" in html
    assert re.search(
        r'<input[^>]*name="password1"[^>]*aria-describedby="id_password1_helptext"', html
    )


def test_password_reset_journey(client):
    user = verified_user()
    response = client.post("/accounts/password/reset/", {"email": "RESET@provider.example"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # The key link redirects to a session-bound URL without the key in it.
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    assert "Choose a new password" in response.content.decode()

    weak = client.post(form_url, {"password1": "password1234", "password2": "password1234"})
    assert weak.status_code == 200
    assert "too common" in weak.content.decode()
    user.refresh_from_db()
    assert user.check_password("correct horse battery staple")

    new = "a new passphrase for the reset"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)

    # The link works once only.
    response = client.get(link.group(1), follow=True)
    assert "invalid" in response.content.decode()

    response = client.post("/accounts/login/", {"login": user.email, "password": new})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_for_an_unknown_address_reveals_nothing_and_changes_nothing(client):
    verified_user()
    response = client.post("/accounts/password/reset/", {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    # allauth tells the unknown address that it has no account, rather than staying silent.
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_a_forged_reset_key_is_refused(client):
    user = verified_user()
    response = client.get("/accounts/password/reset/key/1-forged-key/", follow=True)
    assert response.status_code == 200
    assert "invalid" in response.content.decode()
    response = client.post(
        "/accounts/password/reset/key/1-forged-key/",
        {"password1": "attacker chosen passphrase", "password2": "attacker chosen passphrase"},
    )
    assert response.status_code in {200, 302}
    user.refresh_from_db()
    assert user.check_password("correct horse battery staple")


def test_password_change_needs_the_current_password(client):
    user = verified_user("change@provider.example")
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong guess entirely", "password1": "x" * 3, "password2": "x" * 3},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    user.refresh_from_db()
    assert user.check_password("correct horse battery staple")

    new = "another long passphrase here"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "correct horse battery staple", "password1": new, "password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    # The owner hears about it, with where the change came from.
    assert [m.to for m in mail.outbox] == [["change@provider.example"]]
    assert "Your password has been changed." in mail.outbox[0].body
    assert "127.0.0.1" in mail.outbox[0].body


def test_password_change_page_needs_login(client):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
