"""Keeping the data derived from a provider's parts current.

Some facts are stored twice so reads stay cheap: which impact report is a
provider's latest, the impact-worker share it gives (when the disclosure rule
lets it be shown), and the text of services
and case studies that feeds the search vector. Every write path that changes a
provider's services, reports or case studies calls `provider_refresh_derived`
(or the bulk `providers_refresh_derived` after generating data).
"""

from django.db import transaction
from django.db.models import (
    F,
    FloatField,
    IntegerField,
    OuterRef,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Round

from providers import disclosure
from providers.models import CaseStudy, ImpactReport, Provider, ProviderService


def _latest_report_id(provider_ref):
    return (
        ImpactReport.objects.filter(provider=provider_ref)
        .order_by("-period_end", "-period_start", "-pk")
        .values("pk")[:1]
    )


def _share_expression():
    return Cast(
        Round(Cast(F("impact_workers"), FloatField()) * 100.0 / F("total_employees")),
        IntegerField(),
    )


def _service_text(provider_ref):
    return (
        ProviderService.objects.filter(provider=provider_ref)
        .values("provider")
        .annotate(
            text=StringAgg(
                Concat(
                    F("service__parent__name"),
                    Value(" "),
                    F("service__name"),
                    Value(" "),
                    F("note"),
                    output_field=TextField(),
                ),
                Value(" "),
                output_field=TextField(),
            )
        )
        .values("text")
    )


def _case_study_text(provider_ref):
    return (
        CaseStudy.objects.filter(provider=provider_ref)
        .values("provider")
        .annotate(
            text=StringAgg(
                Concat(
                    F("title"),
                    Value(" "),
                    F("challenge"),
                    Value(" "),
                    F("results"),
                    output_field=TextField(),
                ),
                Value(" "),
                output_field=TextField(),
            )
        )
        .values("text")
    )


@transaction.atomic
def providers_refresh_derived(*, provider_ids=None) -> None:
    """Recompute latest-report flags, impact shares and search text, set-based.

    With `provider_ids` only those providers are refreshed; without, all of them.
    Uses UPDATE statements (no history rows): derived data is not a change anyone made.
    """
    providers = Provider.objects.all()
    reports = ImpactReport.objects.all()
    if provider_ids is not None:
        providers = providers.filter(pk__in=provider_ids)
        reports = reports.filter(provider_id__in=provider_ids)

    latest = Subquery(_latest_report_id(OuterRef("provider")))
    reports.filter(is_latest=True).exclude(pk=latest).update(is_latest=False)
    reports.filter(is_latest=False, pk=latest).update(is_latest=True)

    # The share is public only when the count it is made of is (providers.disclosure);
    # search filters and sorts by this stored value, so a withheld share never counts.
    latest_share = (
        ImpactReport.objects.filter(
            provider=OuterRef("pk"),
            is_latest=True,
            total_employees__gt=0,
            impact_workers__gte=disclosure.THRESHOLD,
        )
        .annotate(share=_share_expression())
        .values("share")[:1]
    )
    providers.update(
        impact_share=Subquery(latest_share),
        service_text=Coalesce(Subquery(_service_text(OuterRef("pk"))), Value("")),
        case_study_text=Coalesce(Subquery(_case_study_text(OuterRef("pk"))), Value("")),
    )
    # Search sees these updates through its triggers (migration 0011), for published
    # listings only: a draft's edits change nothing any search index holds.


def provider_refresh_derived(*, provider: Provider) -> None:
    """Refresh one provider's derived data after its parts changed."""
    providers_refresh_derived(provider_ids=[provider.pk])
    provider.refresh_from_db(fields=["impact_share", "service_text", "case_study_text"])
