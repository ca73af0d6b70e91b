"""Log which providers a write changed, so each worker updates its search index in place.

Until now every write that could change what search shows replaced the search
data token, and every worker rebuilt its whole index (5–12 s at 100,000
providers). The triggers on the provider table and on the tables linking a
provider to its services, centres, certifications, languages, impact reports,
pricing models and delivery modes now append the changed providers' ids to
`providers_search_change` instead (with the same rules as 0005 and 0007: only rows
that are or were published, and on the provider table not a change of the
version or the confirmation date alone). A worker reads the ids logged since its index was built and re-reads
only those providers (buyers/search/changes.py). Taxonomy tables keep touching
the token: a renamed service or a region's countries change every listing.

On PostgreSQL each row also records its transaction id: a transaction that took
its sequence number first may commit last, and the worker finds such rows by
transaction id (every row that became visible since the previous look has an id
at or above that look's snapshot xmin). On SQLite writers take turns, so the
sequence is enough.
"""

from django.db import migrations

CHANGE_TABLE = "providers_search_change"
TOKEN_TABLE = "providers_search_data_token"
TOUCH = f"UPDATE {TOKEN_TABLE} SET token = md5(random()::text || clock_timestamp()::text);"

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

#: Columns whose change alone search does not see (0005, 0007: a confirmation's date).
_IGNORED = "- 'version' - 'search_vector' - 'assured_date'"

_LOG = f"INSERT INTO {CHANGE_TABLE} (provider_id)"
_PUBLISHED = "WHERE p.status = 'published'"


def _pg_functions(log: bool) -> list:
    """The trigger functions of 0005, logging provider ids (log) or touching the token."""

    def act(select: str) -> str:
        return f"{_LOG} SELECT DISTINCT id FROM ({select}) changed;" if log else TOUCH

    provider_rows = f"""
    CREATE OR REPLACE FUNCTION providers_search_provider_rows_touch() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        IF EXISTS (SELECT 1 FROM changed_rows WHERE status = 'published') THEN
            {act("SELECT id FROM changed_rows WHERE status = 'published'")}
        END IF;
        RETURN NULL;
    END $$
    """
    changed = (
        "SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "WHERE (o.status = 'published' OR n.status = 'published') "
        f"AND (to_jsonb(o) {_IGNORED}) IS DISTINCT FROM (to_jsonb(n) {_IGNORED}) "
        "UNION ALL SELECT n.id FROM new_rows n WHERE n.status = 'published' "
        "AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id)"
    )
    provider_update = f"""
    CREATE OR REPLACE FUNCTION providers_search_provider_update_touch() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        IF EXISTS ({changed}) THEN {act(changed)} END IF;
        RETURN NULL;
    END $$
    """
    statements = [provider_rows, provider_update]
    for table, join in LINKS.items():
        new = f"SELECT p.id FROM new_rows c {join} {_PUBLISHED}"
        old = f"SELECT p.id FROM old_rows c {join} {_PUBLISHED}"
        # Nested IFs as in 0005: a DELETE trigger never plans the query on new_rows.
        statements.append(
            f"""
            CREATE OR REPLACE FUNCTION {table}_search_rows_touch() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN
                IF TG_OP <> 'DELETE' THEN
                    IF EXISTS ({new}) THEN {act(new)} {"" if log else "RETURN NULL;"} END IF;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    IF EXISTS ({old}) THEN {act(old)} END IF;
                END IF;
                RETURN NULL;
            END $$
            """
        )
    return statements


#: SQLite (development and the zero-setup default): row triggers, as 0003 installed.
SQLITE_WATCHED = ["providers_provider", *LINKS]


def _sqlite_provider_of(table: str, row: str) -> str:
    """SQL selecting the published provider id of `row` (NEW or OLD) of `table`."""
    if table == "providers_impactreportgroup":
        return (
            f"SELECT r.provider_id FROM providers_impactreport r JOIN providers_provider p "
            f"ON p.id = r.provider_id WHERE r.id = {row}.report_id AND p.status = 'published'"
        )
    return (
        f"SELECT p.id FROM providers_provider p "
        f"WHERE p.id = {row}.provider_id AND p.status = 'published'"
    )


def _sqlite_forwards(execute) -> None:
    for table in SQLITE_WATCHED:
        for event in ("insert", "update", "delete"):
            execute(f"DROP TRIGGER IF EXISTS {table}_search_touch_{event}")
    execute(
        "CREATE TRIGGER providers_provider_search_log_insert AFTER INSERT ON providers_provider "
        f"WHEN NEW.status = 'published' BEGIN {_LOG} VALUES (NEW.id); END"
    )
    execute(
        "CREATE TRIGGER providers_provider_search_log_update AFTER UPDATE ON providers_provider "
        "WHEN NEW.status = 'published' OR OLD.status = 'published' "
        f"BEGIN {_LOG} VALUES (NEW.id); END"
    )
    execute(
        "CREATE TRIGGER providers_provider_search_log_delete AFTER DELETE ON providers_provider "
        f"WHEN OLD.status = 'published' BEGIN {_LOG} VALUES (OLD.id); END"
    )
    for table in LINKS:
        rows = {"insert": ["NEW"], "update": ["OLD", "NEW"], "delete": ["OLD"]}
        for event, names in rows.items():
            body = " ".join(f"{_LOG} {_sqlite_provider_of(table, row)};" for row in names)
            execute(
                f"CREATE TRIGGER {table}_search_log_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {body} END"
            )


def _sqlite_backwards(execute) -> None:
    for table in SQLITE_WATCHED:
        for event in ("insert", "update", "delete"):
            execute(f"DROP TRIGGER IF EXISTS {table}_search_log_{event}")
            execute(
                f"CREATE TRIGGER {table}_search_touch_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN UPDATE {TOKEN_TABLE} "
                "SET token = lower(hex(randomblob(16))); END"
            )


def forwards(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(
            f"CREATE TABLE {CHANGE_TABLE} (seq bigserial PRIMARY KEY, provider_id bigint NOT NULL, "
            "xid xid8 NOT NULL DEFAULT pg_current_xact_id(), "
            "at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
        execute(f"CREATE INDEX {CHANGE_TABLE}_xid ON {CHANGE_TABLE} (xid)")
        execute(f"CREATE INDEX {CHANGE_TABLE}_at ON {CHANGE_TABLE} (at)")
        for statement in _pg_functions(log=True):
            execute(statement)
    else:
        execute(
            f"CREATE TABLE {CHANGE_TABLE} (seq integer PRIMARY KEY AUTOINCREMENT, "
            "provider_id bigint NOT NULL, at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        execute(f"CREATE INDEX {CHANGE_TABLE}_at ON {CHANGE_TABLE} (at)")
        _sqlite_forwards(execute)
    # Every index built before this migration is rebuilt (the token changes).
    if schema_editor.connection.vendor == "postgresql":
        execute(TOUCH)
    else:
        execute(f"UPDATE {TOKEN_TABLE} SET token = lower(hex(randomblob(16)))")


def backwards(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for statement in _pg_functions(log=False):
            execute(statement)
    else:
        _sqlite_backwards(execute)
    execute(f"DROP TABLE IF EXISTS {CHANGE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("providers", "0010_report_directory_verification")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
