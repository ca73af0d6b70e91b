"""Build the open data snapshot that /data/ serves (run nightly from cron)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from providers.opendata.build import BuildInProgress, InvalidOrganization, build_open_data


class Command(BaseCommand):
    help = (
        "Write every published listing as HSDS 3.0 JSON and a Frictionless CSV package into "
        "OPEN_DATA_ROOT, then make it the current snapshot."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--root",
            type=Path,
            default=None,
            help="Where to write the snapshots (default: the OPEN_DATA_ROOT setting).",
        )
        parser.add_argument(
            "--no-validate",
            action="store_true",
            help=(
                "Do not check each organization against the HSDS schema (by default a "
                "failure stops the build and the current snapshot stays)."
            ),
        )

    def handle(self, *args, root=None, no_validate=False, **options):
        root = root or settings.OPEN_DATA_ROOT
        try:
            result = build_open_data(root=root, validate=not no_validate)
        except (BuildInProgress, InvalidOrganization) as error:
            raise CommandError(str(error)) from error
        mb = 1024 * 1024
        self.stdout.write(
            f"Open data snapshot {result.path.name}: {result.providers:,} providers, "
            f"{len(result.files)} files, {result.total_bytes / mb:.1f} MB "
            f"({result.total_gzip_bytes / mb:.1f} MB gzipped), {result.seconds:.1f} s, "
            f"peak RSS {result.peak_rss_mb:.0f} MB"
            + (", every organization validated" if result.validated else "")
        )
        if options["verbosity"] > 1:
            for info in result.files:
                self.stdout.write(f"  {info.name}: {info.bytes:,} bytes ({info.gzip_bytes:,} gz)")
