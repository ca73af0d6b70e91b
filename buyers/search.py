"""Buyer search: parse the URL contract, filter, count facets, rank and page.

Public functions (also used by the buyer workspace for CSV export and saved-search
alerts; keep their signatures stable):

- `parse_search_params(querydict) -> SearchParams`: cleaned parameters plus the
  problems found (unknown slugs, malformed numbers, over-long text); never raises.
- `search_queryset(params) -> QuerySet[Provider]`: every matching published
  provider, in the order of the search, straight from the database.
- `provider_search(*, params, page, page_size, render_cards=True) -> SearchResult`:
  one page of results with disjunctive facet counts, chips and hints for the page
  (the JSON API calls it with `render_cards=False`: the same results, no HTML).

Facet counts and non-relevance pages come from the in-memory facet index
(providers/services/search_data.py); text matching and ranking come from the
database (PostgreSQL full-text search and trigram similarity, or a
contains-search on SQLite).
"""

import functools
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_countries import countries

from buyers.filters import FACETS, FACETS_BY_PARAM, IMPACT_THRESHOLDS, filter_providers
from providers.models import (
    DeliveryCentre,
    ImpactReport,
    Provider,
    ProviderService,
    SizeBand,
)
from providers.services.search_data import SearchIndex, index_order_by, search_index
from providers.services.search_text import (
    bits_to_bool,
    bool_to_bits,
    bound_negations,
    parse_tsquery,
    rank_order,
    rank_sql,
)

#: Longest text query kept; the rest is cut off (and the buyer told so).
MAX_QUERY_LENGTH = 200
#: pg_trgm's default for `%` (used when the database has no other setting).
DEFAULT_SIMILARITY_THRESHOLD = 0.3
#: Most values kept per facet; more are ignored (and reported).
MAX_VALUES_PER_FACET = 30

SORTS = {
    "relevance": gettext_lazy("Relevance"),
    "name": gettext_lazy("Name (A–Z)"),
    "impact": gettext_lazy("Impact-worker share"),
    "size": gettext_lazy("Workforce size"),
    "updated": gettext_lazy("Recently updated"),
}
#: Order without a text query; documented on the "how results are ordered" page.
DEFAULT_SORT = "name"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")
_TERMS = re.compile(r'(-?)"([^"]*)"|(\S+)')


class Problem(str):
    """A problem found in the parameters: its sentence for the page, plus which parameter
    and value it is about (for the JSON API's error body). It is the sentence itself, so
    pages and tests that treat problems as text are unchanged."""

    param: str
    value: str

    def __new__(cls, message: str, *, param: str, value: str = ""):
        problem = super().__new__(cls, message)
        problem.param = param
        problem.value = value
        return problem


@dataclass(frozen=True)
class SearchParams:
    """Cleaned search parameters: only values the directory knows, plus what was wrong."""

    q: str = ""
    values: dict = field(default_factory=dict)  # facet param -> tuple of slugs/codes
    impact_min: int | None = None
    verified: bool = False
    sort: str = ""  # as asked for ("" when not given or not valid)
    page: int = 1
    problems: tuple = ()
    index: SearchIndex | None = field(default=None, compare=False, repr=False)

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.q:
            return DEFAULT_SORT
        if self.sort:
            return self.sort
        return "relevance" if self.q else DEFAULT_SORT

    def get(self, param: str) -> tuple:
        return self.values.get(param, ())

    @property
    def has_filters(self) -> bool:
        return bool(
            self.q or any(self.values.values()) or self.impact_min is not None or self.verified
        )

    def to_querydict(self, *, sort=True) -> QueryDict:
        """The canonical query string of these parameters (no page)."""
        query = QueryDict(mutable=True)
        if self.q:
            query["q"] = self.q
        for facet in FACETS:
            for value in self.get(facet.param):
                query.appendlist(facet.param, value)
        if self.impact_min is not None:
            query["impact_min"] = str(self.impact_min)
        if self.verified:
            query["verified"] = "1"
        if sort and self.sort:
            query["sort"] = self.sort
        return query

    def urlencode(self) -> str:
        return self.to_querydict().urlencode()

    def without(self, param: str, value: str | None = None) -> "SearchParams":
        """These parameters with one facet value (or the whole parameter) removed."""
        if param == "q":
            return replace(self, q="", sort="" if self.sort == "relevance" else self.sort)
        if param == "impact_min":
            return replace(self, impact_min=None)
        if param == "verified":
            return replace(self, verified=False)
        values = dict(self.values)
        values[param] = (
            () if value is None else tuple(v for v in values.get(param, ()) if v != value)
        )
        return replace(self, values=values)


@dataclass
class FacetOptionView:
    key: str
    label: str
    count: int
    selected: bool
    level: int = 0
    input_id: str = ""


@dataclass
class FacetGroup:
    param: str
    legend: str
    options: list
    kind: str = "checkbox"  # or "radio"
    active: bool = False

    @property
    def options_html(self):
        """The options as list items; built here because a search page shows ~150 of them
        and the template engine spent more time on them than the whole search took."""
        return format_html_join(
            "\n",
            '<li class="facet__option facet__option--level{}"><input type="{}" name="{}" '
            'value="{}" id="{}"{}> <label for="{}">{} ({})</label></li>',
            (
                (
                    option.level,
                    self.kind,
                    self.param,
                    option.key,
                    option.input_id,
                    mark_safe(" checked") if option.selected else "",  # noqa: S308 (constant)
                    option.input_id,
                    option.label,
                    option.count,
                )
                for option in self.options
            ),
        )


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class Relaxation:
    label: str
    count: int
    url: str


@dataclass
class SearchResult:
    #: (provider id, rendered card) for the page, in order.
    cards: list
    total: int
    page: int
    num_pages: int
    page_size: int
    sort: str
    facets: list
    chips: list
    relaxations: list
    problems: list
    params: SearchParams

    @property
    def provider_ids(self) -> list:
        return [pk for pk, _html in self.cards]

    @cached_property
    def providers(self) -> list:
        """The page's providers as model instances (one query; the page itself uses `cards`)."""
        return _card_providers(self.provider_ids)

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

    @property
    def sort_options(self) -> list:
        return [(key, label) for key, label in SORTS.items() if key != "relevance" or self.params.q]


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


def clean_query(raw: str) -> tuple[str, bool]:
    """Normalise odd Unicode, drop control characters, collapse spaces, cap the length,
    and drop pairs from chains of `-` too long for PostgreSQL to parse (same meaning)."""
    text = unicodedata.normalize("NFKC", raw)
    text = _CONTROL.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cs", "Co", "Cn"})
    text = _SPACES.sub(" ", text).strip()
    cut = len(text) > MAX_QUERY_LENGTH
    if cut:
        text = text[:MAX_QUERY_LENGTH].rstrip()
    return bound_negations(text).strip(), cut


def _shown(value: str) -> str:
    value = _CONTROL.sub("", value)
    return value if len(value) <= 40 else value[:39] + "…"


@functools.cache
def _country_codes() -> frozenset:
    return frozenset(countries.countries)


def _known_values(index: SearchIndex, param: str) -> set:
    if param == "country":
        return _country_codes()
    if param == "size":
        return {band.value for band in SizeBand}
    return {option.key for option in index.options.get(param, ())}


def parse_search_params(querydict, *, index: SearchIndex | None = None) -> SearchParams:
    """Clean a request's GET parameters into SearchParams; never raises.

    Unknown slugs, malformed numbers and over-long text are dropped and described
    in `problems` (plain sentences for the page).
    """
    index = index or search_index()
    problems = []

    q = ""
    raw_q = querydict.get("q", "")
    if raw_q:
        q, cut = clean_query(raw_q)
        if cut:
            problems.append(
                Problem(
                    _("The search text was cut to its first %(n)d characters.")
                    % {"n": MAX_QUERY_LENGTH},
                    param="q",
                    value=_shown(raw_q),
                )
            )

    values = {}
    for facet in FACETS:
        raw = querydict.getlist(facet.param)
        if not raw:
            continue
        known = _known_values(index, facet.param)
        kept = []
        for item in raw:
            value = item.strip()
            if facet.param in {"country"}:
                value = value.upper()
            elif facet.param == "language":
                value = value.lower()
            if not value:
                continue
            if value not in known:
                problems.append(
                    Problem(
                        _("Ignored unknown %(facet)s “%(value)s”.")
                        % {"facet": str(facet.label).lower(), "value": _shown(item)},
                        param=facet.param,
                        value=_shown(item),
                    )
                )
                continue
            if value not in kept:
                kept.append(value)
        if len(kept) > MAX_VALUES_PER_FACET:
            problems.append(
                Problem(
                    _("Only the first %(n)d values of %(facet)s were used.")
                    % {"n": MAX_VALUES_PER_FACET, "facet": str(facet.label).lower()},
                    param=facet.param,
                )
            )
            kept = kept[:MAX_VALUES_PER_FACET]
        if kept:
            values[facet.param] = tuple(kept)

    impact_min = None
    raw_impact = querydict.get("impact_min", "").strip()
    if raw_impact:
        if raw_impact.isascii() and raw_impact.isdigit() and 0 <= int(raw_impact) <= 100:
            impact_min = int(raw_impact)
        else:
            problems.append(
                Problem(
                    _(
                        "Ignored minimum impact share “%(value)s”: give a whole percent "
                        "from 0 to 100."
                    )
                    % {"value": _shown(raw_impact)},
                    param="impact_min",
                    value=_shown(raw_impact),
                )
            )

    verified = False
    raw_verified = querydict.get("verified", "").strip()
    if raw_verified == "1":
        verified = True
    elif raw_verified:
        problems.append(
            Problem(
                _("Ignored verified “%(value)s”: use 1 for verified providers only.")
                % {"value": _shown(raw_verified)},
                param="verified",
                value=_shown(raw_verified),
            )
        )

    sort = ""
    raw_sort = querydict.get("sort", "").strip()
    if raw_sort in SORTS:
        sort = raw_sort
    elif raw_sort:
        problems.append(
            Problem(
                _("Ignored unknown sort order “%(value)s”.") % {"value": _shown(raw_sort)},
                param="sort",
                value=_shown(raw_sort),
            )
        )

    page = 1
    raw_page = querydict.get("page", "").strip()
    if raw_page:
        if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 10 and int(raw_page) >= 1:
            page = int(raw_page)
        else:
            problems.append(
                Problem(
                    _("Ignored page “%(value)s”: showing page 1.") % {"value": _shown(raw_page)},
                    param="page",
                    value=_shown(raw_page),
                )
            )

    return SearchParams(
        q=q,
        values=values,
        impact_min=impact_min,
        verified=verified,
        sort=sort,
        page=page,
        problems=tuple(problems),
        index=index,
    )


# --------------------------------------------------------------------------
# Text matching
# --------------------------------------------------------------------------


def _wanted_terms(q: str) -> list[str]:
    """The words and phrases of `q` a buyer wants: not -excluded ones, not `or`, not `""`."""
    kept = []
    for match in _TERMS.finditer(q):
        negate, phrase, word = match.groups()
        if phrase is not None:
            if not negate and phrase.strip():
                kept.append(phrase.strip())
        elif word.lower() != "or" and not (word.startswith("-") and len(word) > 1):
            kept.append(word)
    return kept


def similarity_text(q: str) -> str:
    """The words of `q` a provider's name may resemble (typo tolerance): without the
    -excluded words and phrases and without `or`, so `-data` finds no "Data Co"."""
    return " ".join(_wanted_terms(q))


#: PostgreSQL full-text match of a web-style query (one parameter: the query).
_PG_FTS_SQL = "search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"


def _pg_match_sql() -> str:
    """Full-text match, or a name like the wanted words (parameters: q, similarity_text(q))."""
    return f"({_PG_FTS_SQL} OR providers_provider.name %% %s)"


def _contains_condition(q: str) -> Q:
    """Web-style query for the SQLite fallback: "phrases", -exclusions, `or` between terms."""
    groups = [[]]
    for match in _TERMS.finditer(q):
        negate, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            groups.append([])
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        term = phrase if phrase is not None else word
        if term:
            groups[-1].append((bool(negate), term))
    condition = Q()
    for group in groups:
        if not group:
            continue
        group_q = Q()
        for negate, term in group:
            term_q = (
                Q(name__icontains=term)
                | Q(tagline__icontains=term)
                | Q(service_text__icontains=term)
                | Q(description__icontains=term)
                | Q(case_study_text__icontains=term)
            )
            group_q &= ~term_q if negate else term_q
        condition |= group_q
    return condition


def _text_filtered(queryset, q: str):
    if connection.vendor == "postgresql":
        return queryset.filter(
            RawSQL(_pg_match_sql(), [q, similarity_text(q)], output_field=BooleanField())  # noqa: S611 (constant SQL, q is a parameter)
        )
    condition = _contains_condition(q)
    return queryset.filter(condition) if condition else queryset.none()


def _with_rank(queryset, q: str):
    """SQLite's relevance: a name holding the first wanted term ranks above a match elsewhere.

    A query of only exclusions or empty phrases (`-data`, `""`) wants no term: all rank alike.
    """
    first = next(iter(_wanted_terms(q)), None)
    if first is None:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    return queryset.annotate(
        rank=Case(
            When(name__icontains=first, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    )


# --------------------------------------------------------------------------
# Database path: every matching provider (exports, alerts)
# --------------------------------------------------------------------------


def search_queryset(params: SearchParams):
    """Every published provider matching `params`, ordered as the search orders them.

    No pagination and no facet counting; for CSV export and saved-search alerts.
    """
    index = params.index or search_index()
    queryset = Provider.objects.published()
    if params.q:
        queryset = _text_filtered(queryset, params.q)
    queryset = filter_providers(
        queryset,
        values=params.values,
        impact_min=params.impact_min,
        verified=params.verified,
        ids_by_slug=index.ids_by_slug,
    )
    sort = params.effective_sort
    if sort != "relevance":
        return queryset.order_by(*index_order_by(sort))
    if connection.vendor != "postgresql":
        return _with_rank(queryset, params.q).order_by("-rank", "name", "id")
    # The order of the search page (search_text.py), computed by the database.
    node, _trigrams, _threshold = _parsed_query(params.q)
    lexemes = node.lexemes() if node is not None else set()
    order = ["-name_similarity", "name", "id"]
    if lexemes:
        points_sql, points_params = rank_sql(lexemes)
        queryset = queryset.annotate(
            points=RawSQL(points_sql, points_params, output_field=FloatField())  # noqa: S611 (constant SQL)
        )
        order.insert(0, "-points")
    return queryset.annotate(
        name_similarity=RawSQL(  # noqa: S611 (constant SQL, q is a parameter)
            "CASE WHEN providers_provider.name %% %s "
            "THEN similarity(providers_provider.name, %s) ELSE 0 END",
            [similarity_text(params.q)] * 2,
            output_field=FloatField(),
        ),
    ).order_by(*order)


# --------------------------------------------------------------------------
# The search page
# --------------------------------------------------------------------------


def _card_queryset():
    latest = ImpactReport.objects.filter(provider=OuterRef("pk"), is_latest=True)
    return (
        Provider.objects.published()
        .only(
            "id",
            "name",
            "slug",
            "tagline",
            "logo",
            "workforce",
            "impact_share",
            "verified_at",
            "updated_at",
            # the "not confirmed in over 2 years" mark (Provider.is_unconfirmed)
            "assured_date",
            "published_at",
            "created_at",
        )
        .annotate(
            report_period_start=Subquery(latest.values("period_start")[:1]),
            report_period_end=Subquery(latest.values("period_end")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "services",
                queryset=ProviderService.objects.select_related("service").only(
                    "provider_id", "service__name", "service__position"
                ),
                to_attr="card_services",
            ),
            Prefetch(
                "centres",
                queryset=DeliveryCentre.objects.only("provider_id", "country").order_by("country"),
                to_attr="card_centres",
            ),
        )
    )


#: Rendered result cards per process, keyed by data token, language and provider.
_card_cache: OrderedDict = OrderedDict()
_card_cache_lock = threading.Lock()
CARD_CACHE_SIZE = 5000


_cached_for: tuple | None = None


def _forget_stale_caches(index: SearchIndex) -> None:
    """Empty the card and text caches when the index changed: their entries are keyed by
    the previous token and would only sit in memory until evicted."""
    global _cached_for
    version = (index.token, index.day)
    if _cached_for == version:
        return
    with _card_cache_lock, _text_cache_lock:
        if _cached_for != version:
            _card_cache.clear()
            _text_cache.clear()
            _cached_for = version


def _cards(index: SearchIndex, ids: list) -> list:
    """(id, card HTML) for `ids`; cards are rendered once per data token and language.

    A card shows only listing data, so it stays right until the token changes; this
    saves the page's card queries and most of its template time.
    """
    language = get_language()
    keys = {pk: (index.token, index.day, language, pk) for pk in ids}
    with _card_cache_lock:
        found = {pk: _card_cache.get(key) for pk, key in keys.items()}
    missing = [pk for pk, html in found.items() if html is None]
    if missing:
        for provider in _card_providers(missing):
            html = render_to_string("includes/provider_card.html", {"provider": provider})
            found[provider.pk] = html
            with _card_cache_lock:
                _card_cache[keys[provider.pk]] = html
        with _card_cache_lock:
            while len(_card_cache) > CARD_CACHE_SIZE:
                _card_cache.popitem(last=False)
    return [(pk, found[pk]) for pk in ids if found.get(pk) is not None]


def _card_providers(ids: list) -> list:
    if not ids:
        return []
    by_id = {provider.pk: provider for provider in _card_queryset().filter(pk__in=ids)}
    providers = [by_id[pk] for pk in ids if pk in by_id]
    for provider in providers:
        seen = []
        for centre in provider.card_centres:
            code = str(centre.country)
            if code not in seen:
                seen.append(code)
        provider.card_countries = [countries.name(code) for code in seen]
        provider.card_service_names = [ps.service.name for ps in provider.card_services]
    return providers


@dataclass
class TextMatch:
    """Providers matching a text query: their bits, and their positions in relevance order."""

    bits: int
    ranked: np.ndarray

    @property
    def cost(self) -> int:
        return 1 + len(self.ranked)


#: Text matches cached per process, keyed by data token and query; bounded by positions held.
_text_cache: OrderedDict = OrderedDict()
_text_cache_lock = threading.Lock()
TEXT_CACHE_POSITIONS = 600_000
TEXT_CACHE_ENTRIES = 256


def _text_match(index: SearchIndex, q: str) -> TextMatch:
    """Which published providers match `q`, and in which relevance order.

    On PostgreSQL one small query (the database parses the query and gives its name
    trigrams) and the rest in memory (search_text.py); phrases add one query. On
    SQLite, a contains-search. Kept while the search data token is unchanged.
    """
    key = (index.token, index.day, q)
    with _text_cache_lock:
        hit = _text_cache.get(key)
        if hit is not None:
            _text_cache.move_to_end(key)
            return hit
    if index.text is not None:
        match = _memory_text_match(index, q)
    else:
        queryset = _text_filtered(Provider.objects.published(), q)
        rows = _with_rank(queryset, q).values_list("id", "rank")
        scored = sorted(
            (-rank, position)
            for pk, rank in rows
            if (position := index.position_of(pk)) is not None
        )
        ranked = np.array([pos for _rank, pos in scored], dtype=np.int32)
        found = np.zeros(index.size, dtype=bool)
        found[ranked] = True
        match = TextMatch(bits=bool_to_bits(found), ranked=ranked)
    with _text_cache_lock:
        _text_cache[key] = match
        _text_cache.move_to_end(key)
        while len(_text_cache) > TEXT_CACHE_ENTRIES or (
            len(_text_cache) > 1
            and sum(m.cost for m in _text_cache.values()) > TEXT_CACHE_POSITIONS
        ):
            _text_cache.popitem(last=False)
    return match


def _parsed_query(q: str) -> tuple:
    """(tsquery tree or None, name trigrams, similarity threshold) from PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery('english'::regconfig, %s)::text, show_trgm(%s), "
            "current_setting('pg_trgm.similarity_threshold', true)",
            [q, similarity_text(q)],
        )
        tsquery, trigrams, threshold = cursor.fetchone()
    return parse_tsquery(tsquery), trigrams, float(threshold or DEFAULT_SIMILARITY_THRESHOLD)


def _memory_text_match(index: SearchIndex, q: str) -> TextMatch:
    node, trigrams, threshold = _parsed_query(q)
    text = index.text
    if node is None:
        found = np.zeros(index.size, dtype=bool)
    elif node.has_phrase:
        # Word positions are not kept in memory: the database matches phrases.
        ids = Provider.objects.published().filter(
            RawSQL(_PG_FTS_SQL, [q], output_field=BooleanField())  # noqa: S611 (constant SQL, q is a parameter)
        )
        found = bits_to_bool(index.positions_of(ids.values_list("id", flat=True)), index.size)
    else:
        found = text.matches(node)
    similarity = text.name_similarity(trigrams)
    similar = similarity.astype(np.float64) >= threshold
    similarity[~similar] = 0
    found |= similar
    points = text.points(node.lexemes() if node is not None else ())
    return TextMatch(
        bits=bool_to_bits(found),
        ranked=rank_order(np.flatnonzero(found), points, similarity),
    )


def _ranked_page(index: SearchIndex, match: TextMatch, result_bits: int, offset, limit) -> list:
    in_result = bits_to_bool(result_bits, index.size)
    ranked = match.ranked
    page = ranked[in_result[ranked]][offset : offset + limit]
    return index.ids[page].tolist()


def _facet_label(param: str, option) -> str:
    if param == "country":
        return str(countries.name(option.key))
    if param == "size":
        return str(SizeBand(option.key).label)
    return option.label


def provider_search(
    *, params: SearchParams, page: int, page_size: int, render_cards: bool = True
) -> SearchResult:
    """One page of results with disjunctive facet counts, chips and relaxation hints.

    Counts are exact: each option's count is the number of published providers it
    gives together with every other active filter (its own facet's other values
    aside), and following it yields exactly that many. Queries: one for the data
    token, one for the text query (if any), one for the page plus two prefetches.
    With `render_cards=False` (the JSON API) no card is rendered and the page costs
    no query: `cards` holds the page's ids with no HTML, in order, and the caller
    reads what it shows (only published providers) itself.
    """
    index = params.index or search_index()
    _forget_stale_caches(index)
    problems = list(params.problems)
    sort = params.effective_sort
    page_size = max(1, page_size)

    base = index.all_bits
    text = None
    if params.q:
        text = _text_match(index, params.q)
        base &= text.bits

    # One mask per active filter.
    masks = {}
    for facet in FACETS:
        chosen = params.get(facet.param)
        if chosen:
            mask = 0
            for value in chosen:
                mask |= index.bits.get(facet.param, {}).get(value, 0)
            masks[facet.param] = mask
    if params.impact_min is not None:
        masks["impact_min"] = index.impact_at_least[params.impact_min]
    if params.verified:
        masks["verified"] = index.bits["verified"].get("1", 0)

    def others(skip):
        bits = base
        for key, mask in masks.items():
            if key != skip:
                bits &= mask
        return bits

    result_bits = others(None)
    total = result_bits.bit_count()

    facets = []
    for facet in FACETS:
        pool = others(facet.param)
        chosen = set(params.get(facet.param))
        options = []
        for option in index.options.get(facet.param, ()):
            count = (pool & index.bits[facet.param].get(option.key, 0)).bit_count()
            if count or option.key in chosen:
                options.append(
                    FacetOptionView(
                        key=option.key,
                        label=_facet_label(facet.param, option),
                        count=count,
                        selected=option.key in chosen,
                        level=option.level,
                        input_id=f"f-{facet.param}-{option.key}",
                    )
                )
        if facet.param == "country":
            options.sort(key=lambda o: o.label)
        if options:
            facets.append(FacetGroup(facet.param, str(facet.label), options, active=bool(chosen)))

    pool = others("impact_min")
    impact_options = []
    thresholds = sorted({*IMPACT_THRESHOLDS, *([params.impact_min] if params.impact_min else [])})
    for threshold in thresholds:
        count = (pool & index.impact_at_least[threshold]).bit_count()
        if count or threshold == params.impact_min:
            impact_options.append(
                FacetOptionView(
                    key=str(threshold),
                    label=_("At least %(n)d%%") % {"n": threshold},
                    count=count,
                    selected=threshold == params.impact_min,
                    input_id=f"f-impact_min-{threshold}",
                )
            )
    if impact_options:
        facets.append(
            FacetGroup(
                "impact_min",
                _("Impact workers in the workforce"),
                impact_options,
                kind="radio",
                active=params.impact_min is not None,
            )
        )
    verified_count = (others("verified") & index.bits["verified"].get("1", 0)).bit_count()
    if verified_count or params.verified:
        facets.append(
            FacetGroup(
                "verified",
                _("Verification"),
                [
                    FacetOptionView(
                        key="1",
                        label=_("Verified listings only"),
                        count=verified_count,
                        selected=params.verified,
                        input_id="f-verified-1",
                    )
                ],
                active=params.verified,
            )
        )

    num_pages = max(1, math.ceil(total / page_size))
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
    offset = (page - 1) * page_size

    if sort == "relevance" and text is not None:
        page_ids = _ranked_page(index, text, result_bits, offset, page_size)
    else:
        page_ids = index.page_ids(result_bits, sort, offset, page_size)

    return SearchResult(
        cards=_cards(index, page_ids) if render_cards else [(pk, "") for pk in page_ids],
        total=total,
        page=page,
        num_pages=num_pages,
        page_size=page_size,
        sort=sort,
        facets=facets,
        chips=_chips(params, index),
        relaxations=_relaxations(params, index, base, masks, others) if total == 0 else [],
        problems=problems,
        params=params,
    )


def _search_url(params: SearchParams) -> str:
    query = params.urlencode()
    return f"?{query}" if query else "?"


def _option_label(index: SearchIndex, param: str, key: str) -> str:
    if param == "country":
        return str(countries.name(key))
    if param == "size":
        return str(SizeBand(key).label)
    for option in index.options.get(param, ()):
        if option.key == key:
            return option.label
    return key


def _chips(params: SearchParams, index: SearchIndex) -> list:
    chips = []
    if params.q:
        chips.append(Chip(_("Text: “%(q)s”") % {"q": params.q}, _search_url(params.without("q"))))
    for facet in FACETS:
        for value in params.get(facet.param):
            chips.append(
                Chip(
                    f"{facet.label}: {_option_label(index, facet.param, value)}",
                    _search_url(params.without(facet.param, value)),
                )
            )
    if params.impact_min is not None:
        chips.append(
            Chip(
                _("Impact workers at least %(n)d%%") % {"n": params.impact_min},
                _search_url(params.without("impact_min")),
            )
        )
    if params.verified:
        chips.append(Chip(_("Verified only"), _search_url(params.without("verified"))))
    return chips


def _relaxations(params, index, base, masks, others) -> list:
    """For an empty result: what each active filter's removal would give."""
    hints = []
    if params.q:
        without_text = index.all_bits
        for mask in masks.values():
            without_text &= mask
        hints.append(
            Relaxation(
                _("the search text “%(q)s”") % {"q": params.q},
                without_text.bit_count(),
                _search_url(params.without("q")),
            )
        )
    names = {facet.param: str(facet.label).lower() for facet in FACETS}
    names["impact_min"] = _("the minimum impact share")
    names["verified"] = _("verified only")
    for key in masks:
        hints.append(
            Relaxation(names[key], others(key).bit_count(), _search_url(params.without(key)))
        )
    hints.sort(key=lambda hint: -hint.count)
    return hints


__all__ = [
    "FACETS_BY_PARAM",
    "Problem",
    "SearchParams",
    "SearchResult",
    "parse_search_params",
    "provider_search",
    "search_queryset",
]
