"""Published listings for open data, read in chunks, every count of people disclosed.

`published_listings()` yields one `Listing` per published provider in primary-key
order. Providers are read a chunk at a time (keyset paging on the primary key) and
each chunk's parts with one query per kind of part, so memory stays bounded
whatever the size of the directory and the number of queries grows with the
number of chunks, not of providers.

Counts of people pass through `providers.disclosure` exactly as on the profile: the
latest report, its target-group counts, the workforce and the centres' headcounts
and impact workers are decided together by `selectors.listing_figures_of`, with the
centres and groups in the profile's order. Earlier reports, which no centre adds
up to, are decided on their own (their totals exactly as the profile shows them).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from types import SimpleNamespace

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django_countries import countries
from django_countries.fields import Country

from providers import disclosure
from providers.models import (
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    Provider,
    ProviderService,
    size_band_for,
    stale_cutoff,
)
from providers.selectors import Centre, GroupCount, directory_check, listing_figures_of

from .ids import stable_id
from .listing import (
    COUNT_FIGURES,
    RATE_FIGURES,
    CentreRecord,
    GroupFigure,
    Holding,
    Listing,
    Offer,
    Report,
    Study,
)
from .terms import Taxonomy, Term, Terms

#: Providers read per chunk: a few MB of rows at a time.
CHUNK_SIZE = 1000


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

_PROVIDER_FIELDS = (
    "pk",
    "name",
    "slug",
    "tagline",
    "description",
    "website",
    "contact_email",
    "contact_phone",
    "logo",
    "founded_year",
    "hq_country",
    "legal_form",
    "provider_type",
    "parent_company",
    "org_registry",
    "org_number",
    "workforce",
    "verified_at",
    "verification_notes",
    "assured_date",
    "published_at",
    "updated_at",
)
_REPORT_FIELDS = (
    "pk",
    "provider_id",
    "is_latest",
    "period_start",
    "period_end",
    "provenance",
    "verifier",
    "verified_on",
    "directory_verification",
    "directory_verified_at",
    "directory_verification_notes",
    "impact_worker_definition",
    *COUNT_FIGURES,
    *RATE_FIGURES,
)


def published_listings(
    *, today: datetime.date, terms: Terms | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[Listing]:
    """Every published provider as a `Listing`, in primary-key order, read in chunks.

    Run it inside one transaction (the build does) so that every chunk sees the
    same state of the directory. `today` decides certificate validity, report
    staleness and recent case studies: the date of the snapshot. `terms` are the
    taxonomies, read once (`Terms.load()`) unless given.
    """
    terms = terms or Terms.load()
    last_pk = 0
    while True:
        rows = list(
            Provider.objects.published()
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list(*_PROVIDER_FIELDS)[:chunk_size]
        )
        if not rows:
            return
        last_pk = rows[-1][0]
        yield from _read_chunk(rows, terms, today)


def _grouped(rows, key_index=0):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[key_index]].append(row)
    return grouped


def _links(through_model, column: str, provider_ids, terms: Terms, taxonomy: str):
    """provider id → its terms of one many-to-many relation, in the taxonomy's order."""
    found = defaultdict(list)
    for provider_id, term_pk in through_model.objects.filter(
        provider_id__in=provider_ids
    ).values_list("provider_id", column):
        term = terms.get(taxonomy, term_pk)
        if term is not None:
            found[provider_id].append(term)
    for listed in found.values():
        listed.sort(key=lambda term: (term.position, term.name.casefold(), term.code))
    return found


def _absolute(url: str) -> str:
    if url.startswith("/"):
        url = settings.SITE_URL + url
    return iri_to_uri(url)


def _checked(value: str, format_name: str) -> str:
    """`value` if it passes the schema's format check, else "".

    Written through forms these are valid; a value that is not (an import, a raw
    write) is left out rather than publishing files that break their schemas.
    """
    from jsonschema import Draft202012Validator  # building open data only: not in the web workers

    if value and Draft202012Validator.FORMAT_CHECKER.conforms(value, format_name):
        return value
    return ""


def _read_chunk(rows, terms: Terms, today: datetime.date) -> Iterator[Listing]:
    ids = [row[0] for row in rows]
    m2m = {
        "languages": _links(
            Provider.languages.through, "language_id", ids, terms, Taxonomy.LANGUAGE
        ),
        "industries": _links(
            Provider.industries.through, "industry_id", ids, terms, Taxonomy.INDUSTRY
        ),
        "markets": _links(Provider.markets.through, "region_id", ids, terms, Taxonomy.REGION),
        "pricing_models": _links(
            Provider.pricing_models.through, "pricingmodel_id", ids, terms, Taxonomy.PRICING_MODEL
        ),
        "delivery_modes": _links(
            Provider.delivery_modes.through, "deliverymode_id", ids, terms, Taxonomy.DELIVERY_MODE
        ),
        "partnerships_offered": _links(
            Provider.partnerships_offered.through,
            "partnershipkind_id",
            ids,
            terms,
            Taxonomy.PARTNERSHIP,
        ),
        "partnerships_sought": _links(
            Provider.partnerships_sought.through,
            "partnershipkind_id",
            ids,
            terms,
            Taxonomy.PARTNERSHIP,
        ),
    }
    services = _grouped(
        ProviderService.objects.filter(provider_id__in=ids).values_list(
            "provider_id", "pk", "service_id", "voice", "note"
        )
    )
    centres = _grouped(
        DeliveryCentre.objects.filter(provider_id__in=ids).values_list(
            "provider_id", "pk", "country", "city", "seats", "headcount", "impact_workers"
        )
    )
    centre_languages = defaultdict(list)
    for centre_pk, language_pk in DeliveryCentre.languages.through.objects.filter(
        deliverycentre__provider_id__in=ids
    ).values_list("deliverycentre_id", "language_id"):
        term = terms.get(Taxonomy.LANGUAGE, language_pk)
        if term is not None:
            centre_languages[centre_pk].append(term)
    holdings = _grouped(
        CertificationHolding.objects.filter(provider_id__in=ids).values_list(
            "provider_id",
            "pk",
            "certification_id",
            "scope",
            "certificate_number",
            "issued_on",
            "expires_on",
            "verification",
        )
    )
    reports = _grouped(
        ImpactReport.objects.filter(provider_id__in=ids).values_list(*_REPORT_FIELDS), 1
    )
    report_groups = _grouped(
        ImpactReportGroup.objects.filter(report__provider_id__in=ids).values_list(
            "report_id", "target_group_id", "workers"
        )
    )
    studies = _grouped(
        CaseStudy.objects.filter(provider_id__in=ids).values_list(
            "provider_id",
            "pk",
            "title",
            "year",
            "client_industry_id",
            "service_id",
            "challenge",
            "approach",
            "results",
            "client_quote",
            "quote_attribution",
        )
    )
    detail_base = reverse("providers:detail", kwargs={"slug": "--slug--"})
    cutoff = stale_cutoff(today)

    for row in rows:
        (
            pk,
            name,
            slug,
            tagline,
            description,
            website,
            email,
            phone,
            logo,
            founded_year,
            hq_country,
            legal_form,
            provider_type,
            parent_company,
            org_registry,
            org_number,
            workforce,
            verified_at,
            verification_notes,
            assured_date,
            published_at,
            updated_at,
        ) = row
        listing = Listing(
            pk=pk,
            id=stable_id("provider", pk),
            name=name,
            profile_url=_absolute(detail_base.replace("--slug--", slug)),
            tagline=tagline,
            description=description,
            website=_checked(iri_to_uri(website), "uri") if website else "",
            email=_checked(email, "email"),
            phone=phone,
            logo_url=_checked(_absolute(default_storage.url(logo)), "uri") if logo else "",
            founded_year=founded_year,
            hq_country=str(hq_country or ""),
            legal_form=legal_form,
            provider_type=provider_type,
            parent_company=parent_company,
            registry=org_registry,
            registration_number=org_number,
            workforce=disclosure.MISSING,
            size_band=size_band_for(workforce) or "",
            verified_on=verified_at.date() if verified_at else None,
            verification_checks=verification_notes if verified_at else "",
            assured_date=assured_date,
            published_at=published_at,
            updated_at=updated_at,
            **{attribute: found.get(pk, []) for attribute, found in m2m.items()},
        )
        listing.services = _offers(services.get(pk, ()), terms)
        centre_rows = _centres(centres.get(pk, ()), centre_languages)
        listing.certifications = _holdings(holdings.get(pk, ()), terms, today)
        listing.case_studies = _studies(studies.get(pk, ()), terms, today)
        _disclose(
            listing, workforce, centre_rows, reports.get(pk, ()), report_groups, terms, cutoff
        )
        yield listing


def _offers(rows, terms: Terms) -> list[Offer]:
    offers = []
    for _provider_id, pk, service_pk, voice, note in rows:
        service = terms.get(Taxonomy.SERVICE, service_pk)
        if service is None:
            continue
        category = terms.by_id.get(service.parent_id) if service.parent_id else None
        offers.append(
            Offer(
                id=stable_id("provider-service", pk),
                pk=pk,
                service=service,
                category=category,
                voice=voice,
                note=note,
            )
        )

    def order(offer):
        category = offer.category
        return (
            category.position if category else 0,
            category.name if category else "",
            offer.service.position,
            offer.service.name,
        )

    return sorted(offers, key=order)


def _centres(rows, centre_languages) -> list[tuple[int, Centre]]:
    """(pk, the profile's `Centre`) in the profile's order, which the disclosure rule uses."""
    centres = [
        (
            pk,
            Centre(
                country=Country(code=str(country)),
                city=city,
                seats=seats,
                raw_headcount=headcount,
                raw_impact_workers=impact_workers,
                languages=sorted(
                    centre_languages.get(pk, []), key=lambda term: (term.name, term.code)
                ),
            ),
        )
        for _provider_id, pk, country, city, seats, headcount, impact_workers in rows
    ]
    # The profile's order; the primary key settles ties, so every build writes the same bytes.
    return sorted(
        centres, key=lambda item: (str(item[1].country.name), item[1].city.casefold(), item[0])
    )


def _holdings(rows, terms: Terms, today) -> list[Holding]:
    holdings = []
    for (
        _provider_id,
        pk,
        certification_pk,
        scope,
        number,
        issued_on,
        expires_on,
        verification,
    ) in rows:
        certification = terms.get(Taxonomy.CERTIFICATION, certification_pk)
        if certification is None:
            continue
        holdings.append(
            Holding(
                id=stable_id("certification-holding", pk),
                certification=certification,
                scope=scope,
                certificate_number=number,
                issued_on=issued_on,
                expires_on=expires_on,
                # The same test as search's `CertificationHolding.objects.valid(on=today)`.
                valid=(expires_on is None or expires_on >= today)
                and (issued_on is None or issued_on <= today),
                verification=verification,
            )
        )
    return sorted(
        holdings,
        key=lambda h: (h.certification.name.casefold(), h.expires_on or datetime.date.max, h.id),
    )


def _studies(rows, terms: Terms, today) -> list[Study]:
    studies = []
    for (
        _provider_id,
        pk,
        title,
        year,
        industry_pk,
        service_pk,
        challenge,
        approach,
        results,
        quote,
        attribution,
    ) in rows:
        studies.append(
            Study(
                id=stable_id("case-study", pk),
                title=title,
                year=year,
                recent=CaseStudy(year=year).is_recent(on=today),
                client_industry=terms.get(Taxonomy.INDUSTRY, industry_pk),
                service=terms.get(Taxonomy.SERVICE, service_pk),
                challenge=challenge,
                approach=approach,
                results=results,
                client_quote=quote,
                quote_attribution=attribution,
            )
        )
    return sorted(studies, key=lambda s: (-s.year, s.title.casefold(), s.id))


def _disclose(listing, workforce, centres, report_rows, report_groups, terms, cutoff) -> None:
    """Decide every count of `listing` with the disclosure rule, as the profile does."""
    index = {name: i for i, name in enumerate(_REPORT_FIELDS)}
    latest_row = next((row for row in report_rows if row[index["is_latest"]]), None)

    def groups_of(row) -> tuple[list[Term], list[GroupCount]]:
        found = []
        for _report_id, group_pk, workers in report_groups.get(row[index["pk"]], ()):
            term = terms.get(Taxonomy.TARGET_GROUP, group_pk)
            if term is not None:
                found.append((term, GroupCount(term.name, term.code, workers)))
        found.sort(key=lambda item: (item[0].position, item[0].name, item[0].code))
        return [term for term, _group in found], [group for _term, group in found]

    latest_terms, latest_groups = groups_of(latest_row) if latest_row is not None else ([], [])
    shown = listing_figures_of(
        SimpleNamespace(workforce=workforce),
        SimpleNamespace(**{name: latest_row[index[name]] for name in COUNT_FIGURES})
        if latest_row is not None
        else None,
        latest_groups,
        [centre for _pk, centre in centres],
    )
    listing.workforce = shown.workforce
    listing.centres = [
        CentreRecord(
            id=stable_id("centre", pk),
            pk=pk,
            country=centre.country.code,
            country_name=str(countries.name(centre.country.code)),
            city=centre.city,
            seats=centre.seats,
            headcount=centre.headcount,
            impact_workers=centre.impact_workers,
            languages=centre.languages,
        )
        for pk, centre in centres
    ]

    reports = []
    for row in report_rows:
        values = {name: row[index[name]] for name in _REPORT_FIELDS}
        counts = {name: values[name] for name in COUNT_FIGURES}
        if row is latest_row:
            figures, group_terms, groups = shown, latest_terms, latest_groups
        else:
            # No centre adds up to an earlier report: its own sums only.
            group_terms, groups = groups_of(row)
            figures = disclosure.listing_figures(
                workforce=None,
                report=counts,
                groups={group.slug: group.raw_workers for group in groups},
            )
            for group in groups:
                group.workers = figures.groups[group.slug]
        reports.append(
            Report(
                id=stable_id("impact-report", values["pk"]),
                latest=bool(values["is_latest"]),
                period_start=values["period_start"],
                period_end=values["period_end"],
                stale=values["period_end"] < cutoff,
                provenance=values["provenance"],
                verifier=values["verifier"],
                verified_on=values["verified_on"],
                directory_verification=directory_check(
                    values["directory_verification"],
                    values["directory_verified_at"],
                    values["directory_verification_notes"],
                ),
                impact_worker_definition=values["impact_worker_definition"],
                impact_share=figures.impact_share,
                counts={name: figures.report[name] for name in COUNT_FIGURES},
                rates={name: values[name] for name in RATE_FIGURES},
                groups=[
                    GroupFigure(term, group.workers)
                    for term, group in zip(group_terms, groups, strict=True)
                ],
            )
        )
    listing.reports = sorted(reports, key=lambda r: (r.period_end, r.period_start), reverse=True)
