"""Provider types and partnerships between providers, both search facets.

A listing says who provides impact sourcing (`provider_type`: a dedicated impact
sourcing provider, or the impact sourcing programme of a traditional outsourcing
company, with its `parent_company`), and which partnerships it offers and seeks
(two many-to-many links to the seeded `PartnershipKind` taxonomy).

Search (buyers/search/facets.py) filters by all three, so:

- the two link tables get the triggers of 0005 and 0011 (a published provider's
  rows log its id in the change log; truncation touches the token), and the
  taxonomy table 0003's token triggers;
- on SQLite, adding columns and a constraint to providers_provider rebuilds the
  table (`_remake_table`), which drops its triggers: 0011's change-log triggers
  and 0012's full-text triggers are created again here. The rebuild renames a
  new table to providers_provider, and SQLite then refuses any trigger of another
  table that names providers_provider while it is gone (0011's link-table
  triggers): those are dropped before the rebuild and created again after it;
- the token changes, so every worker builds its index afresh with the new facets.
"""

import importlib

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from providers import taxonomy_data as data

CHANGE_TABLE = "providers_search_change"
TOKEN_TABLE = "providers_search_data_token"
PG_TOUCH = f"UPDATE {TOKEN_TABLE} SET token = md5(random()::text || clock_timestamp()::text);"
SQLITE_TOUCH = f"UPDATE {TOKEN_TABLE} SET token = lower(hex(randomblob(16)));"
LOG = f"INSERT INTO {CHANGE_TABLE} (provider_id)"

#: The new tables holding a provider's own rows (their `provider_id` is the provider).
LINKS = ("providers_provider_partnerships_offered", "providers_provider_partnerships_sought")
#: The new taxonomy table (its names are the options' labels).
TAXONOMY = "providers_partnershipkind"


def seed_kinds(apps, schema_editor):
    PartnershipKind = apps.get_model("providers", "PartnershipKind")
    for position, (slug, name, description) in enumerate(data.PARTNERSHIP_KINDS):
        PartnershipKind.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


def _pg_link(table: str) -> list:
    published = "WHERE p.status = 'published'"
    join = "JOIN providers_provider p ON p.id = c.provider_id"
    new = f"SELECT p.id FROM new_rows c {join} {published}"
    old = f"SELECT p.id FROM old_rows c {join} {published}"

    def log(select):
        return f"{LOG} SELECT DISTINCT id FROM ({select}) changed;"

    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_search_rows_touch() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP <> 'DELETE' THEN
                IF EXISTS ({new}) THEN {log(new)} END IF;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                IF EXISTS ({old}) THEN {log(old)} END IF;
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


def _sqlite_provider_triggers() -> list:
    """0011's change-log triggers and 0012's full-text triggers on providers_provider."""
    text = importlib.import_module("providers.migrations.0012_sqlite_text")
    return [
        "CREATE TRIGGER providers_provider_search_log_insert AFTER INSERT ON providers_provider "
        f"WHEN NEW.status = 'published' BEGIN {LOG} VALUES (NEW.id); END",
        "CREATE TRIGGER providers_provider_search_log_update AFTER UPDATE ON providers_provider "
        "WHEN NEW.status = 'published' OR OLD.status = 'published' "
        f"BEGIN {LOG} VALUES (NEW.id); END",
        "CREATE TRIGGER providers_provider_search_log_delete AFTER DELETE ON providers_provider "
        f"WHEN OLD.status = 'published' BEGIN {LOG} VALUES (OLD.id); END",
        *text.trigger_statements(),
    ]


def _sqlite_link_triggers() -> list:
    """0011's change-log triggers on the tables linking a provider to its rows."""
    log = importlib.import_module("providers.migrations.0011_search_changes")
    statements = []
    for table in log.LINKS:
        rows = {"insert": ["NEW"], "update": ["OLD", "NEW"], "delete": ["OLD"]}
        for event, names in rows.items():
            body = " ".join(f"{LOG} {log._sqlite_provider_of(table, row)};" for row in names)
            statements.append(
                f"CREATE TRIGGER {table}_search_log_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {body} END"
            )
    return statements


def _drop_triggers_naming_the_provider_table(schema_editor) -> None:
    """Drop the triggers of other tables whose bodies name providers_provider (SQLite)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name <> 'providers_provider' AND sql LIKE '%providers_provider %'"
        )
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def before_rebuild(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _drop_triggers_naming_the_provider_table(schema_editor)


def _sqlite_trigger_names() -> list:
    names = [f"providers_provider_search_log_{e}" for e in ("insert", "update", "delete")]
    names += [f"providers_provider_fts_{e}" for e in ("insert", "delete", "update")]
    return names


def forwards(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in LINKS:
            for statement in _pg_link(table):
                execute(statement)
        execute(
            f"CREATE TRIGGER {TAXONOMY}_search_touch AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON {TAXONOMY} FOR EACH STATEMENT "
            "EXECUTE FUNCTION providers_search_data_touch()"
        )
        execute(PG_TOUCH)
        return
    for name in _sqlite_trigger_names():
        execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in [*_sqlite_provider_triggers(), *_sqlite_link_triggers()]:
        execute(statement)
    for table in LINKS:
        rows = {"insert": ["NEW"], "update": ["OLD", "NEW"], "delete": ["OLD"]}
        for event, names in rows.items():
            body = " ".join(
                f"{LOG} SELECT p.id FROM providers_provider p "
                f"WHERE p.id = {row}.provider_id AND p.status = 'published';"
                for row in names
            )
            execute(
                f"CREATE TRIGGER {table}_search_log_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {body} END"
            )
    for event in ("insert", "update", "delete"):
        execute(
            f"CREATE TRIGGER {TAXONOMY}_search_touch_{event} AFTER {event.upper()} "
            f"ON {TAXONOMY} BEGIN {SQLITE_TOUCH} END"
        )
    execute(SQLITE_TOUCH)


def backwards(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in LINKS:
            for event in ("insert", "delete", "update", "truncate"):
                execute(f"DROP TRIGGER IF EXISTS {table}_search_{event} ON {table}")
            execute(f"DROP FUNCTION IF EXISTS {table}_search_rows_touch()")
        execute(f"DROP TRIGGER IF EXISTS {TAXONOMY}_search_touch ON {TAXONOMY}")
        return
    for event in ("insert", "update", "delete"):
        execute(f"DROP TRIGGER IF EXISTS {TAXONOMY}_search_touch_{event}")
    # Going back rebuilds the provider table again: no other table's trigger may name it.
    _drop_triggers_naming_the_provider_table(schema_editor)


def after_rebuild_back(apps, schema_editor):
    """On SQLite, after the table is rebuilt going back: 0011's and 0012's triggers again."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in _sqlite_trigger_names():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in [*_sqlite_provider_triggers(), *_sqlite_link_triggers()]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0012_sqlite_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Going back, this runs last, after the provider table was rebuilt without the columns.
        migrations.RunPython(before_rebuild, after_rebuild_back, elidable=False),
        migrations.CreateModel(
            name="PartnershipKind",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("slug", models.SlugField(max_length=80, unique=True, verbose_name="slug")),
                (
                    "description",
                    models.CharField(blank=True, max_length=200, verbose_name="description"),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
            ],
            options={
                "verbose_name": "partnership kind",
                "verbose_name_plural": "partnership kinds",
                "ordering": ["position", "name"],
            },
        ),
        migrations.AddField(
            model_name="historicalprovider",
            name="parent_company",
            field=models.CharField(
                blank=True,
                help_text="For a programme: the outsourcing company that runs it.",
                max_length=200,
                verbose_name="parent company",
            ),
        ),
        migrations.AddField(
            model_name="historicalprovider",
            name="provider_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("dedicated", "Dedicated impact sourcing provider"),
                    ("programme", "Impact sourcing programme of an outsourcing company"),
                ],
                help_text="A company whose business is impact sourcing, or the impact sourcing programme of a traditional outsourcing company (this listing's centres and impact figures are the programme's own).",
                max_length=20,
                verbose_name="type of provider",
            ),
        ),
        migrations.AddField(
            model_name="provider",
            name="parent_company",
            field=models.CharField(
                blank=True,
                help_text="For a programme: the outsourcing company that runs it.",
                max_length=200,
                verbose_name="parent company",
            ),
        ),
        migrations.AddField(
            model_name="provider",
            name="provider_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("dedicated", "Dedicated impact sourcing provider"),
                    ("programme", "Impact sourcing programme of an outsourcing company"),
                ],
                help_text="A company whose business is impact sourcing, or the impact sourcing programme of a traditional outsourcing company (this listing's centres and impact figures are the programme's own).",
                max_length=20,
                verbose_name="type of provider",
            ),
        ),
        migrations.AlterField(
            model_name="historicalpendingchange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("profile", "Name, organisation identifier or type of provider"),
                    ("certification", "Certification"),
                    ("report", "Impact report"),
                ],
                max_length=20,
                verbose_name="what",
            ),
        ),
        migrations.AlterField(
            model_name="pendingchange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("profile", "Name, organisation identifier or type of provider"),
                    ("certification", "Certification"),
                    ("report", "Impact report"),
                ],
                max_length=20,
                verbose_name="what",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalProvider_partnerships_sought",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="providers.historicalprovider",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="providers.provider",
                    ),
                ),
                (
                    "partnershipkind",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="providers.partnershipkind",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalProvider_partnerships_sought",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProvider_partnerships_offered",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="providers.historicalprovider",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="providers.provider",
                    ),
                ),
                (
                    "partnershipkind",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="providers.partnershipkind",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalProvider_partnerships_offered",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="provider",
            name="partnerships_offered",
            field=models.ManyToManyField(
                blank=True,
                help_text="What this provider offers other providers.",
                related_name="offering_providers",
                to="providers.partnershipkind",
                verbose_name="partnerships offered",
            ),
        ),
        migrations.AddField(
            model_name="provider",
            name="partnerships_sought",
            field=models.ManyToManyField(
                blank=True,
                help_text="What this provider looks for in other providers.",
                related_name="seeking_providers",
                to="providers.partnershipkind",
                verbose_name="partnerships sought",
            ),
        ),
        migrations.AddConstraint(
            model_name="provider",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("parent_company__gt", ""), ("provider_type", "programme")),
                    models.Q(
                        models.Q(("provider_type", "programme"), _negated=True),
                        ("parent_company", ""),
                    ),
                    _connector="OR",
                ),
                name="provider_parent_company_of_programme",
            ),
        ),
        migrations.RunPython(seed_kinds, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
