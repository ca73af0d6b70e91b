import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import AccountType, User
from tests.factories import BuyerFactory, IsspUserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"


def signup(client, **overrides):
    data = {
        "account_type": "issp",
        "email": "amina@provider.example",
        "password1": "lanterns drift over quiet harbours",
        "password2": "lanterns drift over quiet harbours",
    }
    data.update(overrides)
    return client.post(SIGNUP_URL, data)


def confirmation_link(message):
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_page_offers_both_paths_as_labelled_radios(client):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<fieldset" in html and "<legend" in html
    assert "How will you use ImpactDir?" in html
    assert re.search(
        r'<input type="radio" name="account_type" value="buyer"[^>]*id="id_account_type_0"', html
    )
    assert '<label for="id_account_type_0"' in html
    assert "I buy outsourcing services" in html
    assert "I work at an impact sourcing provider" in html
    assert 'style="' not in html and "<style" not in html


@pytest.mark.parametrize("path", [AccountType.ISSP, AccountType.BUYER])
def test_signup_stores_the_chosen_path_and_sends_a_confirmation(client, path):
    response = signup(client, account_type=path.value)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="amina@provider.example")
    assert user.account_type == path
    assert not user.is_staff and not user.is_superuser
    address = EmailAddress.objects.get(user=user)
    assert address.verified is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amina@provider.example"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_signup_without_a_path_is_refused_with_a_message(client):
    response = signup(client, account_type="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tell us whether you buy services or work at a provider." in html
    # The error summary links to the first radio, which can take focus.
    assert 'href="#id_account_type_0"' in html
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_with_an_invented_path_is_refused(client):
    response = signup(client, account_type="admin")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.exists()


def test_signup_cannot_make_itself_staff(client):
    signup(client, is_staff="on", is_superuser="on")
    user = User.objects.get(email="amina@provider.example")
    assert not user.is_staff and not user.is_superuser


def test_errors_are_announced_and_linked_to_their_fields(client):
    response = signup(client, email="not-an-address", password2="something else entirely")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    # Each invalid input is marked and points at its own message.
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', html)
    assert re.search(r'<input[^>]*name="email"[^>]*aria-describedby="[^"]*id_email_error', html)
    assert 'id="id_email_error"' in html
    assert not User.objects.exists()


def test_existing_address_does_not_create_a_second_account_or_leak(client):
    BuyerFactory(email="taken@example.org")
    response = signup(client, email="taken@example.org")
    # Same answer as a fresh sign-up, so nobody can probe which addresses exist.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taken@example.org"]


def test_unconfirmed_user_cannot_log_in(client):
    signup(client)
    mail.outbox.clear()
    client.logout()
    response = client.post(
        LOGIN_URL,
        {"login": "amina@provider.example", "password": "lanterns drift over quiet harbours"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    # The first e-mail went out moments ago; allauth's cool-down holds back a resend.
    assert mail.outbox == []


def confirm_and_log_in(client, email, password):
    message = mail.outbox[-1]
    link = confirmation_link(message)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=email).verified
    client.logout()
    return client.post(LOGIN_URL, {"login": email, "password": password})


def test_confirmed_issp_user_lands_on_the_dashboard(client):
    signup(client)
    response = confirm_and_log_in(
        client, "amina@provider.example", "lanterns drift over quiet harbours"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")
    assert client.get(response["Location"]).status_code == 200


def test_confirmed_buyer_lands_on_the_search_page(client):
    signup(client, account_type="buyer", email="buyer@corp.example")
    response = confirm_and_log_in(
        client, "buyer@corp.example", "lanterns drift over quiet harbours"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("search")


def test_a_safe_next_parameter_wins_over_the_landing_page(client, passphrase):
    user = IsspUserFactory(email="next@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        LOGIN_URL + "?next=/providers/",
        {"login": user.email, "password": passphrase, "next": "/providers/"},
    )
    assert response["Location"] == "/providers/"


def test_an_offsite_next_parameter_is_ignored(client, passphrase):
    user = IsspUserFactory(email="offsite@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        LOGIN_URL, {"login": user.email, "password": passphrase, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dashboard:index")


def test_invalid_confirmation_key_explains_itself(client):
    response = client.get("/accounts/confirm-email/not-a-real-key/")
    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()


def test_confirmation_mail_is_branded_and_links_back_here(client):
    signup(client)
    message = mail.outbox[0]
    assert message.subject.startswith("[ImpactDir] ")
    assert message.body.startswith("Hello from ImpactDir,")
    assert "http://testserver/accounts/confirm-email/" in message.body
