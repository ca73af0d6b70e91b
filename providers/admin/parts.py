"""A listing's parts in admin: inline on the listing's page and on pages of their own.

Services offered, delivery centres, certifications held (with their verification
decisions), impact reports (with their target-group counts) and case studies.
Saving or deleting a part on its own page records a reason in its history,
claims the listing's next version (`PartWriteMixin`) and refreshes the listing's
derived search data.
"""

from functools import partial

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from impactdir import l10n
from providers import models as m
from providers.services.vetting import (
    certification_holding_set_verification,
    report_set_verification,
)

from .mixins import (
    BOTH_LOCATIONS,
    EMPTY,
    CachedChoicesMixin,
    DecisionActionsMixin,
    EvidenceLinkMixin,
    HistoryAdmin,
    LabelledRowsMixin,
    PartWriteMixin,
    RefreshDerivedMixin,
)
from .queue import AwaitingCheckListFilter


class ProviderServiceInline(LabelledRowsMixin, CachedChoicesMixin, admin.TabularInline):
    model = m.ProviderService
    fields = ["service", "voice", "note"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "service__parent")


class DeliveryCentreInline(LabelledRowsMixin, CachedChoicesMixin, admin.TabularInline):
    model = m.DeliveryCentre
    fields = ["country", "city", "seats", "headcount", "impact_workers", "languages"]
    extra = 0

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("provider").prefetch_related("languages")
        )


class CertificationHoldingInline(
    LabelledRowsMixin, EvidenceLinkMixin, CachedChoicesMixin, admin.TabularInline
):
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


class ImpactReportAdminForm(forms.ModelForm):
    """An operator's edit of a report's contents here also needs the directory's check again."""

    def save(self, commit=True):
        if self.instance.pk and self.changed_data:
            self.instance.clear_directory_verification()
        return super().save(commit=commit)


class DirectoryVerificationMixin:
    @admin.display(description=_("verification by the directory"))
    def directory_check(self, obj):
        if obj is None or not obj.pk or obj.directory_verified_at is None:
            return gettext("Not yet checked")
        return gettext("%(state)s by %(who)s on %(when)s: %(notes)s") % {
            "state": obj.get_directory_verification_display(),
            "who": obj.directory_verified_by or EMPTY,
            "when": l10n.datetime_zone(obj.directory_verified_at),
            "notes": obj.directory_verification_notes,
        }


class ImpactReportInline(DirectoryVerificationMixin, EvidenceLinkMixin, admin.StackedInline):
    model = m.ImpactReport
    form = ImpactReportAdminForm
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
        "directory_check",
        "is_latest",
    ]
    readonly_fields = ["evidence_link", "directory_check", "is_latest"]
    extra = 0
    show_change_link = True  # target-group counts are edited on the report's own page

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "directory_verified_by")


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
    list_filter = [AwaitingCheckListFilter, "verification", "certification"]
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


class ImpactReportGroupInline(LabelledRowsMixin, CachedChoicesMixin, admin.TabularInline):
    model = m.ImpactReportGroup
    fields = ["target_group", "workers"]
    extra = 0


@admin.register(m.ImpactReport)
class ImpactReportAdmin(
    DirectoryVerificationMixin,
    EvidenceLinkMixin,
    DecisionActionsMixin,
    RefreshDerivedMixin,
    PartWriteMixin,
    HistoryAdmin,
):
    form = ImpactReportAdminForm
    exclude = ["evidence", *m.REPORT_VERIFICATION_FIELDS]
    list_display = [
        "provider",
        "period_start",
        "period_end",
        "provenance",
        "directory_verification",
        "is_latest",
    ]
    list_filter = [AwaitingCheckListFilter, "directory_verification", "provenance", "is_latest"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider"]
    search_fields = ["provider__name"]
    raw_id_fields = ["provider"]
    readonly_fields = ["evidence_link", "directory_check", "is_latest", "created_at"]
    inlines = [ImpactReportGroupInline]
    actions = ["verify_reports", "mark_reports_unverifiable"]
    _service_arg = "report"

    def save_related(self, request, form, formsets, change):
        # Changed target-group counts change the report too: it needs the check again.
        groups_changed = change and any(formset.has_changed() for formset in formsets)
        if groups_changed and form.instance.clear_directory_verification():
            form.instance.save(update_fields=list(m.REPORT_VERIFICATION_FIELDS))
        super().save_related(request, form, formsets, change)

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Mark selected impact reports verified by the directory"),
    )
    def verify_reports(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset.select_related("provider"),
            service=partial(report_set_verification, state=m.VerificationState.VERIFIED),
            argument="notes",
            title=gettext("Verify impact reports"),
            label=gettext("What was checked"),
            help_text=gettext(
                "Required. For example: payroll summary for the period, the auditor's letter. "
                "The public sees it beside “Verified by the directory”."
            ),
            required=True,
            required_message=gettext("Say what was checked."),
            done=gettext("Marked “%(object)s” verified by the directory."),
            failed=gettext("Could not verify “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Mark selected impact reports as could not be verified"),
    )
    def mark_reports_unverifiable(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset.select_related("provider"),
            service=partial(report_set_verification, state=m.VerificationState.REJECTED),
            argument="notes",
            title=gettext("Mark impact reports as could not be verified"),
            label=gettext("What was checked"),
            help_text=gettext("Required. What was checked, and what did not hold."),
            required=True,
            required_message=gettext("Say what was checked."),
            done=gettext("Marked “%(object)s” as could not be verified."),
            failed=gettext("Could not mark “%(object)s”: %(error)s"),
        )


@admin.register(m.CaseStudy)
class CaseStudyAdmin(RefreshDerivedMixin, CachedChoicesMixin, PartWriteMixin, HistoryAdmin):
    list_display = ["title", "provider", "year"]
    list_select_related = ["provider"]
    search_fields = ["title", "provider__name"]
    raw_id_fields = ["provider"]
