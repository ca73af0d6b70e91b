"""Django admin for directory operators: vetting listings and claims, the taxonomies.

Listing and claim decisions (approve, reject, suspend, verify) are admin
actions that call `providers.services.vetting`; the status and verification
fields are read-only in the forms so no decision bypasses those services (their
checks, history reasons and e-mails). Whenever a provider's parts change here,
its derived search data is refreshed.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from simple_history.admin import SimpleHistoryAdmin

from providers import models as m
from providers.services.catalogue import provider_refresh_derived
from providers.services.vetting import (
    certification_holding_set_verification,
    claim_approve,
    claim_reject,
    listing_approve,
    listing_reject,
    listing_suspend,
    listing_verify,
)

# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------

#: Decisions are offered on the list (several at once) and on an object's own
#: page, where the operator has just reviewed it.
BOTH_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
#: The name the action field has in a change form's action form.
CHANGE_FORM_ACTION = f"{admin.ActionLocation.CHANGE_FORM.value}-action"


class CachedChoicesMixin:
    """Build each related field's choices once per request, not once per inline row.

    A change page with 20 inline rows would otherwise run the same choices
    query 20 times. Validation still goes through the field's queryset.
    """

    def _cached_choices(self, request, db_field, formfield):
        # The model form applies `limit_choices_to` only after this hook, and
        # only to validation once choices are fixed; apply it to the list too.
        limit = db_field.get_limit_choices_to()
        if limit:
            formfield.queryset = formfield.queryset.complex_filter(limit)
        cache = request.__dict__.setdefault("_admin_choices_cache", {})
        key = (type(self).__name__, db_field.name)
        if key not in cache:
            cache[key] = list(formfield.choices)
        formfield.choices = cache[key]
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is m.Service and "queryset" not in kwargs:
            # A service's label names its category.
            kwargs["queryset"] = m.Service.objects.select_related("parent")
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and db_field.name not in getattr(self, "raw_id_fields", ()):
            formfield = self._cached_choices(request, db_field, formfield)
        return formfield

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None:
            formfield = self._cached_choices(request, db_field, formfield)
        return formfield


class DecisionForm(forms.Form):
    """The text an operator gives with a decision (a reason or what was checked)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 60}), strip=True)

    def __init__(self, *args, label, help_text, required, required_message="", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label = label
        field.help_text = help_text
        field.required = required
        if required_message:
            field.error_messages["required"] = required_message


class DecisionActionsMixin:
    """Run a vetting service on each selected object and report each outcome."""

    decision_template = "admin/providers/decision_form.html"

    def response_action(self, request, queryset, **kwargs):
        # Django's admin would fail with a server error on a selection that is
        # not a primary key (a hand-made or damaged POST); refuse it instead.
        pk_field = self.model._meta.pk
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                pk_field.to_python(value)
            except ValidationError:
                self.message_user(
                    request,
                    gettext("The selection was not understood, so nothing was changed."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, **kwargs)

    def _apply(self, request, queryset, *, service, kwargs, done, failed):
        """Decide each object on its own: one refusal does not stop the others."""
        for obj in queryset:
            try:
                service(by=request.user, **{self._service_arg: obj}, **kwargs)
            except ValidationError as error:
                self.message_user(
                    request,
                    failed % {"object": obj, "error": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                self.message_user(request, done % {"object": obj}, messages.SUCCESS)

    def _decide_with_text(
        self,
        request,
        queryset,
        *,
        service,
        argument,
        title,
        label,
        help_text,
        required,
        done,
        failed,
        required_message="",
    ):
        """Ask for the decision's text on an intermediate page, then apply it.

        The first POST (from the changelist) shows the form; the form posts back
        the same action and selection with `apply`. Without the required text
        the form is shown again with the error and nothing changes.
        """
        form_kwargs = {
            "label": label,
            "help_text": help_text,
            "required": required,
            "required_message": required_message,
        }
        if "apply" in request.POST:
            form = DecisionForm(request.POST, **form_kwargs)
            if form.is_valid():
                self._apply(
                    request,
                    queryset,
                    service=service,
                    kwargs={argument: form.cleaned_data["text"]},
                    done=done,
                    failed=failed,
                )
                return None
        else:
            form = DecisionForm(**form_kwargs)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "form": form,
            "objects": list(queryset),
            # Post back to the same page (list or object) under the field name
            # its action form uses.
            "action_field": CHANGE_FORM_ACTION if CHANGE_FORM_ACTION in request.POST else "action",
            "action_name": request.POST.get(CHANGE_FORM_ACTION) or request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_label": title,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.decision_template, context)


class RefreshDerivedMixin:
    """After a provider's part is saved or deleted here, refresh the provider's derived data."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        provider_refresh_derived(provider=form.instance.provider)

    def delete_model(self, request, obj):
        provider = obj.provider
        super().delete_model(request, obj)
        provider_refresh_derived(provider=provider)

    def delete_queryset(self, request, queryset):
        providers = {obj.provider for obj in queryset.select_related("provider")}
        super().delete_queryset(request, queryset)
        for provider in providers:
            provider_refresh_derived(provider=provider)


# --------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------


class VerifiedListFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Not verified"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        # Plain conditions instead of the default `pk IN (subquery)` per option.
        return {
            "0__c": Count(pk_attname, filter=Q(verified_at__isnull=False)),
            "1__c": Count(pk_attname, filter=Q(verified_at__isnull=True)),
        }


class HqCountryListFilter(admin.SimpleListFilter):
    """Headquarters countries that occur, by name (not all 250 of the field's choices)."""

    title = _("headquarters country")
    parameter_name = "hq_country"

    def lookups(self, request, model_admin):
        # The changelist builds its filters several times per request (once per
        # facet); read the countries in use once.
        cache = request.__dict__.setdefault("_admin_hq_countries", {})
        if "codes" not in cache:
            cache["codes"] = set(
                m.Provider.objects.order_by()
                .exclude(hq_country="")
                .values_list("hq_country", flat=True)
                .distinct()
            )
        names = dict(countries)
        return sorted(
            ((code, names.get(code, code)) for code in cache["codes"]), key=lambda c: c[1]
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(hq_country=self.value())
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": Count(pk_attname, filter=Q(hq_country=code))
            for i, (code, _name) in enumerate(self.lookup_choices)
        }


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


class CertificationHoldingInline(CachedChoicesMixin, admin.TabularInline):
    model = m.CertificationHolding
    fields = [
        "certification",
        "scope",
        "certificate_number",
        "issued_on",
        "expires_on",
        "evidence",
        "verification",
    ]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "certification")


class ImpactReportInline(admin.StackedInline):
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
        "evidence",
        "is_latest",
    ]
    readonly_fields = ["is_latest"]
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


class MembershipInline(admin.TabularInline):
    model = m.Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "user")


class ProviderAdminForm(forms.ModelForm):
    """Refuses to overwrite a listing someone else saved since this form was opened."""

    # No Meta: ProviderAdmin builds the form's fields from its fieldsets.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = (
                m.Provider.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("expected_version") != current:
                raise ValidationError(
                    _(
                        "Someone else changed this listing while you were editing it. "
                        "Open it again to see their changes, then redo yours."
                    ),
                    code="stale",
                )
        return cleaned


@admin.register(m.Provider)
class ProviderAdmin(DecisionActionsMixin, SimpleHistoryAdmin):
    form = ProviderAdminForm
    list_display = ["name", "status", "hq_country", "is_verified", "updated_at"]
    list_filter = ["status", VerifiedListFilter, HqCountryListFilter, "legal_form"]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["name", "slug", "org_number"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["pricing_models", "delivery_modes", "industries", "languages", "markets"]
    readonly_fields = [
        "status",
        "rejection_reason",
        "published_at",
        "verified_at",
        "verified_by",
        "verification_notes",
        "impact_share",
        "version",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "tagline",
                    "description",
                    "website",
                    "logo",
                    "expected_version",
                ]
            },
        ),
        (
            _("Organisation"),
            {
                "fields": [
                    ("hq_country", "founded_year"),
                    "legal_form",
                    ("org_registry", "org_number"),
                    "workforce",
                ]
            },
        ),
        (
            _("What it offers"),
            {"fields": ["pricing_models", "delivery_modes", "industries", "languages", "markets"]},
        ),
        (_("Contact"), {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        (
            _("Vetting"),
            {
                "description": _(
                    "Status and verification change only through the actions on the list "
                    "of providers, so every decision is recorded and the provider is told."
                ),
                "fields": [
                    ("status", "published_at"),
                    "rejection_reason",
                    ("verified_at", "verified_by"),
                    "verification_notes",
                    "assured_date",
                ],
            },
        ),
        (
            _("Record"),
            {"fields": [("created_at", "updated_at"), "version", "impact_share"]},
        ),
    ]
    inlines = [
        ProviderServiceInline,
        DeliveryCentreInline,
        CertificationHoldingInline,
        ImpactReportInline,
        CaseStudyInline,
        MembershipInline,
    ]
    actions = ["approve_listings", "reject_listings", "suspend_listings", "verify_listings"]
    _service_arg = "provider"

    def get_ordering(self, request):
        # The review queue is worked oldest first.
        if request.GET.get("status__exact") == m.ListingStatus.SUBMITTED:
            return ["updated_at", "id"]
        return super().get_ordering(request)

    @admin.display(boolean=True, description=_("verified"), ordering="verified_at")
    def is_verified(self, obj):
        return obj.verified_at is not None

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        provider_refresh_derived(provider=form.instance)

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Approve and publish selected listings"),
    )
    def approve_listings(self, request, queryset):
        self._apply(
            request,
            queryset,
            service=listing_approve,
            kwargs={},
            done=gettext("Approved and published “%(object)s”."),
            failed=gettext("Could not approve “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Reject selected listings (with a reason)"),
    )
    def reject_listings(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset,
            service=listing_reject,
            argument="reason",
            title=gettext("Reject listings"),
            label=gettext("Reason"),
            help_text=gettext("Required. The provider's members receive it by e-mail."),
            required=True,
            required_message=gettext("Give a reason: the provider will read it."),
            done=gettext("Rejected “%(object)s”."),
            failed=gettext("Could not reject “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS, permissions=["change"], description=_("Suspend selected listings")
    )
    def suspend_listings(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset,
            service=listing_suspend,
            argument="reason",
            title=gettext("Suspend listings"),
            label=gettext("Reason"),
            help_text=gettext("Optional. The provider's members receive it by e-mail."),
            required=False,
            done=gettext("Suspended “%(object)s”."),
            failed=gettext("Could not suspend “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Mark selected listings verified"),
    )
    def verify_listings(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset,
            service=listing_verify,
            argument="notes",
            title=gettext("Mark listings verified"),
            label=gettext("What was checked"),
            help_text=gettext(
                "Required. For example: registry entry, certificates, impact evidence."
            ),
            required=True,
            required_message=gettext("Say what was checked."),
            done=gettext("Marked “%(object)s” verified."),
            failed=gettext("Could not verify “%(object)s”: %(error)s"),
        )


@admin.register(m.ProviderService)
class ProviderServiceAdmin(RefreshDerivedMixin, CachedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["provider", "service", "voice"]
    list_filter = ["voice"]
    list_select_related = ["provider", "service", "service__parent"]
    search_fields = ["provider__name", "service__name"]
    raw_id_fields = ["provider"]


@admin.register(m.DeliveryCentre)
class DeliveryCentreAdmin(CachedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["provider", "country", "city", "headcount", "impact_workers"]
    list_select_related = ["provider"]
    search_fields = ["provider__name", "city"]
    raw_id_fields = ["provider"]


@admin.register(m.CertificationHolding)
class CertificationHoldingAdmin(DecisionActionsMixin, CachedChoicesMixin, SimpleHistoryAdmin):
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
class ImpactReportAdmin(RefreshDerivedMixin, SimpleHistoryAdmin):
    list_display = ["provider", "period_start", "period_end", "provenance", "is_latest"]
    list_filter = ["provenance", "is_latest"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider"]
    search_fields = ["provider__name"]
    raw_id_fields = ["provider"]
    readonly_fields = ["is_latest", "created_at"]
    inlines = [ImpactReportGroupInline]


@admin.register(m.CaseStudy)
class CaseStudyAdmin(RefreshDerivedMixin, CachedChoicesMixin, SimpleHistoryAdmin):
    list_display = ["title", "provider", "year"]
    list_select_related = ["provider"]
    search_fields = ["title", "provider__name"]
    raw_id_fields = ["provider"]


@admin.register(m.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "provider", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "provider"]
    search_fields = ["user__email", "provider__name"]
    raw_id_fields = ["user", "provider"]


class ClaimStatusListFilter(admin.SimpleListFilter):
    """Status, with "waiting for review" first: the claims queue."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(m.ClaimStatus.choices)

    def queryset(self, request, queryset):
        if self.value() in m.ClaimStatus.values:
            return queryset.filter(status=self.value())
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": Count(pk_attname, filter=Q(status=value))
            for i, (value, _label) in enumerate(self.lookup_choices)
        }


@admin.register(m.Claim)
class ClaimAdmin(DecisionActionsMixin, SimpleHistoryAdmin):
    list_display = ["provider", "user", "status", "created_at", "decided_by", "decided_at"]
    list_filter = [ClaimStatusListFilter]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider", "user", "decided_by"]
    search_fields = ["provider__name", "user__email"]
    fields = [
        "provider",
        "user",
        "message",
        "status",
        "reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["approve_claims", "reject_claims"]
    _service_arg = "claim"

    def has_add_permission(self, request):
        # Claims come from the people claiming; operators only decide them.
        return False

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Approve selected claims (claimant becomes owner)"),
    )
    def approve_claims(self, request, queryset):
        self._apply(
            request,
            queryset.select_related("provider", "user"),
            service=claim_approve,
            kwargs={},
            done=gettext("Approved the claim “%(object)s”."),
            failed=gettext("Could not approve the claim “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Reject selected claims (with a reason)"),
    )
    def reject_claims(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset.select_related("provider", "user"),
            service=claim_reject,
            argument="reason",
            title=gettext("Reject claims"),
            label=gettext("Reason"),
            help_text=gettext("Required. The claimant receives it by e-mail."),
            required=True,
            required_message=gettext("Give a reason: the claimant will read it."),
            done=gettext("Rejected the claim “%(object)s”."),
            failed=gettext("Could not reject the claim “%(object)s”: %(error)s"),
        )


# --------------------------------------------------------------------------
# Taxonomies
# --------------------------------------------------------------------------


class ServiceCategoryListFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [
            ("none", _("Categories themselves")),
            *(
                (str(pk), name)
                for pk, name in m.Service.objects.categories().values_list("pk", "name")
            ),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(parent__isnull=True)
        if value and value.isdigit():
            return queryset.filter(parent_id=int(value))
        return queryset


class ServiceChildInline(admin.TabularInline):
    model = m.Service
    fk_name = "parent"
    fields = ["name", "slug", "position"]
    extra = 0
    verbose_name = _("service in this category")
    verbose_name_plural = _("services in this category")


@admin.register(m.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position"]
    list_filter = [ServiceCategoryListFilter]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceChildInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Two levels only: a service's parent is a category.
            kwargs["queryset"] = m.Service.objects.categories()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegionCountryInline(admin.TabularInline):
    model = m.RegionCountry
    fields = ["country"]
    extra = 0


@admin.register(m.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "m49_code", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "m49_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RegionCountryInline]


@admin.register(m.Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "issuer"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "issuer"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(m.Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.PricingModel)
class PricingModelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(m.DeliveryMode)
class DeliveryModeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
