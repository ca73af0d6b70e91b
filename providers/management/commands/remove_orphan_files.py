"""Remove stored logos and evidence files that nothing needs any more.

What "needed" means is decided in `providers.services.files` (live rows, open
proposals, and the evidence behind operators' verification decisions). Replacing or
removing a file in the app already deletes it once the change commits; this command
catches the rest: uploads whose request died before the row was saved, files left
from before that rule, and public copies of evidence from before it moved to private
storage.

Safe to run from cron: it refuses to run while migrations are pending (evidence may
not have moved yet), leaves files younger than `--min-age-minutes` alone (an upload
whose transaction has not committed yet), touches only the folders uploads are written
to, and a second run finds nothing more to do. It also removes admin imports' previews
that were never confirmed, a day after the preview. `--dry-run` lists what would go.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from providers.admin.import_previews import PREVIEW_MAX_AGE, stale_previews
from providers.services.files import orphan_files, public_evidence_left


class Command(BaseCommand):
    help = "Remove stored logos and evidence files that no listing needs any more."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the files that would be removed; remove nothing.",
        )
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            help="Leave files modified more recently than this alone (default 60).",
        )

    def handle(self, *, dry_run: bool, min_age_minutes: int, verbosity: int, **options):
        if min_age_minutes < 0:
            raise CommandError("--min-age-minutes cannot be negative.")
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("Migrations are pending: run `manage.py migrate` first.")
        min_age = datetime.timedelta(minutes=min_age_minutes)
        orphans = orphan_files(min_age=min_age)
        verb = "Would remove" if dry_run else "Removed"
        total = 0
        for orphan in orphans:
            if not dry_run:
                orphan.storage.delete(orphan.name)
            total += orphan.size
            if verbosity >= 2 or (dry_run and verbosity >= 1):
                self.stdout.write(f"{verb} {orphan.path} ({orphan.reason}, {orphan.size} bytes)")
        for name in public_evidence_left(min_age=min_age):
            self.stderr.write(
                f"Kept {name}: needed evidence that is only in MEDIA_ROOT, where it is served "
                "publicly. Move it to the same path under PRIVATE_MEDIA_ROOT."
            )
        previews = stale_previews(max(min_age, PREVIEW_MAX_AGE))
        for path in previews:
            if not dry_run:
                path.unlink(missing_ok=True)
            if verbosity >= 2 or (dry_run and verbosity >= 1):
                self.stdout.write(f"{verb} {path} (an import preview never confirmed)")
        if verbosity >= 1:
            self.stdout.write(f"{verb} {len(orphans)} file(s), {total} bytes.")
            if previews:
                self.stdout.write(f"{verb} {len(previews)} unconfirmed import preview(s).")
