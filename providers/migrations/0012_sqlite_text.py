"""Full-text search for the SQLite default (FTS5); nothing on PostgreSQL.

PostgreSQL searches its stored weighted search vector (0003_search). On SQLite,
search used to be a plain contains-search; this adds two FTS5 tables over the
published providers' search text, kept current by triggers on providers_provider
and filled here from the rows already there:

- `providers_provider_fts`: one column per field (name; tagline and services;
  description and case studies), with the Porter stemmer, so a word matches its
  other forms ("disability" finds "disabilities") and each field can be asked
  for on its own (relevance points, buyers/search/sqlite_text.py).
- `providers_provider_words`: the same text without stemming, read only through
  its vocabulary (`providers_provider_words_vocab`): the words listings really
  use, from which a word that matches nothing is corrected (typo tolerance).

Django rebuilds a SQLite table to alter it (`_remake_table`), which drops its
triggers: a later migration that alters providers_provider on SQLite must
create these triggers again (tests/buyers/test_search_sqlite.py checks they exist).
"""

from django.db import migrations

FTS = "providers_provider_fts"
WORDS = "providers_provider_words"
VOCAB = "providers_provider_words_vocab"
FIELDS = ("name", "tagline", "service_text", "description", "case_study_text")
TOKENIZE = "porter unicode61 remove_diacritics 2"


def _values(row: str) -> str:
    return ", ".join(f"coalesce({row}.{field}, '')" for field in FIELDS)


def _words(row: str) -> str:
    return " || ' ' || ".join(f"coalesce({row}.{field}, '')" for field in FIELDS)


def _insert(row: str) -> list:
    columns = ", ".join(FIELDS)
    return [
        f"INSERT INTO {FTS} (rowid, {columns}) SELECT {row}.id, {_values(row)}",
        f"INSERT INTO {WORDS} (rowid, words) SELECT {row}.id, {_words(row)}",
    ]


def _delete(row: str) -> list:
    return [
        f"DELETE FROM {FTS} WHERE rowid = {row}.id",
        f"DELETE FROM {WORDS} WHERE rowid = {row}.id",
    ]


def _changed() -> str:
    return " OR ".join(f"OLD.{field} IS NOT NEW.{field}" for field in ("id", "status", *FIELDS))


def trigger_statements() -> list:
    published = "NEW.status = 'published'"
    insert = "; ".join(f"{sql} WHERE {published}" for sql in _insert("NEW"))
    return [
        f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON providers_provider "
        f"WHEN {published} BEGIN {insert}; END",
        f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON providers_provider "
        f"WHEN OLD.status = 'published' BEGIN {'; '.join(_delete('OLD'))}; END",
        f"CREATE TRIGGER {FTS}_update AFTER UPDATE ON providers_provider "
        f"WHEN {_changed()} BEGIN {'; '.join(_delete('OLD'))}; {insert}; END",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    execute = schema_editor.execute
    execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({', '.join(FIELDS)}, tokenize='{TOKENIZE}')"
    )
    execute(
        f"CREATE VIRTUAL TABLE {WORDS} USING fts5(words, detail=none, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    execute(f"CREATE VIRTUAL TABLE {VOCAB} USING fts5vocab({WORDS}, row)")
    for statement in trigger_statements():
        execute(statement)
    for sql in _insert("p"):
        execute(f"{sql} FROM providers_provider p WHERE p.status = 'published'")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    execute = schema_editor.execute
    for event in ("insert", "delete", "update"):
        execute(f"DROP TRIGGER IF EXISTS {FTS}_{event}")
    for table in (VOCAB, WORDS, FTS):
        execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0011_search_changes"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
