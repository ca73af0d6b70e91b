"""Which stored files are still needed, and removing the ones that are not.

A logo or evidence file is deleted as soon as no version of its listing needs it:

- **Logos** are needed only by the live listing (`Provider.logo`, with its thumbnail).
  Old logos in the listing's history are not kept: nobody audits a picture, and a
  replaced logo must stop being served.
- **Evidence** is needed by
  1. the live certification holding or impact report that points at it;
  2. an open proposal (`PendingChange` waiting for a decision) that carries it;
  3. the audit of a verification decision, which needs the evidence that was checked:
     a history row of a certification holding whose verification an operator set
     (verified or could not be verified) keeps that row's evidence, and a verification
     of the whole listing (`Provider.verified_at`, "what was checked") keeps the
     evidence of every holding and report that was live at that moment.
  Evidence that was never part of a verified state — replaced or removed before any
  operator verified it, carried by a proposal that was withdrawn, replaced or turned
  down — is deleted. Other history rows keep the old file name only, as a record that
  a file was there.

Deletion always waits for the transaction to commit (`files_release` registers an
`on_commit` callback that checks the committed data again), so a rolled-back change
never loses the file it still points at. `orphan_files` finds what is left over
(uploads whose request died before its row was saved, files from before this rule)
for `manage.py remove_orphan_files`.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils import timezone

from providers.models import (
    CertificationHolding,
    ImpactReport,
    PendingChange,
    Provider,
    VerificationState,
)
from providers.storage import evidence_storage
from providers.uploads import thumbnail_name

logger = logging.getLogger(__name__)

LOGO_FOLDER = "logos"
EVIDENCE_FOLDER = "evidence"
#: Names are looked up in chunks, so an `IN (...)` never exceeds a database's limit.
_CHUNK = 500


def _chunks(names: Iterable[str]) -> Iterator[list[str]]:
    names = iter(sorted(names))
    while chunk := list(islice(names, _CHUNK)):
        yield chunk


def _in_folder(name: str, folder: str) -> bool:
    return bool(name) and name.startswith(f"{folder}/") and ".." not in name.split("/")


def logo_of_thumbnail(name: str) -> str:
    """The logo a stored file belongs to: itself, or the logo a thumbnail was made from."""
    stem, dot, extension = name.rpartition(".")
    if dot and stem.endswith("-thumb"):
        return f"{stem.removesuffix('-thumb')}.{extension}"
    return name


def logos_in_use(names: Iterable[str]) -> set[str]:
    """The logo names among `names` that a live listing shows."""
    used: set[str] = set()
    for chunk in _chunks(set(names)):
        used.update(Provider.objects.filter(logo__in=chunk).values_list("logo", flat=True))
    return used


def evidence_in_use(names: Iterable[str]) -> set[str]:
    """The evidence names among `names` that a live row, open proposal or audit needs."""
    names = set(names)
    used: set[str] = set()
    for chunk in _chunks(names):
        for model in (CertificationHolding, ImpactReport):
            used.update(model.objects.filter(evidence__in=chunk).values_list("evidence", flat=True))
        used.update(
            PendingChange.objects.open()
            .filter(data__evidence__in=chunk)
            .values_list("data__evidence", flat=True)
        )
    rest = names - used
    for chunk in _chunks(rest):
        used.update(_evidence_checked(chunk))
    return used


def _evidence_checked(names: list[str]) -> set[str]:
    """Names among `names` that an operator's verification decision covered (rule 3)."""
    checked: set[str] = set()
    History = CertificationHolding.history.model
    checked.update(
        History.objects.filter(evidence__in=names)
        .exclude(verification=VerificationState.UNVERIFIED)
        .exclude(history_type="-")
        .values_list("evidence", flat=True)
    )
    for model in (CertificationHolding, ImpactReport):
        checked.update(_live_at_listing_verification(model, set(names) - checked))
    return checked


def _live_at_listing_verification(model, names: set[str]) -> set[str]:
    """Names that were a holding's or report's live evidence when its listing was verified."""
    if not names:
        return set()
    History = model.history.model
    carriers = list(
        History.objects.filter(evidence__in=names).values_list("id", "provider_id").distinct()
    )
    if not carriers:
        return set()
    object_ids = {object_id for object_id, _provider in carriers}
    verified_at = defaultdict(set)
    for provider_id, moment in (
        Provider.history.model.objects.filter(
            id__in={provider for _object, provider in carriers}, verified_at__isnull=False
        )
        .values_list("id", "verified_at")
        .distinct()
    ):
        verified_at[provider_id].add(moment)
    if not verified_at:
        return set()
    timeline = defaultdict(list)
    for row in (
        History.objects.filter(id__in=object_ids)
        .order_by("history_date", "history_id")
        .values("id", "provider_id", "evidence", "history_type", "history_date")
    ):
        timeline[row["id"]].append(row)
    live: set[str] = set()
    for rows in timeline.values():
        for row, following in zip(rows, [*rows[1:], None], strict=True):
            if row["evidence"] not in names or row["history_type"] == "-":
                continue
            start = row["history_date"]
            end = following["history_date"] if following else None
            if any(
                start <= moment and (end is None or moment < end)
                for moment in verified_at[row["provider_id"]]
            ):
                live.add(row["evidence"])
    return live


def _delete_unneeded(logos: set[str], evidence: set[str]) -> None:
    for name in logos - logos_in_use(logos):
        default_storage.delete(name)
        default_storage.delete(thumbnail_name(name))
    storage = evidence_storage()
    for name in evidence - evidence_in_use(evidence):
        storage.delete(name)


def files_release(*, logos: Iterable[str] = (), evidence: Iterable[str] = ()) -> None:
    """Once the current transaction commits, delete each named file nothing needs any more.

    Call it with every file a change may have stopped using (a replaced or removed logo,
    evidence of a replaced, removed or decided proposal, …): whether a file is still
    needed is checked again after the commit, so naming a file that is still in use is
    harmless, and a rollback deletes nothing. A failure to delete is logged; the change
    stands.
    """
    logos = {n for n in logos if _in_folder(n, LOGO_FOLDER)}
    evidence = {n for n in evidence if _in_folder(n, EVIDENCE_FOLDER)}
    if logos or evidence:
        transaction.on_commit(lambda: _delete_unneeded(logos, evidence), robust=True)


def files_of_providers(providers) -> tuple[list[str], list[str]]:
    """The logo and evidence names a queryset of listings points at (before deleting them)."""
    ids = list(providers.values_list("pk", flat=True))
    logos = list(Provider.objects.filter(pk__in=ids).values_list("logo", flat=True))
    evidence = [
        *CertificationHolding.objects.filter(provider__in=ids).values_list("evidence", flat=True),
        *ImpactReport.objects.filter(provider__in=ids).values_list("evidence", flat=True),
        *PendingChange.objects.open()
        .filter(provider__in=ids, data__evidence__isnull=False)
        .values_list("data__evidence", flat=True),
    ]
    return logos, [name for name in evidence if isinstance(name, str)]


@dataclass(frozen=True)
class StoredFile:
    storage: Storage
    root: Path
    name: str
    size: int
    #: Why it is removable, for the command's report.
    reason: str

    @property
    def path(self) -> Path:
        return self.root / self.name


def _files_under(root: Path, folder: str, older_than: datetime.datetime) -> dict[str, int]:
    """Files in `root/folder` last modified before `older_than`: {name: size}."""
    base = root / folder
    if not base.is_dir():
        return {}
    cutoff = older_than.timestamp()
    found = {}
    for path in base.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            if stat.st_mtime < cutoff:
                found[path.relative_to(root).as_posix()] = stat.st_size
    return found


def orphan_files(*, min_age: datetime.timedelta) -> list[StoredFile]:
    """Stored logos and evidence files that nothing needs (see the module docstring).

    Only the folders uploads are written to are looked at: `MEDIA_ROOT/logos/`,
    `PRIVATE_MEDIA_ROOT/evidence/`, and `MEDIA_ROOT/evidence/`, where evidence sat
    before it moved to private storage (a copy left there is served publicly and read
    by nothing; one whose private copy is missing is kept and reported by the caller).
    Files younger than `min_age` are left alone: their upload may not have committed yet.
    """
    older_than = timezone.now() - min_age
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    orphans = []

    logo_files = _files_under(media, LOGO_FOLDER, older_than)
    owners = {name: logo_of_thumbnail(name) for name in logo_files}
    used = logos_in_use(set(owners.values()))
    for name, size in sorted(logo_files.items()):
        if owners[name] not in used:
            orphans.append(StoredFile(default_storage, media, name, size, "logo not in use"))

    evidence_files = _files_under(private, EVIDENCE_FOLDER, older_than)
    used = evidence_in_use(evidence_files)
    for name, size in sorted(evidence_files.items()):
        if name not in used:
            orphans.append(
                StoredFile(evidence_storage(), private, name, size, "evidence not needed")
            )

    for name, size in sorted(_files_under(media, EVIDENCE_FOLDER, older_than).items()):
        if (private / name).is_file() or name not in evidence_in_use([name]):
            orphans.append(
                StoredFile(default_storage, media, name, size, "public copy of evidence")
            )
    return orphans


def public_evidence_left(*, min_age: datetime.timedelta) -> list[str]:
    """Needed evidence still only in public media (the move to private storage did not run)."""
    older_than = timezone.now() - min_age
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    public = _files_under(media, EVIDENCE_FOLDER, older_than)
    stranded = [name for name in public if not (private / name).is_file()]
    return sorted(evidence_in_use(stranded))
