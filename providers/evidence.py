"""Serving evidence files to the people allowed to see them, and to nobody else.

Evidence (a certification's certificate, the document behind an impact report) sits
in private storage (`providers.storage`), which the web server does not serve. These
views hand a file out only to

- a member of the listing it belongs to, and
- an operator: a staff account with the view permission of the holding or report.

Anyone else, signed in or not, gets a 404, the same answer as for a file that does
not exist, so the URLs reveal nothing. Files go out as attachments with
`Content-Security-Policy: sandbox` and `X-Content-Type-Options: nosniff`, so even a
file that slipped past the upload checks cannot run in the site's origin.

URLs, all under `/evidence/`:
- `certifications/<id>/`, `reports/<id>/`: the live row's evidence. Operators may add
  `?file=<name>` to open a file an earlier version of the row had (the history page
  links those), as long as the file is still kept (`providers.services.files`).
- `changes/<id>/`: the evidence a proposed change carries, for its listing's members
  and the operators deciding on it.
"""

from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from providers.models import (
    CertificationHolding,
    ImpactReport,
    Membership,
    PendingChange,
    PendingChangeKind,
)
from providers.storage import evidence_storage

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
MODELS = {"certifications": CertificationHolding, "reports": ImpactReport}


def is_operator(user, model) -> bool:
    """A staff account allowed to view `model` rows in admin."""
    return (
        user.is_authenticated
        and user.is_staff
        and user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    )


def _is_member(user, provider_id: int) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(provider_id=provider_id, user=user).exists()
    )


def _attachment(name: str, download_name: str) -> FileResponse:
    storage = evidence_storage()
    if not name or not storage.exists(name):
        raise Http404
    extension = name.rpartition(".")[2].lower()
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=True,
        filename=f"{download_name}.{extension}",
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    # An attachment is never rendered in the page's origin; if a browser does render it,
    # the sandbox gives it a unique origin with no scripts, and nothing is sniffed.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def item_evidence(request, kind: str, pk: int):
    """The evidence of a live holding or report; with `?file=`, operators get an older one."""
    model = MODELS[kind]
    row = model.objects.filter(pk=pk).values("provider_id", "provider__slug", "evidence").first()
    if row is None:
        raise Http404
    name = row["evidence"]
    wanted = request.GET.get("file")
    if is_operator(request.user, model):
        if wanted and wanted != name:
            if not model.history.filter(id=pk, evidence=wanted).exists():
                raise Http404
            name = wanted
    elif wanted or not _is_member(request.user, row["provider_id"]):
        raise Http404
    singular = "certification" if kind == "certifications" else "report"
    return _attachment(name, f"{row['provider__slug']}-{singular}-{pk}-evidence")


@require_safe
def change_evidence(request, pk: int):
    """The evidence a proposed change to a certification or impact report carries."""
    change = (
        PendingChange.objects.filter(
            pk=pk, kind__in=[PendingChangeKind.CERTIFICATION, PendingChangeKind.REPORT]
        )
        .select_related("provider")
        .first()
    )
    if change is None:
        raise Http404
    model = CertificationHolding if change.kind == PendingChangeKind.CERTIFICATION else ImpactReport
    if not (is_operator(request.user, model) or _is_member(request.user, change.provider_id)):
        raise Http404
    name = change.data.get("evidence") or ""
    return _attachment(name, f"{change.provider.slug}-proposed-{change.kind}-{pk}-evidence")


def item_evidence_url(instance, *, file: str | None = None) -> str:
    """Where a holding's or report's evidence is served; `file` names an older version."""
    kind = "certifications" if isinstance(instance, CertificationHolding) else "reports"
    url = reverse(f"evidence:{kind}", args=[instance.pk])
    return f"{url}?{urlencode({'file': file})}" if file else url


def change_evidence_url(change: PendingChange) -> str:
    return reverse("evidence:change", args=[change.pk])


app_name = "evidence"
urlpatterns = [
    path(
        "certifications/<int:pk>/",
        item_evidence,
        {"kind": "certifications"},
        name="certifications",
    ),
    path("reports/<int:pk>/", item_evidence, {"kind": "reports"}, name="reports"),
    path("changes/<int:pk>/", change_evidence, name="change"),
]
