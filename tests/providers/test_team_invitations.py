"""Team invitations: nobody joins without accepting; the form tells no one who has an account."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from providers.models import Invitation, Membership, MembershipRole
from tests.factories import BuyerFactory, IsspUserFactory, StaffFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db


def confirmed(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def team_url(provider):
    return reverse("dashboard:team", args=[provider.pk])


def invite(client, provider, email, capture, role="editor"):
    """The owner posts the form; returns (response, page after the redirect, e-mail sent)."""
    sent = len(mail.outbox)
    with capture(execute=True):
        response = client.post(team_url(provider), {"email": email, "role": role})
    page = client.get(response["Location"]) if response.status_code == 302 else None
    [message] = mail.outbox[sent:]
    return response, page, message


def messages_of(page) -> list[str]:
    return re.findall(r'<p class="message message--[^"]*">(.*?)</p>', page.text, flags=re.S)


def anonymised(text, email, token):
    return text.replace(email, "ADDRESS").replace(token, "TOKEN")


@pytest.fixture
def team(client):
    provider, owner = listing_with_owner()
    confirmed(owner)
    client.force_login(owner)
    return provider, owner


@pytest.mark.parametrize("existing", [IsspUserFactory, BuyerFactory, StaffFactory])
def test_an_existing_account_and_a_new_address_get_the_same_answer_and_e_mail(
    client, team, django_capture_on_commit_callbacks, existing
):
    provider, _owner = team
    account = confirmed(existing(email="has-account@example.org"))

    known = invite(client, provider, "has-account@example.org", django_capture_on_commit_callbacks)
    new = invite(client, provider, "no-account@example.org", django_capture_on_commit_callbacks)

    (known_response, known_page, known_mail), (new_response, new_page, new_mail) = known, new
    assert known_response.status_code == new_response.status_code == 302
    assert known_response["Location"] == new_response["Location"]
    tokens = dict(Invitation.objects.values_list("email", "token"))
    assert "An invitation was e-mailed to has-account@example.org" in messages_of(known_page)[0]
    assert [anonymised(m, "has-account@example.org", "") for m in messages_of(known_page)] == [
        anonymised(m, "no-account@example.org", "") for m in messages_of(new_page)
    ]
    assert known_mail.subject == new_mail.subject
    assert anonymised(
        known_mail.body, "has-account@example.org", tokens["has-account@example.org"]
    ) == anonymised(new_mail.body, "no-account@example.org", tokens["no-account@example.org"])
    assert known_mail.to == ["has-account@example.org"]
    assert new_mail.to == ["no-account@example.org"]
    # Nobody joined; both are open invitations on the team page.
    assert not Membership.objects.filter(user=account).exists()
    assert Membership.objects.filter(provider=provider).count() == 1
    for email in ("has-account@example.org", "no-account@example.org"):
        assert email in new_page.text


def test_the_invited_account_joins_only_by_accepting(
    client, team, django_capture_on_commit_callbacks
):
    provider, _owner = team
    colleague = confirmed(IsspUserFactory(email="colleague@example.org"))
    _, _, message = invite(
        client, provider, "Colleague@Example.org", django_capture_on_commit_callbacks, "owner"
    )
    invitation = Invitation.objects.get()
    link = reverse("dashboard:invitation", args=[invitation.token])
    assert link in message.body

    browser = Client()
    browser.force_login(colleague)
    # Their dashboard lists it, and the page asks before anything happens.
    assert link in browser.get(reverse("dashboard:index")).text
    page = browser.get(link)
    assert "Accept the invitation" in page.text
    assert not Membership.objects.filter(user=colleague).exists()

    response = browser.post(link)
    assert response.status_code == 302
    assert Membership.objects.get(user=colleague).role == MembershipRole.OWNER
    invitation.refresh_from_db()
    assert invitation.accepted_by == colleague


def test_someone_else_signed_in_cannot_accept(client, team, django_capture_on_commit_callbacks):
    provider, owner = team
    invited = confirmed(IsspUserFactory(email="invited@example.org"))
    invite(client, provider, invited.email, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    link = reverse("dashboard:invitation", args=[invitation.token])

    for intruder in [
        confirmed(IsspUserFactory(email="intruder@example.org")),
        confirmed(StaffFactory(email="operator@impactdir.example")),
        owner,  # the owner holding the link cannot take it for the invitee either
    ]:
        browser = Client()
        browser.force_login(intruder)
        page = browser.get(link)
        assert page.status_code == 200
        assert "sent to another e-mail address" in page.text
        assert "Accept the invitation" not in page.text
        browser.post(link)
    assert list(Membership.objects.filter(provider=provider).values_list("user", flat=True)) == [
        owner.pk
    ]
    invitation.refresh_from_db()
    assert invitation.accepted_at is None

    # The invitation still works for the person it was sent to.
    browser = Client()
    browser.force_login(invited)
    browser.post(link)
    assert Membership.objects.filter(provider=provider, user=invited).exists()


def test_an_unconfirmed_address_cannot_accept(client, team, django_capture_on_commit_callbacks):
    provider, _owner = team
    unconfirmed = IsspUserFactory(email="unconfirmed@example.org")
    EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, verified=False)
    invite(client, provider, unconfirmed.email, django_capture_on_commit_callbacks)
    link = reverse("dashboard:invitation", args=[Invitation.objects.get().token])

    browser = Client()
    browser.force_login(unconfirmed)  # e.g. through the admin's own log-in form
    assert "Confirm your e-mail address first" in browser.get(link).text
    browser.post(link)
    assert not Membership.objects.filter(user=unconfirmed).exists()


def test_signed_out_the_link_asks_to_log_in(client, team, django_capture_on_commit_callbacks):
    provider, _owner = team
    invite(client, provider, "someone@example.org", django_capture_on_commit_callbacks)
    link = reverse("dashboard:invitation", args=[Invitation.objects.get().token])
    response = Client().post(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Membership.objects.filter(provider=provider).count() == 1
