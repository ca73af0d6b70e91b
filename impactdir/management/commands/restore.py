"""`manage.py restore ARCHIVE [--force] [--check]`: the inverse of `manage.py backup`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from impactdir.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT from an archive written by "
        "`manage.py backup`, after checking every checksum. Refuses a database or folder "
        "that is not empty unless --force. Stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the contents of a database and upload folders that are not empty.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the archive (complete, checksums match, restorable here).",
        )

    def handle(self, *args, archive, force, check, **options):
        try:
            summary = backup_restore(archive=archive, force=force, check_only=check)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] < 1:
            return
        what = (
            f"the {summary.vendor} database, {summary.files['media']} public and "
            f"{summary.files['private-media']} private files"
        )
        if check:
            self.stdout.write(f"{archive} is complete and its checksums match: {what}.")
        else:
            self.stdout.write(f"Restored {what} from {archive}.")
        if summary.missing_migrations:
            self.stdout.write(
                "The backup predates migrations of this code: run `manage.py migrate` next."
            )
