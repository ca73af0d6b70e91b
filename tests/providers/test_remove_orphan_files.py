"""`manage.py remove_orphan_files` removes stored files nothing needs, and nothing else.

Real files in the test's own MEDIA_ROOT and PRIVATE_MEDIA_ROOT; rows made by the
factories and the real services.
"""

import importlib
import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from providers import models as m
from providers import uploads
from providers.evidence import item_evidence_url
from providers.services.vetting import certification_holding_set_verification
from tests.factories import CertificationHoldingFactory, ImpactReportFactory, StaffFactory
from tests.providers.listing_helpers import image_bytes, listing_with_owner, stored_evidence

pytestmark = pytest.mark.django_db

TWO_HOURS_AGO = time.time() - 2 * 3600


def stored_logo() -> str:
    return uploads.logo_store(uploads.logo_clean(io.BytesIO(image_bytes("PNG", size=(80, 80)))))


def age(root, *names):
    for name in names:
        os.utime(Path(root) / name, (TWO_HOURS_AGO, TWO_HOURS_AGO))


def files(root) -> set[str]:
    root = Path(root)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def stored(settings):
    """One of each kind of stored file, all but one older than the command's default age."""
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED)
    logo = stored_logo()
    provider.logo = logo
    provider.save()
    unused_logo = stored_logo()

    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    proposed = stored_evidence()
    m.PendingChange.objects.create(
        provider=provider,
        kind=m.PendingChangeKind.CERTIFICATION,
        action=m.PendingChangeAction.UPDATE,
        target_id=holding.pk,
        data={"evidence": proposed},
    )
    verified = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    checked = verified.evidence.name
    certification_holding_set_verification(
        holding=verified, by=StaffFactory(), state=m.VerificationState.VERIFIED
    )
    verified.evidence = stored_evidence()  # replaced behind the services' back
    verified.save()
    replaced = ImpactReportFactory(
        provider=provider, evidence=stored_evidence(folder="evidence/reports")
    )
    never_checked = replaced.evidence.name
    replaced.evidence = stored_evidence(folder="evidence/reports")
    replaced.save()
    orphan = stored_evidence()  # a request that died after storing the upload
    fresh_orphan = stored_evidence()  # an upload whose transaction may not have committed yet

    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    # Left in public media from before evidence moved: one copy duplicated privately, one not.
    duplicated = holding.evidence.name
    (media / duplicated).parent.mkdir(parents=True, exist_ok=True)
    (media / duplicated).write_bytes((private / duplicated).read_bytes())
    stranded_holding = CertificationHoldingFactory(
        provider=provider, evidence="evidence/certifications/stranded.pdf"
    )
    (media / stranded_holding.evidence.name).write_bytes(b"%PDF-1.4 legacy")
    (media / "exports").mkdir()
    (media / "exports" / "open-data.json").write_text("{}")  # not ours to judge

    age(media, *(files(media)))
    age(private, *(files(private) - {fresh_orphan}))
    return {
        "provider": provider,
        "keep_public": {
            logo,
            uploads.thumbnail_name(logo),
            stranded_holding.evidence.name,
            "exports/open-data.json",
        },
        "remove_public": {unused_logo, uploads.thumbnail_name(unused_logo), duplicated},
        "keep_private": {
            holding.evidence.name,
            proposed,
            checked,
            verified.evidence.name,
            replaced.evidence.name,
            fresh_orphan,
        },
        "remove_private": {never_checked, orphan},
        "checked": checked,
        "verified": verified,
        "fresh_orphan": fresh_orphan,
    }


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("remove_orphan_files", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_lists_what_would_go_and_removes_nothing(settings, stored):
    before_public, before_private = files(settings.MEDIA_ROOT), files(settings.PRIVATE_MEDIA_ROOT)
    out, _err = run("--dry-run")
    assert files(settings.MEDIA_ROOT) == before_public
    assert files(settings.PRIVATE_MEDIA_ROOT) == before_private
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    listed = {line.split(" (")[0].removeprefix("Would remove ") for line in out.splitlines()[:-1]}
    assert listed == {
        *(str(media / n) for n in stored["remove_public"]),
        *(str(private / n) for n in stored["remove_private"]),
    }
    assert "Would remove 5 file(s)" in out


def test_removes_only_what_nothing_needs_and_a_second_run_finds_nothing(client, settings, stored):
    out, err = run()
    public, private = files(settings.MEDIA_ROOT), files(settings.PRIVATE_MEDIA_ROOT)
    assert stored["keep_public"] <= public
    assert stored["keep_private"] <= private
    assert not (stored["remove_public"] & public)
    assert not (stored["remove_private"] & private)
    assert "Removed 5 file(s)" in out
    # Needed evidence found only in public media is kept, and the operator is told.
    assert "evidence/certifications/stranded.pdf" in err

    assert "Removed 0 file(s)" in run()[0]
    # The evidence an operator verified still opens for the audit.
    client.force_login(StaffFactory())
    url = item_evidence_url(stored["verified"], file=stored["checked"])
    assert client.get(url).status_code == 200


def test_a_younger_file_goes_only_when_the_age_limit_allows(settings, stored):
    run()
    assert stored["keep_private"] <= files(settings.PRIVATE_MEDIA_ROOT)
    run("--min-age-minutes", "0")
    assert stored["keep_private"] - files(settings.PRIVATE_MEDIA_ROOT) == {stored["fresh_orphan"]}


def test_refuses_a_negative_age():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("--min-age-minutes", "-1")


# --------------------------------------------------------------------------
# The migration that moved existing evidence out of public media
# --------------------------------------------------------------------------

migration = importlib.import_module("providers.migrations.0006_private_evidence_storage")


def test_existing_evidence_moves_to_private_storage_and_keeps_working(client, settings):
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED)
    name = "evidence/certifications/0123456789abcdef.pdf"
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    (media / name).parent.mkdir(parents=True)
    (media / name).write_bytes(b"%PDF-1.4 existing")
    (media / "logos").mkdir()
    (media / "logos" / "kept.png").write_bytes(b"logo")
    holding = CertificationHoldingFactory(provider=provider, evidence=name)

    migration.move_to_private(None, None)
    migration.move_to_private(None, None)  # running again changes nothing

    assert (private / name).read_bytes() == b"%PDF-1.4 existing"
    assert not (media / "evidence").exists()  # nothing left for the web server to serve
    assert (media / "logos" / "kept.png").exists()
    client.force_login(owner)
    response = client.get(item_evidence_url(holding))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 existing"

    migration.move_back_to_media(None, None)
    assert (media / name).is_file()
    assert not (private / name).exists()
