"""Put back the SQLite search triggers that table rebuilds dropped.

On SQLite, Django alters a field by building a new table and copying the rows
over, and the old table's triggers go with it: 0006 (evidence storage) rebuilt
providers_certificationholding and providers_impactreport, so writes to them no
longer touched the search data token and a development server's search index
kept showing certifications and target groups as they were. The triggers are
0003's; `IF NOT EXISTS` leaves the tables that kept theirs alone.
tests/buyers/test_search_declarations.py checks every table the facet
declarations name, so a later rebuild that drops them again fails there.
PostgreSQL keeps triggers through ALTER TABLE; nothing changes there.
"""

from django.db import migrations

TOKEN_TABLE = "providers_search_data_token"  # noqa: S105 (a table name)

#: 0003's watched tables (the facet declarations' tables, buyers/search/facets.py).
TABLES = [
    "providers_provider",
    "providers_providerservice",
    "providers_service",
    "providers_deliverycentre",
    "providers_region",
    "providers_regioncountry",
    "providers_certification",
    "providers_certificationholding",
    "providers_language",
    "providers_provider_languages",
    "providers_targetgroup",
    "providers_impactreport",
    "providers_impactreportgroup",
    "providers_pricingmodel",
    "providers_provider_pricing_models",
    "providers_deliverymode",
    "providers_provider_delivery_modes",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_search_touch_{event.lower()} "  # noqa: S608
                f"AFTER {event} ON {table} BEGIN UPDATE {TOKEN_TABLE} "
                "SET token = lower(hex(randomblob(16))); END"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0010_report_directory_verification"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
