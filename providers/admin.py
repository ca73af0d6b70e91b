"""Django admin for directory operators: vetting listings and claims, the taxonomies.

Listing and claim decisions (approve, reject, suspend, reinstate, verify, and
approve or reject a published listing's changes to vetted facts) are admin
actions that call `providers.services.vetting`; the status and verification
fields are read-only in the forms so no decision bypasses those services (their
checks, history reasons and e-mails). Whenever a provider's parts change here,
its derived search data is refreshed.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.fields.files import FieldFile
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from simple_history.admin import SimpleHistoryAdmin

from impactdir.ids import parse_id
from providers import models as m
from providers.evidence import change_evidence_url, item_evidence_url
from providers.services.catalogue import provider_refresh_derived
from providers.services.files import files_of_providers, files_release
from providers.services.listings import CERTIFICATION_FIELDS, REPORT_FIELDS
from providers.services.vetting import (
    certification_holding_set_verification,
    changes_approve,
    changes_reject,
    claim_approve,
    claim_reject,
    listing_approve,
    listing_reinstate,
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


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with our history table, which has no inline style for the CSP."""

    object_history_list_template = "admin/history_list.html"


class EvidenceLinkMixin:
    """Evidence is shown as a download link (served by `providers.evidence`), never uploaded
    here: files reach storage only through the checks of `providers.uploads`. Deleting a
    row here deletes its evidence too, once nothing else needs it."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        files_release(evidence=[obj.evidence.name])

    def delete_queryset(self, request, queryset):
        names = list(queryset.values_list("evidence", flat=True))
        super().delete_queryset(request, queryset)
        files_release(evidence=names)

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj):
        if obj is None or not obj.pk or not obj.evidence:
            return EMPTY
        # Naming the file lets a history page open the version it shows.
        url = item_evidence_url(obj, file=obj.evidence.name)
        return format_html('<a href="{}">{}</a>', url, gettext("download"))


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
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            if parse_id(value) is None:
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
# Changes to vetted facts (shown on providers and in their own admin)
# --------------------------------------------------------------------------

#: The model and the proposable fields each kind of change touches.
CHANGE_TARGETS = {
    m.PendingChangeKind.PROFILE: (m.Provider, ("name", "org_registry", "org_number")),
    m.PendingChangeKind.CERTIFICATION: (m.CertificationHolding, CERTIFICATION_FIELDS),
    m.PendingChangeKind.REPORT: (m.ImpactReport, REPORT_FIELDS),
}
EMPTY = "—"


def _readable(model, name: str, value) -> str:
    """A live or proposed value (proposals hold their JSON form) as an operator reads it."""
    if isinstance(value, FieldFile):
        value = value.name
    if value is None or value == "":
        return EMPTY
    field = model._meta.get_field(name)
    if field.many_to_one:
        pk = getattr(value, "pk", value)
        related = field.related_model._default_manager.filter(pk=pk).first()
        return str(related) if related is not None else gettext("(no longer exists)")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str):
        try:
            value = field.to_python(value)
        except ValidationError:
            return value
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(formats.localize(value))


def pending_change_target(change: m.PendingChange):
    """The live row a change edits or removes (None when it adds one or the row is gone)."""
    if change.kind == m.PendingChangeKind.PROFILE:
        return change.provider
    if change.target_id is None:
        return None
    model, _fields = CHANGE_TARGETS[change.kind]
    return model._default_manager.filter(
        provider_id=change.provider_id, pk=change.target_id
    ).first()


def pending_change_rows(change: m.PendingChange) -> list[tuple[str, str, str]]:
    """(what, live now, proposed) for each fact the change touches, as readable text."""
    model, names = CHANGE_TARGETS[change.kind]
    target = pending_change_target(change)
    removing = change.action == m.PendingChangeAction.DELETE
    if removing:
        names = [n for n in names if target is not None and getattr(target, n) not in (None, "")]
    else:
        names = [n for n in names if n in change.data]
    rows = []
    for name in names:
        field = model._meta.get_field(name)
        live = _readable(model, name, getattr(target, field.attname)) if target else EMPTY
        proposed = gettext("(removed)") if removing else _readable(model, name, change.data[name])
        if name == "evidence":
            live, proposed = _evidence_links(change, target, removing)
        rows.append((str(field.verbose_name).capitalize(), live, proposed))
    if change.kind == m.PendingChangeKind.REPORT:
        rows += _group_rows(change, target, removing)
    return rows


def _evidence_links(change, target, removing) -> tuple[str, str]:
    """Download links to the live and the proposed evidence, so the operator can compare."""
    download = gettext("download")
    live = EMPTY
    if target is not None and target.evidence:
        live = format_html('<a href="{}">{}</a>', item_evidence_url(target), download)
    if removing:
        return live, gettext("(removed)")
    if not change.data.get("evidence"):
        return live, EMPTY
    return live, format_html('<a href="{}">{}</a>', change_evidence_url(change), download)


def _group_rows(change, report, removing) -> list[tuple[str, str, str]]:
    live = {}
    if report is not None:
        live = {g.target_group_id: g.workers for g in report.groups.all()}
    proposed = {} if removing else {int(k): v for k, v in change.data.get("groups", {}).items()}
    names = dict(m.TargetGroup.objects.filter(pk__in={*live, *proposed}).values_list("pk", "name"))

    def shown(counts, group_id):
        value = counts.get(group_id, EMPTY)
        return EMPTY if value is None else str(value)

    rows = []
    for group_id in sorted({*live, *proposed}, key=lambda pk: names.get(pk, "")):
        label = gettext("Impact workers from “%(group)s”") % {
            "group": names.get(group_id, gettext("(no longer exists)"))
        }
        proposed_text = gettext("(removed)") if removing else shown(proposed, group_id)
        if shown(live, group_id) != proposed_text:
            rows.append((label, shown(live, group_id), proposed_text))
    return rows


def pending_change_fields(change: m.PendingChange) -> str:
    """The facts a change touches, by name, without reading the live rows (for lists)."""
    if change.action == m.PendingChangeAction.DELETE:
        return gettext("the whole item")
    model, names = CHANGE_TARGETS[change.kind]
    labels = [str(model._meta.get_field(n).verbose_name) for n in names if n in change.data]
    if change.data.get("groups"):
        labels.append(gettext("target-group counts"))
    return ", ".join(labels) or EMPTY


class ChangesListFilter(admin.SimpleListFilter):
    """Listings by their changes to vetted facts: the changes queue."""

    title = _("changes to vetted facts")
    parameter_name = "changes"

    def lookups(self, request, model_admin):
        return [("submitted", _("Sent for review")), ("unsent", _("Not sent yet"))]

    @staticmethod
    def _condition(value):
        changes = m.PendingChange.objects.open().filter(provider=OuterRef("pk"))
        if value == "submitted":
            return Q(Exists(changes.filter(submitted_at__isnull=False)))
        return Q(Exists(changes.filter(submitted_at__isnull=True)))

    def queryset(self, request, queryset):
        if self.value() in ("submitted", "unsent"):
            return queryset.filter(self._condition(self.value()))
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": Count(pk_attname, filter=self._condition(value))
            for i, (value, _label) in enumerate(self.lookup_choices)
        }


def pending_change_values_table(change: m.PendingChange) -> str:
    """The facts a change touches as a table: live now and proposed, side by side."""
    rows = pending_change_rows(change)
    if not rows:
        return EMPTY
    return format_html(
        '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
        gettext("Fact"),
        gettext("Live now"),
        gettext("Proposed"),
        format_html_join("", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>', rows),
    )


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
class ProviderAdmin(DecisionActionsMixin, HistoryAdmin):
    # Deleting listings here deletes their logos and evidence once nothing needs them.
    def delete_model(self, request, obj):
        logos, evidence = files_of_providers(m.Provider.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)
        files_release(logos=logos, evidence=evidence)

    def delete_queryset(self, request, queryset):
        logos, evidence = files_of_providers(queryset)
        super().delete_queryset(request, queryset)
        files_release(logos=logos, evidence=evidence)

    form = ProviderAdminForm
    list_display = ["name", "status", "hq_country", "is_verified", "updated_at"]
    list_filter = [
        "status",
        ChangesListFilter,
        VerifiedListFilter,
        HqCountryListFilter,
        "legal_form",
    ]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["name", "slug", "org_number"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["pricing_models", "delivery_modes", "industries", "languages", "markets"]
    readonly_fields = [
        # Logos reach storage only through the dashboard's checks (providers.uploads).
        "logo",
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
        "changes_waiting",
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
                    "changes_waiting",
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
    actions = [
        "approve_listings",
        "reject_listings",
        "suspend_listings",
        "reinstate_listings",
        "verify_listings",
        "approve_changes",
        "reject_changes",
    ]
    _service_arg = "provider"

    def get_ordering(self, request):
        # The review queues are worked oldest first.
        if request.GET.get("status__exact") == m.ListingStatus.SUBMITTED:
            return ["updated_at", "id"]
        if request.GET.get("changes") == "submitted":
            first_sent = (
                m.PendingChange.objects.submitted()
                .filter(provider=OuterRef("pk"))
                .order_by("submitted_at")
                .values("submitted_at")[:1]
            )
            return [Subquery(first_sent).asc(), "id"]
        return super().get_ordering(request)

    @admin.display(description=_("changes to vetted facts waiting for approval"))
    def changes_waiting(self, obj):
        """Each open change with its values, so the operator decides on this page."""
        if obj is None or obj.pk is None:
            return EMPTY
        changes = list(
            m.PendingChange.objects.open()
            .filter(provider=obj)
            .select_related("provider", "proposed_by")
        )
        if not changes:
            return gettext("None.")
        items = []
        for change in changes:
            if change.submitted_at:
                sent = gettext("sent for review %(when)s") % {
                    "when": formats.localize(timezone.localtime(change.submitted_at))
                }
            else:
                sent = gettext("not sent for review yet")
            items.append(
                (
                    reverse("admin:providers_pendingchange_change", args=[change.pk]),
                    f"{change.get_action_display()}: {change.get_kind_display()}",
                    change.proposed_by or EMPTY,
                    sent,
                    pending_change_values_table(change),
                )
            )
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({}, {}){}</li>',
                items,
            ),
        )

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
        description=_("Reinstate selected suspended listings"),
    )
    def reinstate_listings(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset,
            service=listing_reinstate,
            argument="note",
            title=gettext("Reinstate listings"),
            label=gettext("Note"),
            help_text=gettext(
                "Optional. The provider's members receive it by e-mail. Changes to vetted "
                "facts made while it was suspended stay in the queue for review."
            ),
            required=False,
            done=gettext("Reinstated “%(object)s”: it is public again."),
            failed=gettext("Could not reinstate “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Approve pending changes of selected listings"),
    )
    def approve_changes(self, request, queryset):
        self._apply(
            request,
            queryset,
            service=changes_approve,
            kwargs={},
            done=gettext("Approved and applied the changes to “%(object)s”."),
            failed=gettext("Could not approve the changes to “%(object)s”: %(error)s"),
        )

    @admin.action(
        location=BOTH_LOCATIONS,
        permissions=["change"],
        description=_("Reject pending changes of selected listings (with a reason)"),
    )
    def reject_changes(self, request, queryset):
        return self._decide_with_text(
            request,
            queryset,
            service=changes_reject,
            argument="reason",
            title=gettext("Reject pending changes"),
            label=gettext("Reason"),
            help_text=gettext(
                "Required. The published listing stays as it is; the provider's members "
                "receive the reason by e-mail."
            ),
            required=True,
            required_message=gettext("Give a reason: the provider will read it."),
            done=gettext("Rejected the changes to “%(object)s”."),
            failed=gettext("Could not reject the changes to “%(object)s”: %(error)s"),
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
class ProviderServiceAdmin(RefreshDerivedMixin, CachedChoicesMixin, HistoryAdmin):
    list_display = ["provider", "service", "voice"]
    list_filter = ["voice"]
    list_select_related = ["provider", "service", "service__parent"]
    search_fields = ["provider__name", "service__name"]
    raw_id_fields = ["provider"]


@admin.register(m.DeliveryCentre)
class DeliveryCentreAdmin(CachedChoicesMixin, HistoryAdmin):
    list_display = ["provider", "country", "city", "headcount", "impact_workers"]
    list_select_related = ["provider"]
    search_fields = ["provider__name", "city"]
    raw_id_fields = ["provider"]


@admin.register(m.CertificationHolding)
class CertificationHoldingAdmin(
    EvidenceLinkMixin, DecisionActionsMixin, CachedChoicesMixin, HistoryAdmin
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
class ImpactReportAdmin(EvidenceLinkMixin, RefreshDerivedMixin, HistoryAdmin):
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
class CaseStudyAdmin(RefreshDerivedMixin, CachedChoicesMixin, HistoryAdmin):
    list_display = ["title", "provider", "year"]
    list_select_related = ["provider"]
    search_fields = ["title", "provider__name"]
    raw_id_fields = ["provider"]


@admin.register(m.Membership)
class MembershipAdmin(HistoryAdmin):
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
class ClaimAdmin(DecisionActionsMixin, HistoryAdmin):
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


class SentForReviewListFilter(admin.SimpleListFilter):
    title = _("sent for review")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("yes", _("Sent")), ("no", _("Not sent yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(submitted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(submitted_at__isnull=True)
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            "0__c": Count(pk_attname, filter=Q(submitted_at__isnull=False)),
            "1__c": Count(pk_attname, filter=Q(submitted_at__isnull=True)),
        }


@admin.register(m.PendingChange)
class PendingChangeAdmin(HistoryAdmin):
    """Proposed changes to vetted facts, read-only: operators decide them on the listing."""

    list_display = [
        "provider",
        "kind",
        "action",
        "fields_changed",
        "status",
        "proposed_by",
        "created_at",
        "submitted_at",
        "decided_at",
    ]
    list_filter = ["status", SentForReviewListFilter, "kind"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider", "proposed_by"]
    search_fields = ["provider__name", "proposed_by__email"]
    fields = [
        "listing",
        "kind",
        "action",
        "item",
        "values",
        "proposed_by",
        "created_at",
        "submitted_at",
        "status",
        "decided_at",
        "reason",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "proposed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Deciding goes through the listing's actions; nothing here is edited by hand.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("facts"))
    def fields_changed(self, obj):
        return pending_change_fields(obj)

    @admin.display(description=_("listing"))
    def listing(self, obj):
        url = reverse("admin:providers_provider_change", args=[obj.provider_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            obj.provider.name,
            gettext("approve or reject its changes with the actions on its page"),
        )

    @admin.display(description=_("item"))
    def item(self, obj):
        if obj.kind == m.PendingChangeKind.PROFILE:
            return gettext("The listing's own facts")
        target = pending_change_target(obj)
        if target is None:
            if obj.action == m.PendingChangeAction.CREATE and obj.target_id is None:
                return gettext("A new item")
            return gettext("(no longer exists)")
        model = type(target)._meta
        url = reverse(f"admin:{model.app_label}_{model.model_name}_change", args=[target.pk])
        return format_html('<a href="{}">{}</a>', url, target)

    @admin.display(description=_("values"))
    def values(self, obj):
        return pending_change_values_table(obj)


class InvitationStateListFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("accepted", _("Accepted")), ("expired", _("Expired"))]

    def _condition(self, value):
        now = timezone.now()
        return {
            "open": Q(accepted_at__isnull=True, expires_at__gt=now),
            "accepted": Q(accepted_at__isnull=False),
            "expired": Q(accepted_at__isnull=True, expires_at__lte=now),
        }[value]

    def queryset(self, request, queryset):
        if self.value() in ("open", "accepted", "expired"):
            return queryset.filter(self._condition(self.value()))
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": Count(pk_attname, filter=self._condition(value))
            for i, (value, _label) in enumerate(self.lookup_choices)
        }


@admin.register(m.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Owners' invitations to colleagues, read-only (the token is never shown)."""

    list_display = [
        "email",
        "provider",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]
    list_filter = [InvitationStateListFilter, "role"]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["provider", "invited_by", "accepted_by"]
    search_fields = ["email", "provider__name"]
    fields = [
        "provider",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        if (parent := parse_id(value)) is not None:
            return queryset.filter(parent_id=parent)
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
