"""A listing's parts in admin: inline on the listing's page and on pages of their own.

Services offered, delivery centres, certifications held (with their verification
decisions), impact reports (with their target-group counts) and case studies.
Saving or deleting a part on its own page records a reason in its history,
claims the listing's next version (`PartWriteMixin`) and refreshes the listing's
derived search data.
"""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from providers import models as m
from providers.services.vetting import certification_holding_set_verification

from .mixins import (
    BOTH_LOCATIONS,
    CachedChoicesMixin,
    DecisionActionsMixin,
    EvidenceLinkMixin,
    HistoryAdmin,
    PartWriteMixin,
    RefreshDerivedMixin,
)


class ProviderServiceInline(CachedChoicesMixin, admin.TabularInline):
    model = m.ProviderService
    fields = ["service", "voice", "note"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "service__parent")


class DeliveryCentreInline(CachedChoicesMixin, admin.TabularInline):
    model = m.DeliveryCentre
    fields = ["country", "city", "seats", "headcount", "impact_workers", "languages"]
    extra = 0

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("provider").prefetch_related("languages")
        )


class CertificationHoldingInline(EvidenceLinkMixin, CachedChoicesMixin, admin.TabularInline):
    model = m.CertificationHolding
    fields = [
        "certification",
        "scope",
        "certificate_number",
        "issued_on",
        "expires_on",
        "evidence_link",
        "verification",
    ]
    readonly_fields = ["evidence_link"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "certification")


class ImpactReportInline(EvidenceLinkMixin, admin.StackedInline):
    model = m.ImpactReport
    fields = [
        ("period_start", "period_end"),
        "impact_worker_definition",
        ("total_employees", "impact_workers"),
        ("employees_with_disabilities", "employees_low_income_areas", "women_employees"),
        ("min_wage_multiple", "living_wage_employees"),
        ("training_hours_per_employee", "average_tenure_months"),
        ("voluntary_turnover_pct", "placement_rate_pct"),
        ("provenance", "verifier", "verified_on"),
        "evidence_link",
        "is_latest",
    ]
    readonly_fields = ["evidence_link", "is_latest"]
    extra = 0
    show_change_link = True  # target-group counts are edited on the report's own page

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider")


class CaseStudyInline(CachedChoicesMixin, admin.StackedInline):
    model = m.CaseStudy
    fields = [
        ("title", "year"),
        ("client_industry", "service"),
        "challenge",
        "approach",
        "results",
        ("client_quote", "quote_attribution"),
    ]
    extra = 0


@admin.register(m.ProviderService)
class ProviderServiceAdmin(RefreshDerivedMixin, CachedChoicesMixin, PartWriteMixin, HistoryAdmin):
    list_display = ["provider", "service", "voice"]
    list_filter = ["voice"]
    list_select_related = ["provider", "service", "service__parent"]
    search_fields = ["provider__name", "service__name"]
    raw_id_fields = ["provider"]


@admin.register(m.DeliveryCentre)
class DeliveryCentreAdmin(CachedChoicesMixin, PartWriteMixin, HistoryAdmin):
    list_display = ["provider", "country", "city", "headcount", "impact_workers"]
    list_select_related = ["provider"]
    search_fields = ["provider__name", "city"]
    raw_id_fields = ["provider"]


@admin.register(m.CertificationHolding)
class CertificationHoldingAdmin(
    EvidenceLinkMixin, DecisionActionsMixin, CachedChoicesMixin, PartWriteMixin, HistoryAdmin
):
    exclude = ["evidence"]
    readonly_fields = ["evidence_link"]
    list_display = ["provider", "certification", "certificate_number", "expires_on", "verification"]
    list_filter = ["verification", "certification"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider", "certification"]
    search_fields = ["provider__name", "certification__name", "certificate_number"]
    raw_id_fields = ["provider"]
    actions = ["mark_holdings_verified", "mark_holdings_unverifiable"]
    _service_arg = "holding"

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Mark selected certifications verified"),
    )
    def mark_holdings_verified(self, request, queryset):
        self._apply(
            request,
            queryset.select_related("provider", "certification"),
            service=certification_holding_set_verification,
            kwargs={"state": m.VerificationState.VERIFIED},
            done=gettext("Marked “%(object)s” verified."),
            failed=gettext("Could not mark “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Mark selected certifications as could not be verified"),
    )
    def mark_holdings_unverifiable(self, request, queryset):
        self._apply(
            request,
            queryset.select_related("provider", "certification"),
            service=certification_holding_set_verification,
            kwargs={"state": m.VerificationState.REJECTED},
            done=gettext("Marked “%(object)s” as could not be verified."),
            failed=gettext("Could not mark “%(object)s”: %(error)s"),
        )


class ImpactReportGroupInline(CachedChoicesMixin, admin.TabularInline):
    model = m.ImpactReportGroup
    fields = ["target_group", "workers"]
    extra = 0


@admin.register(m.ImpactReport)
class ImpactReportAdmin(EvidenceLinkMixin, RefreshDerivedMixin, PartWriteMixin, HistoryAdmin):
    exclude = ["evidence"]
    list_display = ["provider", "period_start", "period_end", "provenance", "is_latest"]
    list_filter = ["provenance", "is_latest"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider"]
    search_fields = ["provider__name"]
    raw_id_fields = ["provider"]
    readonly_fields = ["evidence_link", "is_latest", "created_at"]
    inlines = [ImpactReportGroupInline]


@admin.register(m.CaseStudy)
class CaseStudyAdmin(RefreshDerivedMixin, CachedChoicesMixin, PartWriteMixin, HistoryAdmin):
    list_display = ["title", "provider", "year"]
    list_select_related = ["provider"]
    search_fields = ["title", "provider__name"]
    raw_id_fields = ["provider"]
