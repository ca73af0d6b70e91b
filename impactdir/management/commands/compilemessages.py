"""`compilemessages` that leaves the virtualenv alone: only the project's catalogues are compiled."""

from django.core.management.commands import compilemessages

from .makemessages import IGNORED


class Command(compilemessages.Command):
    def handle(self, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED[:-1]]
        super().handle(**options)
