"""CSV exports of providers: a shortlist or every provider matching a search.

Rows are streamed: providers are read with `iterator(chunk_size=...)` (their
related data prefetched per chunk) and each CSV line is yielded as soon as it
is written, so an export of 100,000 providers never holds them all in memory.
The columns are documented by `COLUMNS` and shown on /exports/. Counts of
people are written as `providers.disclosure` decides: the number, `<10`, or
`withheld`.
"""

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import IRIS_CODES, Provider
from providers.selectors import directory_check

from .selectors import (
    REPORT_FIGURES,
    delivery_countries,
    latest_report,
    partnership_codes,
    public_figures,
    with_display_data,
)
from .services import absolute_url

CHUNK_SIZE = 500

#: Cells starting with one of these are read as formulas by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text of a CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _join(values: Iterable) -> str:
    return "; ".join(str(v) for v in values)


def _certifications(provider: Provider, today) -> str:
    parts = []
    for holding in provider.certifications.all():
        if holding.is_expired(on=today):
            continue
        expiry = holding.expires_on.isoformat() if holding.expires_on else ""
        parts.append(
            f"{holding.certification.name} ({expiry})" if expiry else holding.certification.name
        )
    return _join(parts)


def _directory_verified_on(report) -> str:
    verified_on = directory_check(
        report.directory_verification, report.directory_verified_at
    ).verified_on
    return verified_on.isoformat() if verified_on else ""


def _report(getter):
    def value(provider, today):
        report = latest_report(provider)
        return getter(report, today) if report else ""

    return value


def _figure_column(name):
    code = IRIS_CODES.get(name, "")
    header = f"{code}_{name}" if code else name
    model_field = name.replace("_", " ")
    description = _("Latest report: %(field)s%(code)s.") % {
        "field": model_field,
        "code": f" (IRIS+ {code})" if code else "",
    }

    def value(provider, today):
        report = latest_report(provider)
        if report is None:
            return ""
        return public_figures(provider).report_figure(name, getattr(report, name)).machine

    return (header, description, value)


#: (header, description, value(provider, today)) for every column, in order.
COLUMNS = [
    ("slug", _("The provider's identifier in ImpactDir URLs."), lambda p, t: p.slug),
    ("name", _("Organisation name."), lambda p, t: p.name),
    (
        "profile_url",
        _("The public profile on ImpactDir."),
        lambda p, t: absolute_url(p.get_absolute_url()),
    ),
    ("tagline", _("One-line description."), lambda p, t: p.tagline),
    ("website", _("The provider's website."), lambda p, t: p.website),
    (
        "hq_country",
        _("Headquarters country (ISO 3166-1 alpha-2)."),
        lambda p, t: p.hq_country.code if p.hq_country else "",
    ),
    (
        "legal_form",
        _("For-profit, non-profit, social enterprise or cooperative."),
        lambda p, t: p.legal_form,
    ),
    ("founded_year", _("Year founded."), lambda p, t: p.founded_year),
    (
        "provider_type",
        _(
            "dedicated (a dedicated impact sourcing provider) or programme (the impact sourcing "
            "programme of a traditional outsourcing company); empty when not stated."
        ),
        lambda p, t: p.provider_type,
    ),
    (
        "parent_company",
        _("For a programme: the outsourcing company that runs it."),
        lambda p, t: p.parent_company,
    ),
    (
        "workforce",
        _("Total workforce; <10 when fewer than 10, withheld when it would reveal a small count."),
        lambda p, t: public_figures(p).workforce.machine,
    ),
    (
        "size_band",
        _("Workforce size band: 1-49, 50-249, 250-999 or 1000-plus."),
        lambda p, t: p.size_band or "",
    ),
    (
        "verified",
        _("yes if ImpactDir has verified the listing."),
        lambda p, t: "yes" if p.is_verified else "no",
    ),
    (
        "assured_date",
        _("When the provider last confirmed the listing (YYYY-MM-DD)."),
        lambda p, t: p.assured_date.isoformat() if p.assured_date else "",
    ),
    (
        "not_confirmed_24_months",
        _(
            "yes if the provider has not confirmed the listing in over 24 months (counted from "
            "its first publication when it was never confirmed); the site marks it."
        ),
        lambda p, t: "yes" if p.is_unconfirmed(on=t) else "no",
    ),
    (
        "services",
        _("Services offered, separated by semicolons."),
        lambda p, t: _join(ps.service.name for ps in p.services.all()),
    ),
    (
        "delivery_countries",
        _("Countries of the delivery centres, separated by semicolons."),
        lambda p, t: _join(delivery_countries(p)),
    ),
    (
        "languages",
        _("Languages of service (ISO 639-1), separated by semicolons."),
        lambda p, t: _join(lang.code for lang in p.languages.all()),
    ),
    (
        "pricing_models",
        _("Pricing models, separated by semicolons."),
        lambda p, t: _join(m.name for m in p.pricing_models.all()),
    ),
    (
        "delivery_modes",
        _("Delivery modes, separated by semicolons."),
        lambda p, t: _join(m.name for m in p.delivery_modes.all()),
    ),
    (
        "partnerships_offered",
        _(
            "Partnerships the provider offers other providers (subcontracting-capacity, "
            "subcontracted-work, training, joint-bids), separated by semicolons."
        ),
        lambda p, t: _join(partnership_codes(p.offers_codes)),
    ),
    (
        "partnerships_sought",
        _("Partnerships the provider seeks in other providers, the same codes."),
        lambda p, t: _join(partnership_codes(p.seeks_codes)),
    ),
    (
        "certifications",
        _(
            "Valid certifications with their expiry date (YYYY-MM-DD), separated by "
            "semicolons; expired ones are left out."
        ),
        _certifications,
    ),
    (
        "impact_share_pct",
        _(
            "Impact workers as a whole percent of total employees in the latest report; "
            "withheld when there are fewer than 10 impact workers."
        ),
        lambda p, t: public_figures(p).impact_share.machine,
    ),
    (
        "report_period_start",
        _("Start of the latest impact report's period (YYYY-MM-DD)."),
        _report(lambda r, t: r.period_start.isoformat()),
    ),
    (
        "report_period_end",
        _("End of the latest impact report's period (YYYY-MM-DD)."),
        _report(lambda r, t: r.period_end.isoformat()),
    ),
    (
        "report_stale",
        _("yes when the latest report's period ended more than 24 months ago."),
        _report(lambda r, t: "yes" if r.is_stale(on=t) else "no"),
    ),
    (
        "report_provenance",
        _(
            "self-reported, documented (backed by a document) or third-party (verified by a "
            "third party, as the provider states)."
        ),
        _report(lambda r, t: r.provenance),
    ),
    (
        "report_verifier",
        _("The third party that verified the figures, as the provider states it."),
        _report(lambda r, t: r.verifier),
    ),
    (
        "report_verified_on",
        _("When that third party verified them (YYYY-MM-DD), as the provider states it."),
        _report(lambda r, t: r.verified_on.isoformat() if r.verified_on else ""),
    ),
    (
        "report_directory_verification",
        _(
            "The directory's own check of the latest report, apart from its provenance: "
            "verified, unverified (not yet checked) or rejected (could not be verified)."
        ),
        _report(lambda r, t: r.directory_verification),
    ),
    (
        "report_directory_verified_on",
        _("When the directory verified the latest report (YYYY-MM-DD); empty unless verified."),
        _report(lambda r, t: _directory_verified_on(r)),
    ),
    (
        "target_groups",
        _("Target groups the impact workers come from, separated by semicolons."),
        _report(lambda r, t: _join(g.target_group.name for g in r.groups.all())),
    ),
    *[_figure_column(name) for name in REPORT_FIGURES],
]

#: Extra columns of a shortlist export.
SHORTLIST_COLUMNS = [
    ("shortlist_position", _("Position in the shortlist, from 1.")),
    ("shortlist_note", _("Your own note on the provider (private or shared with the group).")),
    (
        "shortlist_group_notes",
        _(
            "The notes the others in the shortlist's group share, each after its author's name "
            "and organisation, separated by “ | ”."
        ),
    ),
]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value):
        return value


def _rows(providers: Iterable[Provider], extra=None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    today = timezone.localdate()
    header = [name for name, _description, _getter in COLUMNS]
    if extra is not None:
        header += [name for name, _description in SHORTLIST_COLUMNS]
    yield "\ufeff" + writer.writerow(header)
    for provider in providers:
        row = [safe_cell(getter(provider, today)) for _name, _description, getter in COLUMNS]
        if extra is not None:
            row += [safe_cell(value) for value in extra(provider)]
        yield writer.writerow(row)


def provider_csv_rows(queryset) -> Iterator[str]:
    """CSV lines (header first) for every provider of the queryset, read in chunks."""
    return _rows(with_display_data(queryset).iterator(chunk_size=CHUNK_SIZE))


def provider_list_csv_rows(providers: list[Provider]) -> Iterator[str]:
    """CSV lines for providers already loaded `with_display_data` (a comparison), in order."""
    return _rows(providers)


def shortlist_csv_rows(shortlist, *, user) -> Iterator[str]:
    """CSV lines for a shortlist's published providers, in shortlist order, with the notes
    `user` may read: their own, and those the others in the group share."""
    from .shortlists.selectors import notes_by_entry

    notes = notes_by_entry(shortlist=shortlist, user=user)
    entries = {}
    for index, e in enumerate(shortlist.entries.order_by("position", "id"), start=1):
        seen = notes.get(e.pk)
        own = seen.own.text if seen and seen.own else ""
        others = " | ".join(f"{label}: {n.text}" for label, n in seen.others) if seen else ""
        entries[e.provider_id] = (index, own, others)
    providers = Provider.objects.published().filter(pk__in=list(entries)).order_by("name", "id")
    ordered = sorted(with_display_data(providers), key=lambda p: entries[p.pk][0])
    return _rows(ordered, extra=lambda p: entries[p.pk])
