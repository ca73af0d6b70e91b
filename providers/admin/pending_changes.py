"""Changes to vetted facts as an operator reads them: live value beside the proposed one.

`pending_change_values_table` is shown on the listing's admin page, where the
operator approves or rejects its changes; `PendingChangeAdmin` lists every
proposal, read-only.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from providers import models as m
from providers.evidence import change_evidence_url, item_evidence_url
from providers.services.parts import CERTIFICATION_FIELDS, REPORT_FIELDS, VETTED_PROFILE_FIELDS

from .mixins import EMPTY, HistoryAdmin

#: The model and the proposable fields each kind of change touches.
CHANGE_TARGETS = {
    m.PendingChangeKind.PROFILE: (m.Provider, VETTED_PROFILE_FIELDS),
    m.PendingChangeKind.CERTIFICATION: (m.CertificationHolding, CERTIFICATION_FIELDS),
    m.PendingChangeKind.REPORT: (m.ImpactReport, REPORT_FIELDS),
}


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
    names = {
        pk: m.translated(name)
        for pk, name in m.TargetGroup.objects.filter(pk__in={*live, *proposed}).values_list(
            "pk", "name"
        )
    }

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
