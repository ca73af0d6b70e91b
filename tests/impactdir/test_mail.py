"""`send_templated_mail`: one message per address, rendered from two templates, sent on commit."""

import pytest
from django.core import mail
from django.db import transaction

from impactdir.mail import send_templated_mail
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "vetting/listing_approved"


def test_each_address_gets_a_message_of_its_own_once(django_capture_on_commit_callbacks):
    provider = ProviderFactory(name="Kibera <Data> & Co")
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_mail(
            template=TEMPLATE,
            to=["b@team.example", "", "a@team.example", "b@team.example"],
            context={"provider": provider},
        )
    assert [message.to for message in mail.outbox] == [["a@team.example"], ["b@team.example"]]
    # Plain text: the subject and body hold the name as it is, not HTML-escaped.
    assert {message.subject for message in mail.outbox} == {
        "Your listing “Kibera <Data> & Co” is published"
    }
    assert "“Kibera <Data> & Co” has been reviewed" in mail.outbox[0].body


def test_the_subject_is_one_line_whatever_the_name_holds(django_capture_on_commit_callbacks):
    provider = ProviderFactory(name="Two\nlines")
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_mail(
            template=TEMPLATE, to=["a@team.example"], context={"provider": provider}
        )
    assert mail.outbox[0].subject == "Your listing “Two lines” is published"


def test_messages_leave_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    provider = ProviderFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            send_templated_mail(
                template=TEMPLATE, to=["a@team.example"], context={"provider": provider}
            )
            raise RuntimeError("the change is rolled back")
        assert callbacks == []
        send_templated_mail(
            template=TEMPLATE, to=["a@team.example"], context={"provider": provider}
        )
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mail.outbox] == [["a@team.example"]]


def test_sending_at_once_lets_a_failure_raise(settings):
    provider = ProviderFactory()
    send_templated_mail(
        template=TEMPLATE, to=["a@team.example"], context={"provider": provider}, after_commit=False
    )
    assert len(mail.outbox) == 1
    # Nothing listens on port 9 (discard): a real SMTP connection that fails.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    with pytest.raises(OSError):
        send_templated_mail(
            template=TEMPLATE,
            to=["a@team.example"],
            context={"provider": provider},
            after_commit=False,
        )


def test_no_address_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        send_templated_mail(template=TEMPLATE, to=["", ""], context={})
    assert callbacks == [] and mail.outbox == []
