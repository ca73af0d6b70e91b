"""Search support that lives in the database, not in the model state.

On PostgreSQL: pg_trgm, a stored generated weighted search vector on
providers_provider with a GIN index, a trigram index on the name, and a partial
index for published listings. On every database: a one-row table holding a
random "search data token" that triggers change whenever a table the search
facets are computed from changes (insert, update, delete, truncate), so each
worker's in-memory facet index (providers/services/search_data.py) knows
exactly when it is stale, whatever path wrote the data.

None of this is in Django's model state, so `makemigrations --check` stays clean
on both databases; code only refers to `search_vector` on PostgreSQL.
"""

from django.db import migrations

#: Tables whose rows decide facet membership, options or labels.
WATCHED_TABLES = [
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

TOKEN_TABLE = "providers_search_data_token"

PG_VECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(tagline, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(service_text, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
    || setweight(to_tsvector('english'::regconfig, coalesce(case_study_text, '')), 'C')
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    if vendor == "postgresql":
        execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        execute(
            "ALTER TABLE providers_provider ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        execute(
            "CREATE INDEX provider_search_vector ON providers_provider USING gin (search_vector)"
        )
        execute(
            "CREATE INDEX provider_name_trgm ON providers_provider USING gin (name gin_trgm_ops)"
        )
        execute(f"CREATE TABLE {TOKEN_TABLE} (id integer PRIMARY KEY, token varchar(40) NOT NULL)")
        execute(f"INSERT INTO {TOKEN_TABLE} VALUES (1, md5(random()::text))")
        execute(
            "CREATE FUNCTION providers_search_data_touch() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE {TOKEN_TABLE} SET token = md5(random()::text || clock_timestamp()::text); "
            "RETURN NULL; END $$"
        )
        for table in WATCHED_TABLES:
            execute(
                f"CREATE TRIGGER {table}_search_touch AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION providers_search_data_touch()"
            )
    else:
        execute(f"CREATE TABLE {TOKEN_TABLE} (id integer PRIMARY KEY, token varchar(40) NOT NULL)")
        execute(f"INSERT INTO {TOKEN_TABLE} VALUES (1, lower(hex(randomblob(16))))")
        for table in WATCHED_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(
                    f"CREATE TRIGGER {table}_search_touch_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN UPDATE {TOKEN_TABLE} "
                    "SET token = lower(hex(randomblob(16))); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    if vendor == "postgresql":
        for table in WATCHED_TABLES:
            execute(f"DROP TRIGGER IF EXISTS {table}_search_touch ON {table}")
        execute("DROP FUNCTION IF EXISTS providers_search_data_touch()")
        execute("DROP INDEX IF EXISTS provider_name_trgm")
        execute("DROP INDEX IF EXISTS provider_search_vector")
        execute("ALTER TABLE providers_provider DROP COLUMN IF EXISTS search_vector")
    else:
        for table in WATCHED_TABLES:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {table}_search_touch_{event}")
    execute(f"DROP TABLE IF EXISTS {TOKEN_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0002_seed_taxonomies"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
