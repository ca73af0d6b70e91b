"""A listing's history in admin: one timeline of the listing and all of its parts.

Every write to a listing or a part is recorded by django-simple-history, model by
model. `listing_timeline` reads the historical rows of the listing, its services
offered, delivery centres, certifications held, impact reports (with their
target-group counts), case studies, memberships, claims, invitations and pending
changes, and merges them newest first: who, when, what and why. Only the entries
of the page shown are compared with their previous version (`entry_changes`).
"""

import functools
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext
from django_countries import countries

from accounts.models import User
from providers import models as m

#: The parts whose history belongs to a listing's timeline, found by their provider.
PART_MODELS = (
    m.ProviderService,
    m.DeliveryCentre,
    m.CertificationHolding,
    m.ImpactReport,
    m.CaseStudy,
    m.Membership,
    m.Claim,
    m.Invitation,
    m.PendingChange,
)
#: Fields never worth showing as a change.
IGNORED_FIELDS = {"version", "updated_at", "created_at", "is_latest"}
VALUE_CHARS = 80


@dataclass
class Entry:
    record: object
    kind: str  # the part's name, e.g. "delivery centre"
    label: str  # which one, e.g. "Gulu, Uganda"
    previous: object = None
    changes: list = field(default_factory=list)

    @property
    def date(self):
        return self.record.history_date

    @property
    def action(self):
        return self.record.get_history_type_display()


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    return Truncator(str(value)).chars(VALUE_CHARS)


class _Labels:
    """Short names of parts, from lookups made once per timeline (not once per row)."""

    def __init__(self, records_by_model):
        def ids(model, name):
            return {getattr(r, name) for r in records_by_model.get(model, ())}

        self.services = {
            pk: m.translated(name)
            for pk, name in m.Service.objects.filter(
                pk__in=ids(m.ProviderService, "service_id")
            ).values_list("pk", "name")
        }
        self.certifications = {
            pk: m.translated(name)
            for pk, name in m.Certification.objects.filter(
                pk__in=ids(m.CertificationHolding, "certification_id")
            ).values_list("pk", "name")
        }
        user_ids = ids(m.Membership, "user_id") | ids(m.Claim, "user_id")
        self.users = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "email"))
        self.groups = {
            pk: m.translated(name) for pk, name in m.TargetGroup.objects.values_list("pk", "name")
        }

    def of(self, model, record) -> str:
        if model is m.ProviderService:
            return self.services.get(record.service_id, "?")
        if model is m.DeliveryCentre:
            place = countries.name(record.country) or str(record.country)
            return f"{record.city}, {place}" if record.city else place
        if model is m.CertificationHolding:
            return self.certifications.get(record.certification_id, "?")
        if model is m.ImpactReport:
            return f"{record.period_start:%Y-%m} – {record.period_end:%Y-%m}"
        if model is m.ImpactReportGroup:
            return self.groups.get(record.target_group_id, "?")
        if model is m.CaseStudy:
            return record.title
        if model in (m.Membership, m.Claim):
            return self.users.get(record.user_id, "?")
        if model is m.Invitation:
            return record.email
        if model is m.PendingChange:
            return f"{record.get_action_display()} {record.get_kind_display()}"
        return record.name  # the listing itself


def listing_timeline(provider_id: int) -> list[Entry]:
    """Every recorded change of the listing and its parts, newest first."""
    records_by_model = {
        m.Provider: list(m.Provider.history.filter(id=provider_id).select_related("history_user"))
    }
    for model in PART_MODELS:
        records_by_model[model] = list(
            model.history.filter(provider_id=provider_id).select_related("history_user")
        )
    report_ids = {r.id for r in records_by_model[m.ImpactReport]}
    records_by_model[m.ImpactReportGroup] = list(
        m.ImpactReportGroup.history.filter(report_id__in=report_ids).select_related("history_user")
    )
    labels = _Labels(records_by_model)
    entries = []
    for model, records in records_by_model.items():
        kind = str(model._meta.verbose_name)
        records.sort(key=lambda r: (r.id, r.history_date, r.history_id))
        previous = None
        for record in records:
            entry = Entry(record=record, kind=kind, label=labels.of(model, record))
            if previous is not None and previous.id == record.id:
                entry.previous = previous
            entries.append(entry)
            previous = record
    entries.sort(key=lambda e: (e.date, e.record.history_id), reverse=True)
    return entries


@functools.cache
def _field_names(model, language: str) -> dict:
    """Field name -> its label, once per model and language."""
    fields = model._meta.get_fields()
    return {f.name: str(f.verbose_name) for f in fields if hasattr(f, "verbose_name")}


def entry_changes(entry: Entry) -> list[tuple[str, str, str]]:
    """(field, old, new) of what this entry changed compared with the version before it."""
    if entry.previous is None or entry.record.history_type != "~":
        return []
    delta = entry.record.diff_against(entry.previous, foreign_keys_are_objs=False)
    names = _field_names(entry.record.instance_type, get_language())
    return [
        (names.get(change.field, change.field), _value(change.old), _value(change.new))
        for change in delta.changes
        if change.field not in IGNORED_FIELDS
    ]


def timeline_page(provider_id: int, page_number, *, per_page: int = 100):
    """The page asked for (a Paginator page) with each entry's changes filled in."""
    paginator = Paginator(listing_timeline(provider_id), per_page)
    page = paginator.get_page(page_number)
    for entry in page.object_list:
        entry.changes = entry_changes(entry)
        if entry.record.history_user is None:
            entry.who = gettext("nobody (system)")
        else:
            entry.who = str(entry.record.history_user)
    return paginator, page
