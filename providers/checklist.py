"""What a listing needs before it can be submitted for review, and what makes it stronger.

`provider_checklist` is the rule `provider_submit` applies (a listing is sent
for review only when nothing required is missing) and the list the dashboard
shows. `with_checklist_facts` annotates a queryset so a list of listings gets
its checklists without a query per listing.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from providers.models import (
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    PendingChange,
    Provider,
    ProviderService,
)


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    required: bool


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]

    @property
    def score(self) -> int:
        """Share of all items done, as a whole percent."""
        return round(100 * sum(i.done for i in self.items) / len(self.items))

    @property
    def blockers(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.required and not i.done]

    @property
    def complete(self) -> bool:
        return not self.blockers


def with_checklist_facts(queryset):
    """Annotate what the checklist needs, so a list of listings costs one query."""
    return queryset.annotate(
        has_services=Exists(ProviderService.objects.filter(provider=OuterRef("pk"))),
        has_centres=Exists(DeliveryCentre.objects.filter(provider=OuterRef("pk"))),
        has_languages=Exists(Provider.languages.through.objects.filter(provider=OuterRef("pk"))),
        has_reports=Exists(ImpactReport.objects.filter(provider=OuterRef("pk"))),
        has_certifications=Exists(CertificationHolding.objects.filter(provider=OuterRef("pk"))),
        has_case_studies=Exists(CaseStudy.objects.filter(provider=OuterRef("pk"))),
        has_pending=Exists(PendingChange.objects.open().filter(provider=OuterRef("pk"))),
        has_unsent_pending=Exists(
            PendingChange.objects.open().filter(provider=OuterRef("pk"), submitted_at__isnull=True)
        ),
    )


def _fact(provider: Provider, name: str, exists) -> bool:
    """The fact `with_checklist_facts` annotated, or one query when it is not there."""
    value = getattr(provider, name, None)
    return bool(exists()) if value is None else bool(value)


CHECKLIST_LABELS = {
    "name": gettext_lazy("Organisation name"),
    "tagline": gettext_lazy("Tagline"),
    "description": gettext_lazy("Description"),
    "hq_country": gettext_lazy("Headquarters country"),
    "legal_form": gettext_lazy("Legal form"),
    "workforce": gettext_lazy("Total workforce"),
    "contact_email": gettext_lazy("Contact e-mail"),
    "services": gettext_lazy("At least one service"),
    "centres": gettext_lazy("At least one delivery centre"),
    "languages": gettext_lazy("At least one language of service"),
    "reports": gettext_lazy("An impact report"),
    "website": gettext_lazy("Website"),
    "founded_year": gettext_lazy("Year founded"),
    "org_identifier": gettext_lazy("Organisation identifier"),
    "logo": gettext_lazy("Logo"),
    "certifications": gettext_lazy("Certifications"),
    "case_studies": gettext_lazy("A case study"),
}


def provider_checklist(provider: Provider) -> Checklist:
    """What a listing needs before it can be submitted (required) and what makes it stronger."""
    required = {
        "name": bool(provider.name),
        "tagline": bool(provider.tagline),
        "description": bool(provider.description),
        "hq_country": bool(provider.hq_country),
        "legal_form": bool(provider.legal_form),
        "workforce": bool(provider.workforce),
        "contact_email": bool(provider.contact_email),
        "services": _fact(provider, "has_services", provider.services.exists),
        "centres": _fact(provider, "has_centres", provider.centres.exists),
        "languages": _fact(provider, "has_languages", provider.languages.exists),
        "reports": _fact(provider, "has_reports", provider.reports.exists),
    }
    recommended = {
        "website": bool(provider.website),
        "founded_year": bool(provider.founded_year),
        "org_identifier": bool(provider.org_registry and provider.org_number),
        "logo": bool(provider.logo),
        "certifications": _fact(provider, "has_certifications", provider.certifications.exists),
        "case_studies": _fact(provider, "has_case_studies", provider.case_studies.exists),
    }
    items = [ChecklistItem(str(CHECKLIST_LABELS[k]), v, True) for k, v in required.items()]
    items += [ChecklistItem(str(CHECKLIST_LABELS[k]), v, False) for k, v in recommended.items()]
    return Checklist(items)
