import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from accounts.models import AccountType, User
from tests.factories import IsspUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "lanterns drift over quiet harbours"


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(10_000)
    # allauth's rate limits live in the cache, and live_server shares this process.
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


def link_in(message, path):
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S*)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_as_issp_confirm_and_land_on_the_dashboard(live_server, page, axe, csp_errors):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    assert page.url == live_server.url + "/accounts/signup/"
    axe(page)

    page.get_by_role("radio", name="I work at an impact sourcing provider").check()
    page.get_by_label("Email").fill("amina@provider.example")
    page.get_by_label("Password:", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password (again)").fill(PASSPHRASE)
    page.get_by_role("button", name="Sign up").click()

    page.wait_for_url("**/accounts/confirm-email/")
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your e-mail address"
    axe(page)

    user = User.objects.get(email="amina@provider.example")
    assert user.account_type == AccountType.ISSP
    assert len(mail.outbox) == 1
    confirm_path = link_in(mail.outbox[0], "/accounts/confirm-email/")

    page.goto(live_server.url + confirm_path)
    assert "amina@provider.example" in page.get_by_role("main").inner_text()
    axe(page)
    page.get_by_role("button", name="Confirm").click()
    assert EmailAddress.objects.get(email="amina@provider.example").verified

    # Confirming does not log in by itself (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION is off).
    page.wait_for_url(live_server.url + "/accounts/login/")
    assert "You have confirmed" in page.get_by_role("status").inner_text()
    axe(page)
    page.get_by_label("Email").fill("amina@provider.example")
    page.get_by_label("Password:", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/dashboard/")
    axe(page)
    assert csp_errors == []


def test_log_in_and_out_by_keyboard(live_server, page, axe, csp_errors):
    user = IsspUserFactory(email="keys@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    page.goto(live_server.url + "/accounts/login/")
    axe(page)
    page.get_by_label("Email").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/dashboard/")

    for path in ["/accounts/password/change/", "/accounts/email/", "/accounts/delete/"]:
        page.goto(live_server.url + path)
        axe(page)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("link", name="Log in").is_visible()
    assert csp_errors == []


def test_wrong_password_errors_are_announced(live_server, page, axe):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("nobody@provider.example")
    page.get_by_label("Password:", exact=True).fill("not the password")
    page.get_by_role("button", name="Log in").click()
    alert = page.get_by_role("alert")
    assert "not correct" in alert.inner_text()
    axe(page)


def test_password_reset_journey(live_server, page, axe, csp_errors):
    user = IsspUserFactory(email="forgetful@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/accounts/password/reset/")
    axe(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/accounts/password/reset/done/")
    axe(page)

    assert len(mail.outbox) == 1
    reset_path = link_in(mail.outbox[0], "/accounts/password/reset/key/")
    page.goto(live_server.url + reset_path)
    assert page.get_by_role("heading", level=1).inner_text() == "Choose a new password"
    axe(page)

    # A weak password is refused with an announced, linked message.
    page.get_by_label("New Password:", exact=True).fill("password1234")
    page.get_by_label("New Password (again)").fill("password1234")
    page.get_by_role("button", name="Set new password").click()
    assert "too common" in page.get_by_role("alert").inner_text()
    axe(page)

    new = "a fresh passphrase after the reset"
    page.get_by_label("New Password:", exact=True).fill(new)
    page.get_by_label("New Password (again)").fill(new)
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_url("**/accounts/password/reset/key/done/")
    axe(page)
    user.refresh_from_db()
    assert user.check_password(new)

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(new)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/dashboard/")
    assert csp_errors == []


def test_lockout_page_is_accessible(live_server, page, axe, csp_errors):
    user = IsspUserFactory(email="locked@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page.goto(live_server.url + "/accounts/login/")
    for _ in range(5):
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password:", exact=True).fill("a wrong guess")
        page.get_by_role("button", name="Log in").click()
        if page.get_by_role("heading", name="Too many failed log-in attempts").count():
            break
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Too many failed log-in attempts"
    assert "Please wait 15 minutes" in page.get_by_role("alert").inner_text()
    axe(page)
    assert csp_errors == []


def test_delete_your_account_by_keyboard_on_a_phone(live_server, page, axe, csp_errors):
    user = IsspUserFactory(email="leaving@provider.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/accounts/login/?next=/accounts/delete/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/accounts/delete/")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Your password").fill("not it")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    assert "That is not your password" in alert.inner_text()
    axe(page)
    assert User.objects.filter(pk=user.pk).exists()

    page.get_by_label("Your password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")
    assert "Your account has been deleted" in page.inner_text("main")
    assert not User.objects.filter(pk=user.pk).exists()
    assert page.get_by_role("link", name="Log in").is_visible()
    assert csp_errors == []
