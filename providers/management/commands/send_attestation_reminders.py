"""E-mail listing members before their confirmation or latest report gets old (run from cron).

    manage.py send_attestation_reminders    # e.g. every day at 07:00

A published listing's members are reminded 30 days before the listing's last
confirmation, or its latest impact report's period end, turns 12 and 24 months
old (at 24 months the listing is marked "not confirmed in over 2 years", or the
figures shown as stale). Safe to run again at any time: each reminder is sent
once, and a listing gets at most one e-mail per run. A listing whose e-mail fails
is logged with its id and skipped; the others are sent, and the command then
exits with status 1 saying how many failed (the next run retries them).
"""

from django.core.management.base import BaseCommand, CommandError

from providers.services.attestation import attestation_reminders_send


class Command(BaseCommand):
    help = "E-mail members of listings whose confirmation or latest impact report is getting old."

    def handle(self, *args, **options):
        run = attestation_reminders_send()
        self.stdout.write(f"{run.sent} reminder e-mail(s) sent.")
        if run.failed:
            ids = ", ".join(str(pk) for pk in run.failed)
            raise CommandError(
                f"{len(run.failed)} listing(s) failed and got no reminder (ids: {ids}); "
                "see the log. The next run tries them again."
            )
