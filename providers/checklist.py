"""What a listing needs before it can be submitted for review, and what makes it stronger.

`provider_checklist` is the rule `provider_submit` applies (a listing is sent
for review only when nothing required is missing) and the list the dashboard
shows. `with_checklist_facts` annotates a queryset so a list of listings gets
its checklists without a query per listing.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
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
    #: Where the item is filled in: a dashboard page and the field's id on it.
    url: str = ""


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


#: Where each item is filled in: the dashboard page (URL name) and the id of the field
#: there ("" for pages whose whole form is the item, such as a new delivery centre).
CHECKLIST_FIXES = {
    "name": ("dashboard:profile", "id_name"),
    "tagline": ("dashboard:profile", "id_tagline"),
    "description": ("dashboard:profile", "id_description"),
    "hq_country": ("dashboard:profile", "id_hq_country"),
    "legal_form": ("dashboard:profile", "id_legal_form"),
    "workforce": ("dashboard:profile", "id_workforce"),
    "contact_email": ("dashboard:profile", "id_contact_email"),
    "services": ("dashboard:services", "id_services-0-service"),
    "centres": ("dashboard:centre_create", "id_country"),
    "languages": ("dashboard:profile", "id_languages"),
    "reports": ("dashboard:report_create", "id_period_start"),
    "website": ("dashboard:profile", "id_website"),
    "founded_year": ("dashboard:profile", "id_founded_year"),
    "org_identifier": ("dashboard:profile", "id_org_registry"),
    "logo": ("dashboard:logo", "id_logo"),
    "certifications": ("dashboard:certification_create", "id_certification"),
    "case_studies": ("dashboard:case_study_create", "id_title"),
}


def _fix_url(key: str, pk: int) -> str:
    name, field_id = CHECKLIST_FIXES[key]
    url = reverse(name, args=[pk])
    return f"{url}#{field_id}" if field_id else url


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
    items = [
        ChecklistItem(str(CHECKLIST_LABELS[k]), v, True, _fix_url(k, provider.pk))
        for k, v in required.items()
    ]
    items += [
        ChecklistItem(str(CHECKLIST_LABELS[k]), v, False, _fix_url(k, provider.pk))
        for k, v in recommended.items()
    ]
    return Checklist(items)
