"""The case-study library (/case-studies/): read newest first, and searched by words.

- An index on (year DESC, id DESC): the library's build and the home page's newest
  case studies read the case studies in this order.
- PostgreSQL only: a trigram index on the text the library's words are looked for
  in (buyers/case_studies/filters.py STUDY_TEXT, the same expression), so that
  `ILIKE '%word%'` reads the index instead of every case study. SQLite (the small
  zero-setup default) scans.
"""

from django.db import migrations, models

# The very expression of buyers.case_studies.filters.STUDY_TEXT (without its alias): PostgreSQL uses an expression index only for that expression
# (tests/buyers/test_case_study_library.py holds them together).
STUDY_TEXT = "(title || ' ' || challenge || ' ' || approach || ' ' || results)"
TEXT_INDEX = "casestudy_text_trgm"


def create_text_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TEXT_INDEX} ON providers_casestudy "
        f"USING gin ({STUDY_TEXT} gin_trgm_ops)"
    )


def drop_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("providers", "0013_provider_type_partnerships")]

    operations = [
        migrations.AddIndex(
            model_name="casestudy",
            index=models.Index(
                models.F("year").desc(), models.F("id").desc(), name="casestudy_newest"
            ),
        ),
        migrations.RunPython(create_text_index, drop_text_index, elidable=False),
    ]
