"""E-mail from templates: the one way the site sends its own messages.

A message is two templates rendered with the same context:
`templates/emails/<area>/<name>_subject.txt` and `<name>_body.txt`, plain text
(each template turns autoescaping off). The subject is joined onto one line,
whatever a provider's name or an inquiry's subject holds.

Every address gets a message of its own, so nobody sees the others' addresses,
written in its reader's language: the one stored on the account of that address
(`accounts.User.language`), else `language` when the caller knows better (the
language a listing is written in, for its public contact address), else the
language active when the message is sent. Links in it are reversed in that
language, so they lead to the pages in it too. A run that sends a message per
listing asks for the readers' languages of all its addresses at once
(`reader_languages`) and passes them on (`readers=`).
By default the messages leave once the current transaction commits, and a
failure to send is logged and never undoes the change that caused it.
`after_commit=False` sends at once and lets a failure raise, for a caller that
records what was sent in the same transaction as the e-mail (saved-search
alerts, which the next run retries).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import translation

from impactdir.languages import codes, localized_url


def reader_languages(addresses: Iterable[str]) -> dict[str, str]:
    """{address (lower case): language} for the addresses whose account chose one."""
    lowered = {address.lower() for address in addresses}
    if not lowered:
        return {}
    rows = (
        get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in=lowered)
        .exclude(language="")
        .values_list("address", "language")
    )
    return dict(rows)


def supported_language(code: str | None) -> str:
    """`code` if the site speaks it, else the site's default language."""
    return code if code in codes() else settings.LANGUAGE_CODE


def reader_language(address: str, fallback: str | None = None) -> str:
    """The language to write to one address in (see the module's docstring)."""
    chosen = reader_languages([address]).get(address.lower())
    return supported_language(chosen or fallback or translation.get_language())


def links_in(context: dict, language: str) -> dict:
    """`context` with its links (`url`, `*_url`) leading to their pages in `language`."""
    return {
        key: localized_url(value, language, absolute=True)
        if isinstance(value, str) and (key == "url" or key.endswith("_url"))
        else value
        for key, value in context.items()
    }


#: Runs of ASCII white space, line breaks included (a no-break space in a translation stays).
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def render_mail(template: str, context: dict, language: str) -> tuple[str, str]:
    """The subject (one line) and body of `emails/<template>` written in `language`."""
    context = links_in(context, language)
    with translation.override(language):
        subject = _SPACES.sub(" ", render_to_string(f"emails/{template}_subject.txt", context))
        subject = subject.strip()
        body = render_to_string(f"emails/{template}_body.txt", context)
    return subject, body


def send_templated_mail(
    *,
    template: str,
    to: Iterable[str],
    context: dict,
    after_commit: bool = True,
    language: str | None = None,
    readers: Mapping[str, str] | None = None,
) -> None:
    """E-mail `emails/<template>_subject.txt` and `_body.txt` to each address of `to`.

    `template` is `<area>/<name>`, e.g. `"vetting/listing_approved"`. Empty
    addresses are skipped and each address is written to once, in its reader's
    language (see the module's docstring); `language` is the guess for an
    address without an account that chose one. `readers` is what
    `reader_languages` answered for these addresses (or more), from a caller
    that sends many messages and asked once for all of them; without it the
    readers' languages are looked up here, one query.
    """
    addresses = sorted({address for address in to if address})
    if not addresses:
        return
    chosen = reader_languages(addresses) if readers is None else readers
    fallback = supported_language(language or translation.get_language())
    groups = defaultdict(list)
    for address in addresses:
        groups[supported_language(chosen.get(address.lower(), fallback))].append(address)
    messages = []
    for code, group in sorted(groups.items()):
        subject, body = render_mail(template, context, code)
        messages.extend(EmailMessage(subject=subject, body=body, to=[address]) for address in group)

    def send():
        with mailers.default as connection:
            connection.send_messages(messages)

    if after_commit:
        transaction.on_commit(send, robust=True)
    else:
        send()
