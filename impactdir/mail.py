"""E-mail from templates: the one way the site sends its own messages.

A message is two templates rendered with the same context:
`templates/emails/<area>/<name>_subject.txt` and `<name>_body.txt`, plain text
(each template turns autoescaping off). The subject is joined onto one line,
whatever a provider's name or an inquiry's subject holds.

Every address gets a message of its own, so nobody sees the others' addresses.
By default the messages leave once the current transaction commits, and a
failure to send is logged and never undoes the change that caused it.
`after_commit=False` sends at once and lets a failure raise, for a caller that
records what was sent in the same transaction as the e-mail (saved-search
alerts, which the next run retries).
"""

from collections.abc import Iterable

from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string


def send_templated_mail(
    *, template: str, to: Iterable[str], context: dict, after_commit: bool = True
) -> None:
    """E-mail `emails/<template>_subject.txt` and `_body.txt` to each address of `to`.

    `template` is `<area>/<name>`, e.g. `"vetting/listing_approved"`. Empty
    addresses are skipped and each address is written to once.
    """
    addresses = sorted({address for address in to if address})
    if not addresses:
        return
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}_body.txt", context)
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in addresses]

    def send():
        with mailers.default as connection:
            connection.send_messages(messages)

    if after_commit:
        transaction.on_commit(send, robust=True)
    else:
        send()
