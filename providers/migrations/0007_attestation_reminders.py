"""Attestation reminders, and confirmations that do not rebuild search indexes.

`AttestationReminder` records each reminder sent (providers/services/attestation.py).

On PostgreSQL, 0005's update trigger on providers_provider touched the search
data token for any change to a published row but its version. Confirming a
listing changes only `assured_date`, which no search index holds: the in-memory
index and the statistics never read it, and result cards show only whether a
listing is marked as unconfirmed. The trigger now ignores `assured_date` too;
the confirm service touches the token itself when a confirmation removes the
mark (providers.services.attestation.provider_confirm). SQLite keeps touching
the token on every write.
"""

import django.db.models.deletion
from django.db import migrations, models

TOUCH = (
    "UPDATE providers_search_data_token SET token = md5(random()::text || clock_timestamp()::text);"
)


def _update_touch(ignored: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION providers_search_provider_update_touch() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        IF EXISTS (
            SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status = 'published' OR n.status = 'published')
            AND (to_jsonb(o) {ignored}) IS DISTINCT FROM (to_jsonb(n) {ignored})
        ) OR EXISTS (
            SELECT 1 FROM new_rows n WHERE n.status = 'published'
            AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id)
        ) THEN {TOUCH} END IF;
        RETURN NULL;
    END $$
    """


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_update_touch("- 'version' - 'search_vector' - 'assured_date'"))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_update_touch("- 'version' - 'search_vector'"))


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0006_private_evidence_storage"),
    ]

    operations = [
        migrations.CreateModel(
            name="AttestationReminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("confirmation", "Listing confirmation"),
                            ("report", "Latest impact report"),
                        ],
                        max_length=20,
                        verbose_name="what has aged",
                    ),
                ),
                ("threshold_months", models.PositiveSmallIntegerField(verbose_name="months")),
                ("counted_from", models.DateField(verbose_name="counted from")),
                ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="sent at")),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attestation_reminders",
                        to="providers.provider",
                    ),
                ),
            ],
            options={
                "verbose_name": "attestation reminder",
                "verbose_name_plural": "attestation reminders",
                "ordering": ["-sent_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("provider", "kind", "threshold_months", "counted_from"),
                        name="attestation_reminder_once",
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
