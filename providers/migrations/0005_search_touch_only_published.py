"""Rebuild search indexes only for provider writes that can change what search shows.

0003_search touched the search data token on every write to providers_provider,
so editing a draft, or the optimistic-locking version bump when a change to a
published listing is held for review, made every worker rebuild its search index
(seconds of work each). On PostgreSQL the provider table's triggers now look at
the rows a statement changed (transition tables) and touch the token only when
a published row was inserted or deleted, or a row that is or was published
changed in anything but its version. The tables linking a provider to its
services, countries, certifications, languages, impact reports, pricing and
delivery modes touch it only when a changed row belongs to a published provider
(Django's cascades also run statements that change no rows, and statement
triggers fire for those too). Taxonomy tables keep 0003's triggers. SQLite
(development) keeps touching the token on every write.
"""

from django.db import migrations

TOKEN_TABLE = "providers_search_data_token"
TOUCH = f"UPDATE {TOKEN_TABLE} SET token = md5(random()::text || clock_timestamp()::text);"

FORWARDS = [
    "DROP TRIGGER IF EXISTS providers_provider_search_touch ON providers_provider",
    f"""
    CREATE FUNCTION providers_search_provider_rows_touch() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        IF EXISTS (SELECT 1 FROM changed_rows WHERE status = 'published') THEN {TOUCH} END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION providers_search_provider_update_touch() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        IF EXISTS (
            SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status = 'published' OR n.status = 'published')
            AND (to_jsonb(o) - 'version' - 'search_vector')
                IS DISTINCT FROM (to_jsonb(n) - 'version' - 'search_vector')
        ) OR EXISTS (
            SELECT 1 FROM new_rows n WHERE n.status = 'published'
            AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id)
        ) THEN {TOUCH} END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER providers_provider_search_insert AFTER INSERT ON providers_provider "
    "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION providers_search_provider_rows_touch()",
    "CREATE TRIGGER providers_provider_search_delete AFTER DELETE ON providers_provider "
    "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION providers_search_provider_rows_touch()",
    "CREATE TRIGGER providers_provider_search_update AFTER UPDATE ON providers_provider "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION providers_search_provider_update_touch()",
    "CREATE TRIGGER providers_provider_search_truncate AFTER TRUNCATE ON providers_provider "
    "FOR EACH STATEMENT EXECUTE FUNCTION providers_search_data_touch()",
]

_BY_PROVIDER = "JOIN providers_provider p ON p.id = c.provider_id"

#: Link table -> SQL joining its rows (as `c`) to the provider they belong to (as `p`).
LINKS = {
    "providers_providerservice": _BY_PROVIDER,
    "providers_deliverycentre": _BY_PROVIDER,
    "providers_certificationholding": _BY_PROVIDER,
    "providers_provider_languages": _BY_PROVIDER,
    "providers_impactreport": _BY_PROVIDER,
    "providers_impactreportgroup": (
        "JOIN providers_impactreport r ON r.id = c.report_id "
        "JOIN providers_provider p ON p.id = r.provider_id"
    ),
    "providers_provider_pricing_models": _BY_PROVIDER,
    "providers_provider_delivery_modes": _BY_PROVIDER,
}


def _link_statements(table: str, join: str) -> list:
    # Nested IFs: PL/pgSQL plans a statement when it first runs it, so a DELETE trigger
    # never plans the query on new_rows (which it does not have), and vice versa.
    published = "WHERE p.status = 'published'"
    return [
        f"DROP TRIGGER IF EXISTS {table}_search_touch ON {table}",
        f"""
        CREATE FUNCTION {table}_search_rows_touch() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP <> 'DELETE' THEN
                IF EXISTS (SELECT 1 FROM new_rows c {join} {published}) THEN
                    {TOUCH} RETURN NULL;
                END IF;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                IF EXISTS (SELECT 1 FROM old_rows c {join} {published}) THEN {TOUCH} END IF;
            END IF;
            RETURN NULL;
        END $$
        """,
        f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_search_rows_touch()",
        f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_search_rows_touch()",
        f"CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_search_rows_touch()",
        f"CREATE TRIGGER {table}_search_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION providers_search_data_touch()",
    ]


def _link_backwards(table: str) -> list:
    return [
        *(f"DROP TRIGGER IF EXISTS {table}_search_{event} ON {table}"
          for event in ("insert", "delete", "update", "truncate")),
        f"DROP FUNCTION IF EXISTS {table}_search_rows_touch()",
        f"CREATE TRIGGER {table}_search_touch AFTER INSERT OR UPDATE OR DELETE "
        f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
        "EXECUTE FUNCTION providers_search_data_touch()",
    ]


for _table, _join in LINKS.items():
    FORWARDS.extend(_link_statements(_table, _join))

BACKWARDS = [
    "DROP TRIGGER IF EXISTS providers_provider_search_insert ON providers_provider",
    "DROP TRIGGER IF EXISTS providers_provider_search_delete ON providers_provider",
    "DROP TRIGGER IF EXISTS providers_provider_search_update ON providers_provider",
    "DROP TRIGGER IF EXISTS providers_provider_search_truncate ON providers_provider",
    "DROP FUNCTION IF EXISTS providers_search_provider_rows_touch()",
    "DROP FUNCTION IF EXISTS providers_search_provider_update_touch()",
    "CREATE TRIGGER providers_provider_search_touch AFTER INSERT OR UPDATE OR DELETE "
    "OR TRUNCATE ON providers_provider FOR EACH STATEMENT "
    "EXECUTE FUNCTION providers_search_data_touch()",
]


for _table in LINKS:
    BACKWARDS.extend(_link_backwards(_table))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0004_self_service_pending_changes_invitations"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
