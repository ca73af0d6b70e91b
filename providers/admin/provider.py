"""The listing's admin page: its fields, its parts inline, the vetting decisions.

Status and verification are read-only here; they change only through the
actions, which call `providers.services.vetting`. Saves go through the services
the dashboard uses: the listing's version is claimed with `lock_version`
(compare-and-set; the form refuses to overwrite a listing someone else saved
since it was opened), a new logo passes the upload checks of
`providers.uploads` and is set with `provider_set_logo`, every history row gets
a reason, and derived data is refreshed. The history page is one timeline of the
listing and its parts (`providers.admin.history`).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from impactdir.ids import parse_id
from providers import models as m
from providers import uploads
from providers.models.dates import months_before
from providers.models.provider import confirmed_before_q
from providers.services.access import lock_version
from providers.services.catalogue import provider_refresh_derived
from providers.services.files import files_of_providers, files_release
from providers.services.parts import provider_remove_logo, provider_set_logo
from providers.services.vetting import (
    changes_approve,
    changes_reject,
    listing_approve,
    listing_reinstate,
    listing_reject,
    listing_suspend,
    listing_verify,
)

from .history import timeline_page
from .imports import ProviderImportMixin
from .mixins import (
    BOTH_LOCATIONS,
    EMPTY,
    DecisionActionsMixin,
    HistoryAdmin,
    admin_change_reason,
)
from .parts import (
    CaseStudyInline,
    CertificationHoldingInline,
    DeliveryCentreInline,
    ImpactReportInline,
    ProviderServiceInline,
)
from .pending_changes import pending_change_values_table
from .team import MembershipInline


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


class ConfirmationListFilter(admin.SimpleListFilter):
    """Listings by when their provider last confirmed them: the re-attestation queue.

    Counted as the public mark counts (`Provider.confirmed_on`): a listing never
    confirmed counts from its first publication, or its creation.
    """

    title = _("last confirmed by the provider")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [
            ("over-24", _("Over 24 months ago (marked on the site)")),
            ("over-12", _("Over 12 months ago")),
            ("never", _("Never")),
        ]

    @staticmethod
    def _condition(value):
        today = timezone.localdate()
        if value == "never":
            return Q(assured_date__isnull=True)
        months = 24 if value == "over-24" else 12
        cutoff = months_before(today, months)
        return confirmed_before_q(cutoff)

    def queryset(self, request, queryset):
        if self.value() in ("over-24", "over-12", "never"):
            return queryset.filter(self._condition(self.value()))
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": Count(pk_attname, filter=self._condition(value))
            for i, (value, _label) in enumerate(self.lookup_choices)
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


class ProviderAdminForm(forms.ModelForm):
    """Refuses to overwrite a listing someone else saved since this form was opened.

    A new logo is checked and re-encoded as the dashboard's are (`providers.uploads`).
    """

    # No Meta: ProviderAdmin builds the form's fields from its fieldsets.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_logo = forms.FileField(
        label=_("Replace the logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP. Checked and re-encoded as uploads from the dashboard are."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    change_reason = forms.CharField(
        label=_("Why (kept in the history)"),
        required=False,
        max_length=500,
        help_text=_("Optional. Shown in the listing's history beside your name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean_new_logo(self):
        upload = self.cleaned_data.get("new_logo")
        return uploads.logo_clean(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Admin validates and saves in one transaction: with the row locked, a
            # second operator's save waits for the first and then sees its version.
            current = (
                m.Provider.objects.select_for_update()
                .filter(pk=self.instance.pk)
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
class ProviderAdmin(ProviderImportMixin, DecisionActionsMixin, HistoryAdmin):
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
    list_display = ["name", "status", "hq_country", "is_verified", "assured_date", "updated_at"]
    list_filter = [
        "status",
        ChangesListFilter,
        VerifiedListFilter,
        ConfirmationListFilter,
        HqCountryListFilter,
        "legal_form",
        "provider_type",
    ]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["name", "slug", "org_number"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = [
        "pricing_models",
        "delivery_modes",
        "industries",
        "languages",
        "listing_languages",
        "markets",
        "partnerships_offered",
        "partnerships_sought",
    ]
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
                    "new_logo",
                    "remove_logo",
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
                    ("provider_type", "parent_company"),
                    ("org_registry", "org_number"),
                    "workforce",
                ]
            },
        ),
        (
            _("What it offers"),
            {
                "fields": [
                    "pricing_models",
                    "delivery_modes",
                    "industries",
                    "languages",
                    "listing_languages",
                    "markets",
                ]
            },
        ),
        (
            _("Partnerships with other providers"),
            {"fields": ["partnerships_offered", "partnerships_sought"]},
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
        (None, {"fields": ["change_reason"]}),
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
        obj._change_reason = admin_change_reason(form.cleaned_data.get("change_reason"))
        if change:
            # The same compare-and-set as every dashboard edit (the form checked the
            # version under a row lock; this claims the next one).
            lock_version(obj, form.cleaned_data["expected_version"])
        super().save_model(request, obj, form, change)
        logo = form.cleaned_data.get("new_logo")
        if logo is not None:
            name = uploads.logo_store(logo)
            try:
                provider_set_logo(
                    provider=obj, user=request.user, version=obj.version, logo_name=name
                )
            except BaseException:
                uploads.logo_discard(name)
                raise
        elif form.cleaned_data.get("remove_logo") and obj.logo:
            provider_remove_logo(provider=obj, user=request.user, version=obj.version)

    def save_formset(self, request, form, formset, change):
        # The parts saved inline get the same reason in their history as the listing.
        reason = admin_change_reason(form.cleaned_data.get("change_reason"))
        for inline_form in formset.forms:
            inline_form.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        provider_refresh_derived(provider=form.instance)

    def history_view(self, request, object_id, extra_context=None):
        """One timeline of the listing and all of its parts, newest first."""
        request.current_app = self.admin_site.name
        pk = parse_id(unquote(object_id))
        obj = self.get_queryset(request).filter(pk=pk).first() if pk else None
        if obj is None:
            record = m.Provider.history.filter(id=pk).order_by("-history_date").first()
            if record is None:
                raise Http404
            obj = record.instance
        if not self.has_view_history_or_change_history_permission(request, obj):
            raise PermissionDenied
        paginator, page = timeline_page(obj.pk, request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History of %(name)s") % {"name": obj.name},
            "object_history_list_template": "admin/providers/provider/timeline.html",
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": "p",
            "pagination_required": paginator.num_pages > 1,
            "module_name": str(self.model._meta.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "revert_disabled": True,
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_template, context)

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
