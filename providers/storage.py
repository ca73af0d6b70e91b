"""Where uploaded files live: logos in public media, evidence in a private folder.

Logos are public (profiles and cards show them), so they sit in `MEDIA_ROOT`, which
the web server serves. Evidence (certificates, documents behind impact figures) is
for the listing's members and the operators only: it sits in `PRIVATE_MEDIA_ROOT`,
which nothing serves, and leaves it only through `providers.evidence`, which checks
who asks. The private storage has no URL: `FieldFile.url` raises, so a template can
never link to a file directly by mistake.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="providers.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """File-system storage under `settings.PRIVATE_MEDIA_ROOT`, read at each use, without URLs.

    Reading the setting each time (rather than once at start-up, as FileSystemStorage's
    cached location does) lets tests give every test its own folder.
    """

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Evidence files have no public URL; link to providers.evidence views.")


_private_storage = PrivateStorage()


def evidence_storage() -> PrivateStorage:
    """The storage of every evidence file (a callable, so migrations name it, not a path)."""
    return _private_storage


def _inside(child: Path, parent: Path) -> bool:
    child, parent = child.resolve(), parent.resolve()
    return child == parent or parent in child.parents


@checks.register(checks.Tags.security)
def check_private_media_root(app_configs=None, **kwargs):
    """PRIVATE_MEDIA_ROOT must not be a folder the web server serves (media or static)."""
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    problems = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, name, None)
        if public and (_inside(private, Path(public)) or _inside(Path(public), private)):
            problems.append(
                checks.Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) overlaps {name} ({public}): evidence "
                    "files would be served to anyone.",
                    hint="Give PRIVATE_MEDIA_ROOT a folder of its own, outside MEDIA_ROOT.",
                    id="providers.E001",
                )
            )
    return problems
