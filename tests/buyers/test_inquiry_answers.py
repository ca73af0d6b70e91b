"""Structured answers to the standard questions, and comparing them side by side."""

import pytest
from django.core import mail
from django.urls import reverse

from buyers import services
from buyers.models import Inquiry, InquiryAnswer, InquiryBatch
from providers.models import PricingModel
from tests.factories import (
    CertificationFactory,
    CertificationHoldingFactory,
    MembershipFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

QUERIES_PROVIDER_THREAD = 6
QUERIES_BUYER_THREAD = 4
ALL_QUESTIONS = ["capacity", "impact-share", "certifications", "pricing"]
VALID = {"subject": "Transcription 2027", "body": "Can you take 20 hours of audio a week?"}


@pytest.fixture
def per_hour(db):
    return PricingModel.objects.get_or_create(slug="per-hour", defaults={"name": "Per hour"})[0]


@pytest.fixture
def iso(db, provider):
    certification = CertificationFactory(name="ISO 27001", slug="iso-27001")
    CertificationHoldingFactory(provider=provider, certification=certification)
    return certification


def answer(client, inquiry, **data):
    return client.post(reverse("dashboard:inbox_reply", args=[inquiry.pk]), data)


def test_the_reply_form_asks_only_the_questions_asked(client, buyer, provider, member, iso):
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], questions=["impact-share"], **VALID
    )
    client.force_login(member)
    html = client.get(inquiry.get_provider_url()).content.decode()
    assert 'name="impact_share"' in html
    assert 'name="capacity_amount"' not in html and 'name="pricing_model"' not in html


def test_a_provider_answers_and_the_buyer_reads_the_answers(
    client, buyer, provider, member, iso, per_hour
):
    other_cert = CertificationFactory(name="COPC", slug="copc")  # not held
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], questions=ALL_QUESTIONS, **VALID
    )
    client.force_login(member)
    page = client.get(inquiry.get_provider_url()).content.decode()
    assert "ISO 27001" in page and "COPC" not in page
    mail.outbox.clear()
    response = answer(
        client,
        inquiry,
        body="",
        capacity_amount="40",
        capacity_unit="seats",
        impact_share="65",
        certifications=[iso.pk],
        pricing_model=per_hour.pk,
        pricing_note="USD 9–11 an hour depending on languages",
    )
    assert response.status_code == 302
    stored = InquiryAnswer.objects.get()
    assert (stored.capacity_amount, stored.capacity_unit, stored.impact_share) == (40, "seats", 65)
    assert list(stored.certifications.all()) == [iso] and stored.pricing_model == per_hour
    [email] = mail.outbox
    assert "Capacity: 40 seats" in email.body and "65%" in email.body
    client.force_login(buyer)
    thread = client.get(inquiry.get_buyer_url()).content.decode()
    assert "Answers to the standard questions" in thread
    for text in ("40 seats", "65%", "ISO 27001", "Per hour", "USD 9–11 an hour"):
        assert text in thread
    assert other_cert.name not in thread


@pytest.mark.parametrize(
    "data, message",
    [
        ({"impact_share": "101"}, "whole percentage, 0 to 100"),
        ({"impact_share": "-1"}, "whole percentage, 0 to 100"),
        ({"impact_share": "sixty"}, "Give the share as a whole percentage"),
        ({"capacity_amount": "40"}, "Give the capacity as a number and choose its unit."),
        ({"capacity_unit": "seats"}, "Give the capacity as a number and choose its unit."),
        ({"capacity_amount": "0", "capacity_unit": "seats"}, "Give a capacity from 1"),
        ({"capacity_amount": "5", "capacity_unit": "parsecs"}, "Choose a unit from the list."),
        ({"certifications": ["999999"]}, "Choose certifications your listing holds."),
        ({"pricing_model": "999999"}, "Choose a pricing model from the list."),
        ({"pricing_note": "x" * 501}, "Keep the pricing note under 500 characters."),
        ({}, "Write your reply, or answer at least one of the questions."),
    ],
)
def test_bad_answers_are_refused_with_a_clear_message(
    client, buyer, provider, member, iso, data, message
):
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], questions=ALL_QUESTIONS, **VALID
    )
    client.force_login(member)
    mail.outbox.clear()
    response = answer(client, inquiry, body="", **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert inquiry.messages.count() == 1 and not InquiryAnswer.objects.exists()
    assert mail.outbox == []


def test_a_certification_the_listing_does_not_hold_is_refused(client, buyer, provider, member):
    foreign = CertificationFactory(name="PCI DSS", slug="pci-dss")
    CertificationHoldingFactory(provider=ProviderFactory(slug="else"), certification=foreign)
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], questions=["certifications"], **VALID
    )
    client.force_login(member)
    response = answer(client, inquiry, body="", certifications=[foreign.pk])
    assert response.status_code == 400
    assert not InquiryAnswer.objects.exists()


@pytest.fixture
def three_answered(buyer, per_hour):
    """One shortlist inquiry to three providers; two answered (one twice), one not."""
    providers = [ProviderFactory(name=f"Provider {c}", slug=f"provider-{c}") for c in "abc"]
    staff = [MembershipFactory(provider=p).user for p in providers]
    shortlist = services.shortlist_create(owner=buyer, name="Finalists")
    for p in providers:
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=p)
    inquiries = services.inquiry_send(
        buyer=buyer, providers=providers, questions=ALL_QUESTIONS, shortlist=shortlist, **VALID
    )
    first, second, _ = inquiries
    services.inquiry_reply(inquiry=first, user=staff[0], body="", answers={"impact_share": 40})
    services.inquiry_reply(
        inquiry=first,
        user=staff[0],
        body="Corrected.",
        answers={"impact_share": 55, "capacity_amount": 12, "capacity_unit": "people"},
    )
    services.inquiry_reply(
        inquiry=second,
        user=staff[1],
        body="",
        answers={"pricing_model": per_hour, "pricing_note": "flat monthly fee"},
    )
    return inquiries


def test_a_shortlist_inquiry_compares_the_answers_side_by_side(
    client, buyer, three_answered, django_assert_max_num_queries
):
    batch = InquiryBatch.objects.get()
    assert {i.batch_id for i in Inquiry.objects.all()} == {batch.pk}
    client.force_login(buyer)
    url = reverse("buyers:inquiry_answers", args=[batch.pk])
    # session + user, batch, inquiries, answers, their certifications
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Provider a", "Provider b", "Provider c", "55%", "12 people", "Per hour"):
        assert text in html
    assert "40%" not in html  # the latest answer is compared
    assert "No answer yet" in html
    assert url in client.get(three_answered[0].get_buyer_url()).content.decode()
    assert url in client.get(reverse("buyers:inquiries")).content.decode()


def test_sending_to_several_leads_to_the_comparison(buyer_client, buyer):
    a, b = ProviderFactory(slug="a-co"), ProviderFactory(slug="b-co")
    MembershipFactory(provider=a), MembershipFactory(provider=b)
    response = buyer_client.post(
        reverse("buyers:inquiry_new"), {**VALID, "provider": ["a-co", "b-co"]}
    )
    assert response["Location"] == InquiryBatch.objects.get().get_absolute_url()


def test_only_the_sender_sees_the_comparison(client, other_buyer, three_answered):
    batch = InquiryBatch.objects.get()
    url = reverse("buyers:inquiry_answers", args=[batch.pk])
    client.force_login(other_buyer)
    response = client.get(url)
    assert response.status_code == 404 and "Provider a" not in response.content.decode()
    client.force_login(three_answered[0].provider.memberships.get().user)  # a recipient
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("replies", [1, 6])
def test_the_thread_with_answers_costs_the_same_queries_at_any_length(
    client, buyer, provider, member, iso, per_hour, replies, django_assert_num_queries
):
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], questions=ALL_QUESTIONS, **VALID
    )
    for n in range(replies):
        services.inquiry_reply(
            inquiry=inquiry,
            user=member,
            body=f"Reply {n}",
            answers={"impact_share": 50 + n, "certifications": [iso], "pricing_model": per_hour},
        )
    client.force_login(member)
    # session with its user, the thread, its messages with answers, the answers'
    # certifications; the provider's reply form adds the listing's certifications
    # and the pricing models.
    with django_assert_num_queries(QUERIES_PROVIDER_THREAD):
        assert client.get(inquiry.get_provider_url()).status_code == 200
    client.force_login(buyer)
    with django_assert_num_queries(QUERIES_BUYER_THREAD):
        assert client.get(inquiry.get_buyer_url()).status_code == 200
