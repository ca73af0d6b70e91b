"""E-mails are written in their reader's language, and their links lead to the pages in it."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from buyers.services import inquiry_send
from impactdir.mail import links_in, send_templated_mail
from providers.models import Language
from tests.factories import BuyerFactory, IsspUserFactory, ProviderFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "vetting/listing_approved"
SUBJECT = "Your listing “%(name)s” is published"
NOT_YOURS = (
    "The buyer's e-mail address is not shared; answers go through ImpactDir. "
    "If this organisation is not yours, you can ignore this e-mail."
)


def subject_in(language, name):
    """The subject as the catalogue of `language` words it (checked to be translated)."""
    with translation.override(language):
        worded = gettext(SUBJECT) % {"name": name}
    if language != "en":
        assert worded != SUBJECT % {"name": name}, f"no {language} translation of {SUBJECT!r}"
    return worded


def sent(django_capture_on_commit_callbacks, **kwargs):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_mail(template=TEMPLATE, **kwargs)
    return {message.to[0]: message for message in mail.outbox}


def test_each_reader_gets_the_language_of_their_account(django_capture_on_commit_callbacks):
    provider = ProviderFactory(name="Kibera Data")
    IsspUserFactory(email="fr@team.example", language="fr")
    IsspUserFactory(email="ar@team.example", language="ar")
    IsspUserFactory(email="EN@team.example", language="en")
    with translation.override("es"):  # the sender's language does not decide for them
        messages = sent(
            django_capture_on_commit_callbacks,
            to=["fr@team.example", "ar@team.example", "en@team.example"],
            context={"provider": provider},
        )
    assert messages["fr@team.example"].subject == subject_in("fr", "Kibera Data")
    assert messages["ar@team.example"].subject == subject_in("ar", "Kibera Data")
    # Addresses are matched whatever their case.
    assert messages["en@team.example"].subject == subject_in("en", "Kibera Data")


def test_without_a_chosen_language_the_guess_then_the_active_language_decides(
    django_capture_on_commit_callbacks,
):
    provider = ProviderFactory(name="Kibera Data")
    IsspUserFactory(email="unset@team.example", language="")
    IsspUserFactory(email="pt@team.example", language="pt")
    with translation.override("es"):
        messages = sent(
            django_capture_on_commit_callbacks,
            to=["unset@team.example", "nobody@elsewhere.example", "pt@team.example"],
            context={"provider": provider},
        )
        guessed = sent(
            django_capture_on_commit_callbacks,
            to=["nobody@elsewhere.example", "pt@team.example"],
            context={"provider": provider},
            language="fr",
        )
    assert messages["unset@team.example"].subject == subject_in("es", "Kibera Data")
    assert messages["nobody@elsewhere.example"].subject == subject_in("es", "Kibera Data")
    assert guessed["nobody@elsewhere.example"].subject == subject_in("fr", "Kibera Data")
    # A chosen language beats the caller's guess.
    assert guessed["pt@team.example"].subject == subject_in("pt", "Kibera Data")


def test_an_unknown_language_falls_back_to_english(django_capture_on_commit_callbacks):
    provider = ProviderFactory(name="Kibera Data")
    messages = sent(
        django_capture_on_commit_callbacks,
        to=["nobody@elsewhere.example"],
        context={"provider": provider},
        language="de",
    )
    assert messages["nobody@elsewhere.example"].subject == subject_in("en", "Kibera Data")


def test_links_lead_to_the_pages_in_the_readers_language():
    url = "https://impactdir.example" + reverse("buyers:inquiries")
    context = {"url": url, "searches_url": url + "?x=1", "note": url}
    assert links_in(context, "fr") == {
        "url": "https://impactdir.example/fr" + reverse("buyers:inquiries"),
        "searches_url": "https://impactdir.example/fr" + reverse("buyers:inquiries") + "?x=1",
        "note": url,  # only links are touched
    }
    assert links_in(context, "en") == context


@pytest.mark.django_db(transaction=True)
def test_an_unclaimed_listing_is_written_to_in_the_language_it_is_written_in():
    # Get or create: a transactional test before this one may have flushed the taxonomies.
    portuguese, _ = Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})
    provider = ProviderFactory(
        name="Recife Dados", slug="recife", contact_email="contato@recife.example"
    )
    quechua, _ = Language.objects.get_or_create(code="qu", defaults={"name": "Quechua"})
    provider.listing_languages.set([quechua, portuguese])
    buyer = BuyerFactory(language="en")
    mail.outbox.clear()
    inquiry_send(
        buyer=buyer, providers=[provider], subject="Annotation team", body="We need 40 people."
    )
    [message] = mail.outbox
    assert message.to == ["contato@recife.example"]
    with translation.override("pt"):
        expected = gettext(NOT_YOURS)
    assert expected != NOT_YOURS
    assert expected in message.body
    assert re.search(r"https?://[^/\s]+/pt/dashboard/inquiries/claim/", message.body)


@pytest.mark.django_db(transaction=True)
def test_signing_up_in_a_language_stores_it_and_confirms_in_it(client):
    mail.outbox.clear()
    with translation.override("fr"):
        signup = reverse("account_signup")
    assert signup.startswith("/fr/")
    response = client.post(
        signup,
        {
            "account_type": "buyer",
            "name": "Amina Diallo",
            "organisation": "Banque de Dakar",
            "email": "amina@banque.example",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from accounts.models import User

    assert User.objects.get(email="amina@banque.example").language == "fr"
    [message] = mail.outbox
    assert re.search(r"https?://[^/\s]+/fr/accounts/", message.body), message.body
    with translation.override("fr"):
        assert message.subject != "[ImpactDir] Please Confirm Your Email Address"
