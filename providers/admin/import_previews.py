"""Where an import's previewed file waits for the operator's confirmation.

django-import-export keeps the uploaded file between the preview and the confirm
step. Its default storage writes into the system's temporary folder and looks files
up there by the name the confirm form posts back; ours keeps them in a folder of
their own (`IMPORT_PREVIEW_DIR`), so the confirm step can only ever read or remove a
preview, and a preview that was never confirmed is removed by the nightly
`remove_orphan_files` once it is older than `PREVIEW_MAX_AGE`.
"""

import datetime
import os
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from import_export.tmp_storages import TempFolderStorage

#: How long an unconfirmed preview is kept.
PREVIEW_MAX_AGE = datetime.timedelta(days=1)
PREFIX = "import-"


def preview_dir() -> Path:
    return Path(settings.IMPORT_PREVIEW_DIR)


class PreviewStorage(TempFolderStorage):
    def get_full_path(self):
        return str(preview_dir() / os.path.basename(self.name))

    def _open(self, mode="r"):
        if self.name:
            return open(self.get_full_path(), mode, encoding=self.encoding)  # noqa: SIM115
        preview_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
        file = tempfile.NamedTemporaryFile(dir=preview_dir(), prefix=PREFIX, delete=False)  # noqa: SIM115
        self.name = os.path.basename(file.name)
        return file

    def remove(self):
        with suppress(FileNotFoundError):
            os.remove(self.get_full_path())


def stale_previews(max_age: datetime.timedelta = PREVIEW_MAX_AGE) -> list[Path]:
    """Previews older than `max_age`: their preview was never confirmed."""
    folder = preview_dir()
    if not folder.is_dir():
        return []
    cutoff = time.time() - max_age.total_seconds()
    return [
        path
        for path in folder.iterdir()
        if path.name.startswith(PREFIX) and path.is_file() and path.stat().st_mtime < cutoff
    ]
