"""Evidence moves to private storage: the files move with it, under the same names.

Until now evidence sat in MEDIA_ROOT/evidence/, which the web server serves to anyone
with the URL. The rows keep their names (`evidence/certifications/<uuid>.pdf`); only the
root changes, so moving each file from MEDIA_ROOT to PRIVATE_MEDIA_ROOT keeps every
live row, open proposal and history row pointing at its file. Moving is idempotent: a
file already in place is skipped, so the migration can be re-run after a partial copy.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import providers.storage

FOLDER = "evidence"


def _move_tree(source_root: Path, target_root: Path) -> None:
    source = source_root / FOLDER
    if not source.is_dir():
        return
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        target = target_root / path.relative_to(source_root)
        if target.exists():
            if target.read_bytes() == path.read_bytes():
                path.unlink()
            continue  # a different file under the same generated name: leave both for a human
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    for folder in sorted((p for p in source.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(source.iterdir()):
        source.rmdir()


def move_to_private(apps, schema_editor):
    _move_tree(Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT))


def move_back_to_media(apps, schema_editor):
    _move_tree(Path(settings.PRIVATE_MEDIA_ROOT), Path(settings.MEDIA_ROOT))


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0005_search_touch_only_published"),
    ]

    operations = [
        migrations.AlterField(
            model_name="certificationholding",
            name="evidence",
            field=models.FileField(
                blank=True,
                storage=providers.storage.evidence_storage,
                upload_to="evidence/certifications/",
                verbose_name="evidence",
            ),
        ),
        migrations.AlterField(
            model_name="impactreport",
            name="evidence",
            field=models.FileField(
                blank=True,
                storage=providers.storage.evidence_storage,
                upload_to="evidence/reports/",
                verbose_name="evidence",
            ),
        ),
        migrations.RunPython(move_to_private, move_back_to_media, elidable=False),
    ]
