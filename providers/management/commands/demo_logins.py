from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from providers import demo

SITE_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Print the demo logins created by `seed_demo`, with their passwords and the site URL."

    def handle(self, *args, **options):
        existing = set(
            get_user_model()
            .objects.filter(email__in=[u.email for u in demo.DEMO_USERS])
            .values_list("email", flat=True)
        )
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("ImpactDir demo (all data is fictional)"))
        self.stdout.write(f"  Site:  {SITE_URL}")
        self.stdout.write(f"  Admin: {SITE_URL}admin/")
        self.stdout.write("")
        for user in demo.DEMO_USERS:
            self.stdout.write(f"  {user.label}")
            self.stdout.write(f"    e-mail:   {user.email}")
            self.stdout.write(f"    password: {user.password}")
            if user.email not in existing:
                self.stdout.write(
                    self.style.WARNING("    (not created yet: run `manage.py seed_demo`)")
                )
        self.stdout.write("")
