"""`manage.py backup DESTINATION`: the database and every uploaded file, in one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from impactdir.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write one archive holding the database (pg_dump custom format, or a SQLite copy), "
        "MEDIA_ROOT and PRIVATE_MEDIA_ROOT, with a manifest of checksums. DESTINATION is a "
        "new file or a folder to write impactdir-backup-<UTC time>.tar into."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination, **options):
        try:
            summary = backup_write(destination=destination)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Wrote {summary.path} ({summary.bytes / 1024 / 1024:.1f} MB): the "
                f"{summary.vendor} database, {summary.files['media']} public and "
                f"{summary.files['private-media']} private files."
            )
