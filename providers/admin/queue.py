"""The vetting queue on the admin index: what waits for an operator, part by part.

Each entry counts exactly what its link lists, so an operator can trust the
number before opening it. Checks of certifications and impact reports wait
only on listings operators see (submitted, published, suspended); a draft's
parts are checked once it is submitted.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from providers import models as m
from providers.services.vetting import VERIFIABLE_STATUSES

#: Listing parts that wait with a submitted listing (model, label).
SUBMITTED_PARTS = (
    (m.ProviderService, _("services offered")),
    (m.DeliveryCentre, _("delivery centres")),
    (m.CertificationHolding, _("certifications")),
    (m.ImpactReport, _("impact reports")),
    (m.CaseStudy, _("case studies")),
)

#: Which field holds the operators' check, per model that has one.
CHECK_FIELDS = {
    m.CertificationHolding: "verification",
    m.ImpactReport: "directory_verification",
}


def awaiting_check(model) -> Q:
    """The rows of `model` that no operator has checked yet, on a listing operators see."""
    return Q(
        **{CHECK_FIELDS[model]: m.VerificationState.UNVERIFIED},
        provider__status__in=VERIFIABLE_STATUSES,
    )


class AwaitingCheckListFilter(admin.SimpleListFilter):
    """Certifications or reports waiting for an operator's check: the queue's link."""

    title = _("waiting for a check")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("yes", _("Not yet checked, on a submitted or published listing"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(awaiting_check(queryset.model))
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {"0__c": Count(pk_attname, filter=awaiting_check(filtered_qs.model))}


@dataclass(frozen=True)
class QueueEntry:
    label: str
    count: int
    url: str
    #: (label, count) of what the entry holds, part by part
    parts: tuple = ()


def vetting_queue(user) -> list[QueueEntry]:
    """What waits for operators, as far as `user` may see it, each with its count and link.

    Submitted listings (with how many services, centres, certifications,
    reports and case studies they hold), changes to vetted facts sent for
    review (per kind), certifications and impact reports not yet checked, and
    claims. One COUNT query per entry and part, whatever the directory's size.
    """
    entries = []
    if user.has_perm("providers.view_provider"):
        submitted = Q(provider__status=m.ListingStatus.SUBMITTED)
        entries.append(
            QueueEntry(
                _("Listings submitted for review"),
                m.Provider.objects.filter(status=m.ListingStatus.SUBMITTED).count(),
                reverse("admin:providers_provider_changelist") + "?status__exact=submitted",
                tuple(
                    (label, model.objects.filter(submitted).count())
                    for model, label in SUBMITTED_PARTS
                ),
            )
        )
        changes = dict(
            m.PendingChange.objects.submitted()
            .order_by()
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
        entries.append(
            QueueEntry(
                _("Changes waiting for review"),
                m.Provider.objects.filter(
                    Exists(m.PendingChange.objects.submitted().filter(provider=OuterRef("pk")))
                ).count(),
                reverse("admin:providers_provider_changelist") + "?changes=submitted",
                tuple((kind.label, changes.get(kind.value, 0)) for kind in m.PendingChangeKind),
            )
        )
    for model, perm, label in (
        (m.CertificationHolding, "view_certificationholding", _("Certifications not yet checked")),
        (m.ImpactReport, "view_impactreport", _("Impact reports not yet checked")),
    ):
        if user.has_perm(f"providers.{perm}"):
            opts = model._meta
            entries.append(
                QueueEntry(
                    label,
                    model.objects.filter(awaiting_check(model)).count(),
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                    + "?waiting=yes",
                )
            )
    if user.has_perm("providers.view_claim"):
        entries.append(
            QueueEntry(
                _("Claims waiting for review"),
                m.Claim.objects.filter(status=m.ClaimStatus.PENDING).count(),
                reverse("admin:providers_claim_changelist") + "?status=pending",
            )
        )
    return entries
