"""Build the search index and write it to a file, for workers to load
(buyers/search/handover.py runs this; settings.SEARCH_INDEX_BUILDS = "process").

    manage.py build_search_index --output /path/to/index.pickle
"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from buyers.search.build import build_index
from buyers.search.handover import write_index


class Command(BaseCommand):
    help = "Build the in-memory search index from the database and write it to a file."
    # Run by a worker that needs the index now: no system checks first.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="The file to write.")
        parser.add_argument(
            "--database-name",
            help="Build from this database on the configured server (the test database).",
        )

    def handle(self, *args, output, database_name=None, **options):
        if database_name:
            connection.settings_dict["NAME"] = database_name
        index = build_index(timezone.localdate())
        write_index(index, output)
        self.stdout.write(f"Search index of {index.size:,} providers written to {output}.")
