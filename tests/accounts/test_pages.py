import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.factories import IsspUserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/accounts/inactive/",
]
PRIVATE_PAGES = ["/accounts/password/change/", "/accounts/email/", "/accounts/logout/"]


def assert_site_page(response):
    assert response.status_code == 200
    html = response.content.decode()
    # Drawn inside our base.html, with one h1 and no inline styles (the CSP forbids them).
    assert 'class="skip-link"' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'style="' not in html and "<style" not in html
    # Every inline script carries the nonce or is inert data.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or "nonce=" in tag or 'type="application/json"' in tag, tag
    # Every form posts with a CSRF token, but the visitor's compare selection and the language
    # switcher, whose forms are checked by origin instead (impactdir/origin.py: cached
    # anonymous pages set no cookie).
    origin_checked = (
        reverse("buyers:compare_add"),
        reverse("buyers:compare_remove"),
        reverse("set_language"),
    )
    for form in re.findall(r"<form\b[^>]*method=\"post\".*?</form>", html, flags=re.S):
        if any(f'action="{url}"' in form for url in origin_checked):
            continue
        assert "csrfmiddlewaretoken" in form


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_account_pages_use_the_site_layout(client, url):
    assert_site_page(client.get(url))


@pytest.mark.parametrize("url", PRIVATE_PAGES)
def test_private_account_pages_use_the_site_layout(client, url):
    user = IsspUserFactory(email="pages@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    assert_site_page(client.get(url))


@pytest.mark.parametrize("url", PRIVATE_PAGES[:2])
def test_private_account_pages_send_visitors_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_every_visible_input_has_a_label(client):
    for url in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        html = client.get(url).content.decode()
        for tag in re.findall(r"<input\b[^>]*>", html):
            if 'type="hidden"' in tag:
                continue
            input_id = re.search(r'id="([^"]+)"', tag).group(1)
            assert f'for="{input_id}"' in html, (url, tag)


def test_nobody_can_touch_another_users_addresses(client):
    owner = IsspUserFactory(email="owner@provider.example")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    EmailAddress.objects.create(user=owner, email="second@provider.example", verified=True)
    intruder = IsspUserFactory(email="intruder@other.example")
    EmailAddress.objects.create(user=intruder, email=intruder.email, verified=True, primary=True)
    client.force_login(intruder)

    for action in ["action_remove", "action_primary", "action_send"]:
        response = client.post("/accounts/email/", {"email": "second@provider.example", action: ""})
        assert response.status_code == 302

    assert set(EmailAddress.objects.filter(user=owner).values_list("email", "primary")) == {
        ("owner@provider.example", True),
        ("second@provider.example", False),
    }
    assert EmailAddress.objects.get(email=intruder.email).primary


def test_a_confirmation_key_cannot_move_an_address_to_someone_else(client):
    # Keys are only ever sent to the address itself; a guessed key changes nothing.
    user = IsspUserFactory(email="unconfirmed@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    other = IsspUserFactory(email="other@provider.example")
    client.force_login(other)
    response = client.post("/accounts/confirm-email/guessed-key/")
    assert response.status_code == 404
    assert not EmailAddress.objects.get(email=user.email).verified
