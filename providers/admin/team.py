"""Who may edit a listing: memberships, claims (decided here) and owners' invitations."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from providers import models as m
from providers.services.vetting import claim_approve, claim_reject

from .mixins import BOTH_LOCATIONS, DecisionActionsMixin, HistoryAdmin, LabelledRowsMixin


class MembershipInline(LabelledRowsMixin, admin.TabularInline):
    model = m.Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider", "user")


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
