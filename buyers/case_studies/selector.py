"""The library's selectors: one page with exact facet counts, and the newest few.

- `parse_library_params(querydict) -> LibraryParams`: the library's GET parameters,
  cleaned by its FilterSet's lenient form (unknown values dropped and described).
- `case_study_library(*, params, page_size) -> LibraryResult`: one page of case
  studies, newest first, with disjunctive facet counts (each option counted with
  every other active filter applied) and removable chips.
- `recent_case_studies(limit=3)`: the newest case studies of published providers
  (`recent_case_studies_cached` for the home page).
"""

import math
from dataclasses import dataclass, field, replace

from django.contrib.humanize.templatetags.humanize import apnumber
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from buyers.search.facets import FacetGroup, FacetOptionView, in_page_order
from buyers.search.filters import Problem
from buyers.search.index import FacetOption
from providers.models import CaseStudy, ListingStatus

from .facets import LIBRARY_FACETS
from .filters import CaseStudyFilterSet, query_words, text_sql
from .index import LibraryIndex, library_index


@dataclass(frozen=True)
class LibraryParams:
    """Cleaned library parameters: only values the library knows, plus what was wrong."""

    q: str = ""
    values: dict = field(default_factory=dict)  # facet param -> tuple of keys
    page: int = 1
    problems: tuple = ()

    def get(self, param: str) -> tuple:
        return self.values.get(param, ())

    @property
    def has_filters(self) -> bool:
        return bool(self.q or any(self.values.values()))

    def to_querydict(self) -> QueryDict:
        """The canonical query string of these parameters (no page)."""
        query = QueryDict(mutable=True)
        if self.q:
            query["q"] = self.q
        for facet in LIBRARY_FACETS:
            for value in self.get(facet.param):
                query.appendlist(facet.param, value)
        return query

    def without(self, param: str, value: str | None = None) -> "LibraryParams":
        if param == "q":
            return replace(self, q="")
        values = dict(self.values)
        values[param] = (
            () if value is None else tuple(v for v in values.get(param, ()) if v != value)
        )
        return replace(self, values=values)


def parse_library_params(querydict, *, index: LibraryIndex | None = None) -> LibraryParams:
    """Clean a request's GET parameters into LibraryParams; never raises."""
    form = CaseStudyFilterSet(querydict, index=index or library_index()).form
    form.is_valid()
    data = form.cleaned_data
    return LibraryParams(
        q=data["q"],
        values={facet.param: data[facet.param] for facet in LIBRARY_FACETS if data[facet.param]},
        page=data["page"],
        problems=tuple(form.problems),
    )


@dataclass(frozen=True)
class LibraryEntry:
    """One case study as the library shows it."""

    pk: int
    title: str
    year: int
    is_recent: bool
    provider_name: str
    provider_slug: str
    service: str
    client_industry: str
    challenge: str
    approach: str
    results: str
    client_quote: str
    quote_attribution: str


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class LibraryResult:
    entries: list
    total: int
    page: int
    num_pages: int
    page_size: int
    facets: list
    chips: list
    problems: list
    params: LibraryParams

    @property
    def title(self) -> str:
        """The page's title: the filters (the chips' labels) and the page past the first."""
        parts = ["; ".join(chip.label for chip in self.chips)] if self.chips else []
        parts.append(_("Case studies"))
        if self.page > 1:
            parts.append(
                _("page %(page)d of %(pages)d") % {"page": self.page, "pages": self.num_pages}
            )
        return " – ".join(parts)

    @property
    def description(self) -> str:
        if self.chips:
            return ngettext(
                "%(count)s case study of impact sourcing providers for %(filters)s: the "
                "client's challenge, the approach and the results.",
                "%(count)s case studies of impact sourcing providers for %(filters)s: the "
                "client's challenge, the approach and the results.",
                self.total,
            ) % {"count": apnumber(self.total), "filters": "; ".join(c.label for c in self.chips)}
        return ngettext(
            "%(count)s case study of impact sourcing providers: the client's challenge, the "
            "approach and the results, by service, client industry, country and year.",
            "%(count)s case studies of impact sourcing providers: the client's challenge, the "
            "approach and the results, by service, client industry, country and year.",
            self.total,
        ) % {"count": apnumber(self.total)}

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def end_index(self) -> int:
        return min(self.page * self.page_size, self.total)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def page_range(self) -> list:
        """Page numbers to link, with None for a gap: 1 … 4 5 [6] 7 8 … 40."""
        pages = sorted(
            {
                1,
                self.num_pages,
                *range(max(1, self.page - 2), min(self.num_pages, self.page + 2) + 1),
            }
        )
        shown = []
        for number in pages:
            if shown and number - shown[-1] > 1:
                shown.append(None)
            shown.append(number)
        return shown


#: (language, param, key, label) -> the option's label as shown: country names cost
#: a lookup in django-countries' translated table each (a tenth of a page's time).
_shown_labels: dict = {}


def _option_label(facet, option) -> str:
    key = (get_language(), facet.param, option.key, option.label)
    label = _shown_labels.get(key)
    if label is None:
        label = _shown_labels[key] = facet.option_label(option)
    return label


#: Most text matches kept per library build (a match is one bitset, ~25 KB at 200,000).
TEXT_MATCHES_KEPT = 256


def _text_bits(index: LibraryIndex, q: str) -> int:
    """The case studies holding every word of `q`: one query, then kept with the build
    (a word most case studies hold returns most ids, which takes the database longest)."""
    words = tuple(query_words(q))
    if not words:
        return index.all_bits
    bits = index.text_bits.get(words)
    if bits is None:
        sql, params = text_sql(q)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            bits = index.bits_of(row[0] for row in cursor)
        if len(index.text_bits) >= TEXT_MATCHES_KEPT:
            index.text_bits.clear()
        index.text_bits[words] = bits
    return bits


def case_study_library(
    *, params: LibraryParams, page_size: int, index: LibraryIndex | None = None
) -> LibraryResult:
    """One page of the library, newest first, with exact disjunctive facet counts.

    Each option's count is the number of case studies it gives together with every
    other active filter (its own facet's other values aside); following it yields
    exactly that many. Queries: the search data's version (none when this process's
    poller looked within the last second), one for the text query (if any, and not
    asked before since the library's last build) and one for the page.
    """
    index = index or library_index()
    problems = list(params.problems)
    page_size = max(1, page_size)
    base = _text_bits(index, params.q) if params.q else index.all_bits

    masks = {}
    for facet in LIBRARY_FACETS:
        chosen = params.get(facet.param)
        if chosen:
            mask = 0
            for value in chosen:
                mask |= index.bits[facet.param].get(value, 0)
            masks[facet.param] = mask

    def others(skip):
        bits = base
        for key, mask in masks.items():
            if key != skip:
                bits &= mask
        return bits

    result_bits = others(None)
    total = result_bits.bit_count()

    facets = []
    for facet in LIBRARY_FACETS:
        pool = others(facet.param)
        chosen = set(params.get(facet.param))
        options = []
        for option in index.options.get(facet.param, ()):
            count = (pool & index.bits[facet.param].get(option.key, 0)).bit_count()
            if count or option.key in chosen:
                options.append(
                    FacetOptionView(
                        key=option.key,
                        label=_option_label(facet, option),
                        count=count,
                        selected=option.key in chosen,
                        level=option.level,
                        input_id=f"f-{facet.param}-{option.key}",
                    )
                )
        options = in_page_order(facet, options)
        if options:
            facets.append(FacetGroup(facet.param, str(facet.label), options, active=bool(chosen)))

    num_pages = max(1, math.ceil(total / page_size))
    page = params.page
    if page > num_pages:
        problems.append(
            Problem(
                _("There is no page %(page)d; showing page %(last)d, the last one.")
                % {"page": page, "last": num_pages},
                param="page",
                value=str(page),
            )
        )
        page = num_pages
    page_ids = index.page_ids(result_bits, (page - 1) * page_size, page_size)

    return LibraryResult(
        entries=_entries(page_ids),
        total=total,
        page=page,
        num_pages=num_pages,
        page_size=page_size,
        facets=facets,
        chips=_chips(params, index),
        problems=problems,
        params=params,
    )


def _entries(ids: list) -> list[LibraryEntry]:
    """The case studies of `ids`, in that order (one query; only published providers')."""
    if not ids:
        return []
    found = {
        study.pk: study
        for study in CaseStudy.objects.filter(
            pk__in=ids, provider__status=ListingStatus.PUBLISHED
        ).select_related("provider", "service", "client_industry")
    }
    return [_entry(found[pk]) for pk in ids if pk in found]


def _entry(study: CaseStudy) -> LibraryEntry:
    return LibraryEntry(
        pk=study.pk,
        title=study.title,
        year=study.year,
        is_recent=study.is_recent(),
        provider_name=study.provider.name,
        provider_slug=study.provider.slug,
        # Stored (English) names: entries are shared between languages (the home page's
        # cache); the template translates them.
        service=study.service.name if study.service else "",
        client_industry=study.client_industry.name if study.client_industry else "",
        challenge=study.challenge,
        approach=study.approach,
        results=study.results,
        client_quote=study.client_quote,
        quote_attribution=study.quote_attribution,
    )


def _url(params: LibraryParams) -> str:
    query = params.to_querydict().urlencode()
    return f"?{query}" if query else "?"


def _chips(params: LibraryParams, index: LibraryIndex) -> list[Chip]:
    chips = []
    if params.q:
        chips.append(Chip(_("Text: %(q)s") % {"q": params.q}, _url(params.without("q"))))
    for facet in LIBRARY_FACETS:
        labels = {option.key: option for option in index.options.get(facet.param, ())}
        for value in params.get(facet.param):
            label = _option_label(facet, labels.get(value) or FacetOption(value, value))
            chips.append(
                Chip(
                    _("%(facet)s: %(value)s") % {"facet": facet.label, "value": label},
                    _url(params.without(facet.param, value)),
                )
            )
    return chips


def recent_case_studies(limit: int = 3) -> list[LibraryEntry]:
    """The newest `limit` case studies of published providers (one query; read through
    the case studies' (year, id) index, newest first)."""
    studies = (
        CaseStudy.objects.filter(provider__status=ListingStatus.PUBLISHED)
        .select_related("provider", "service", "client_industry")
        .order_by("-year", "-id")[:limit]
    )
    return [_entry(study) for study in studies]


#: How long the home page's newest case studies are shared between visitors (as its
#: headline figures: a case study added a few minutes ago may wait that long there).
RECENT_CACHE_SECONDS = 300
_RECENT_CACHE_KEY = "case_studies:recent:v1"


def recent_case_studies_cached(limit: int = 3) -> list[LibraryEntry]:
    """`recent_case_studies(limit)`, shared through the cache for a few minutes."""
    return cache.get_or_set(
        f"{_RECENT_CACHE_KEY}:{limit}", lambda: recent_case_studies(limit), RECENT_CACHE_SECONDS
    )
