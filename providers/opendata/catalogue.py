"""What a snapshot holds: its files, their formats, and the licence they are under."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .hsds import SCHEMA_FILE_NAME
from .tables import TABLES

#: The licence of the data, stated on /data/, in datapackage.json and in the JSON.
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
TITLE = "ImpactDir open data: impact sourcing service providers"
PACKAGE_NAME = "impactdir-providers"
HSDS_FILE_NAME = "hsds-organizations.json"
DATAPACKAGE_FILE_NAME = "datapackage.json"
MANIFEST_FILE_NAME = "manifest.json"


@dataclass(frozen=True)
class PublishedFile:
    name: str
    content_type: str
    title: Promise | str
    description: Promise | str


def published_files() -> list[PublishedFile]:
    """Every file of a snapshot that /data/ serves, in the order the page lists them."""
    files = [
        PublishedFile(
            HSDS_FILE_NAME,
            "application/json",
            _("Open Referral HSDS 3.0 JSON"),
            _(
                "Every published provider as an HSDS organization with its services, delivery "
                "centres and ImpactDir's impact data, in one JSON document."
            ),
        ),
        PublishedFile(
            SCHEMA_FILE_NAME,
            "application/schema+json",
            _("JSON Schema of an organization"),
            _(
                "The HSDS 3.0 rules ImpactDir's organizations follow, and its extra properties "
                "(JSON Schema 2020-12)."
            ),
        ),
        PublishedFile(
            DATAPACKAGE_FILE_NAME,
            "application/json",
            _("Frictionless data package"),
            _(
                "The descriptor of the CSV tables: a Table Schema for every field, primary and "
                "foreign keys, the licence and the snapshot date."
            ),
        ),
    ]
    files += [
        PublishedFile(table.path, "text/csv; charset=utf-8", table.title, table.description)
        for table in TABLES
    ]
    return files
