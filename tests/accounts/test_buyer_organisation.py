"""Buyers say who they are (name, organisation, industry, country): at sign-up and later."""

import pytest
from django.urls import reverse

from accounts.models import User
from providers.models import Industry
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "account_type": "buyer",
    "email": "ana@bank.example",
    "password1": "lanterns drift over quiet harbours",
    "password2": "lanterns drift over quiet harbours",
}


@pytest.fixture
def finance(db):
    return Industry.objects.get_or_create(
        slug="financial-services", defaults={"name": "Financial services"}
    )[0]


def test_signup_stores_who_the_buyer_is(client, finance):
    response = client.post(
        "/accounts/signup/",
        {
            **SIGNUP,
            "name": "  Ana   Ruiz ",
            "organisation": "Example Bank",
            "industry": finance.pk,
            "country": "ES",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="ana@bank.example")
    assert (user.name, user.organisation, user.industry, user.country.code) == (
        "Ana Ruiz",
        "Example Bank",
        finance,
        "ES",
    )
    assert user.organisation_label() == "Example Bank (Financial services, Spain)"


def test_signup_works_without_them(client):
    assert client.post("/accounts/signup/", SIGNUP).status_code == 302
    user = User.objects.get(email="ana@bank.example")
    assert (user.name, user.organisation, user.industry, user.country) == ("", "", None, "")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "ana@bank.example", "Write your name, not an e-mail address"),
        ("organisation", "sales@bank.example", "Write the organisation&#x27;s name, not an e-mail"),
        ("name", "x" * 151, "Keep your name under 150 characters."),
        ("organisation", "x" * 201, "Keep the organisation&#x27;s name under 200 characters."),
        ("industry", "999999", "Choose an industry from the list."),
        ("country", "XX", "Choose a country from the list."),
    ],
)
def test_signup_refuses_bad_details_with_a_clear_message(client, field, value, message):
    response = client.post("/accounts/signup/", {**SIGNUP, field: value})
    assert response.status_code == 200  # allauth re-shows the form
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_account_page_shows_and_saves_only_the_signed_in_users_details(client, finance):
    buyer = BuyerFactory(email="ana@bank.example", name="Ana", organisation="Old name")
    other = BuyerFactory(email="otto@other.example", name="Otto", organisation="Other Org")
    client.force_login(buyer)
    page = client.get(reverse("account_profile"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Old name"' in html and "Other Org" not in html
    assert "never see your e-mail address" in html
    response = client.post(
        reverse("account_profile"),
        {
            "name": "Ana Ruiz",
            "organisation": "Example Bank",
            "industry": finance.pk,
            "country": "ES",
        },
    )
    assert response.status_code == 302
    buyer.refresh_from_db()
    other.refresh_from_db()
    assert (buyer.name, buyer.organisation, buyer.industry_id, buyer.country.code) == (
        "Ana Ruiz",
        "Example Bank",
        finance.pk,
        "ES",
    )
    assert (other.name, other.organisation) == ("Otto", "Other Org")


def test_account_page_refuses_bad_input_and_changes_nothing(client):
    buyer = BuyerFactory(email="ana@bank.example", name="Ana", organisation="Example Bank")
    client.force_login(buyer)
    response = client.post(
        reverse("account_profile"),
        {"name": "ana@bank.example", "organisation": "", "country": "ZZ"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write your name, not an e-mail address" in html
    assert "Choose a country from the list." in html
    assert "There is a problem" in html
    buyer.refresh_from_db()
    assert (buyer.name, buyer.organisation) == ("Ana", "Example Bank")


def test_account_page_needs_a_login(client):
    response = client.get(reverse("account_profile"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_account_page_query_count(client, django_assert_max_num_queries):
    client.force_login(BuyerFactory(email="ana@bank.example"))
    with django_assert_max_num_queries(4):  # session + user, industries for the select
        assert client.get(reverse("account_profile")).status_code == 200
