"""E-mail buyers the providers new to their saved searches (run from cron).

    manage.py send_search_alerts --frequency daily    # e.g. every day at 06:00
    manage.py send_search_alerts --frequency weekly   # e.g. every Monday at 06:00

Safe to run again at any time: a provider is e-mailed for a search at most
once, and a buyer with nothing new gets no e-mail. A saved search that fails, or
an e-mail the mail server refuses, is logged with its ids and skipped; the others
are sent, and the command then exits with status 1 and says how many failed (the
next run retries them).
"""

from django.core.management.base import BaseCommand, CommandError

from buyers.models import AlertFrequency
from buyers.services import saved_search_send_alerts


class Command(BaseCommand):
    help = "E-mail each buyer the providers newly published or newly matching their saved searches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            required=True,
            choices=[AlertFrequency.DAILY.value, AlertFrequency.WEEKLY.value],
            help="Which saved searches to process: those with daily or with weekly alerts.",
        )

    def handle(self, *args, frequency, **options):
        run = saved_search_send_alerts(frequency=frequency)
        self.stdout.write(f"{run.sent} alert e-mail(s) sent for {frequency} searches.")
        if run.failed:
            ids = ", ".join(str(pk) for pk in run.failed)
            raise CommandError(
                f"{len(run.failed)} saved search(es) failed and got no alert (ids: {ids}); "
                "see the log. The next run tries them again."
            )
