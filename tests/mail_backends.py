"""A mail backend for tests that behaves like an SMTP server refusing some recipients."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

#: Messages to addresses at this domain are refused, as a mail server refuses a recipient.
REFUSED_DOMAIN = "refused.example"


class RefusingEmailBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.recipients() if a.endswith(f"@{REFUSED_DOMAIN}")]
            if refused:
                raise smtplib.SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"No such user")))
        return super().send_messages(messages)
