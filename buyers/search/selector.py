"""The search selectors: one page with facet counts, and every match from the database.

- `provider_search(*, params, page, page_size, render_cards=True) -> SearchResult`:
  one page of results with disjunctive facet counts, chips and hints for the page
  (the JSON API calls it with `render_cards=False`: the same results, no HTML).
- `search_queryset(params) -> QuerySet[Provider]`: every matching published
  provider, in the order of the search, straight from the database (CSV export,
  saved-search alerts).

Facet counts and pages come from the in-memory index (index.py); text matching
and ranking from text.py.
"""

import math
import threading
from dataclasses import dataclass, field, replace

from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from buyers.search import cards, sqlite_text, text
from buyers.search.bits import bits_to_bool
from buyers.search.current import search_index
from buyers.search.facets import (
    FACETS,
    FACETS_BY_PARAM,
    FILTERS_BY_PARAM,
    IMPACT_MIN,
    IMPACT_THRESHOLDS,
    FacetGroup,
    FacetOptionView,
    in_page_order,
)
from buyers.search.filters import SearchFilterSet
from buyers.search.index import FacetOption, SearchIndex
from buyers.search.parameters import MAX_VALUES_PER_FACET, SORTS, Problem, SearchParams
from buyers.search.query import query_groups


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
class Suggestion:
    """A link the page offers: a corrected spelling, or a facet value the query names."""

    label: str
    count: int
    url: str
    #: facet suggestions: the facet's name in lower case ("impact target group")
    facet: str = ""


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
    #: "Did you mean": the query with its misspelt words corrected (empty results only)
    spelling: Suggestion | None = None
    #: facet values the query names that are not filters yet (every page with a query)
    facet_suggestions: list = field(default_factory=list)
    #: "Showing results for": the query as the search read it, when a misspelt word was
    #: read as the listings' word (SQLite's typo correction), with the words it replaced
    corrected: Suggestion | None = None
    corrected_words: tuple = ()

    @property
    def provider_ids(self) -> list:
        return [pk for pk, _html in self.cards]

    @cached_property
    def providers(self) -> list:
        """The page's providers as model instances (one query; the page itself uses `cards`)."""
        return cards.card_providers(self.provider_ids)

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


def search_queryset(params: SearchParams):
    """Every published provider matching `params`, ordered as the search orders them.

    No pagination and no facet counting; for CSV export and saved-search alerts. This
    is the search FilterSet's database path (filters.py), given the canonical query.
    """
    index = params.index or search_index()
    return SearchFilterSet(params.to_querydict(), index=index).qs


_cached_for: tuple | None = None
_cached_for_lock = threading.Lock()


def _forget_stale_caches(index: SearchIndex) -> None:
    """Empty the caches whose entries the index's last change left unused: final text
    matches after any change; cards and matches over the built postings only after a
    full rebuild (they are kept per provider change and per build)."""
    global _cached_for
    version = (index.base_token, index.day, index.seq)
    if _cached_for == version:
        return
    with _cached_for_lock:
        if _cached_for != version:
            rebuilt = _cached_for is None or _cached_for[:2] != version[:2]
            if rebuilt:
                cards.forget_cards()
            text.forget_matches(built=rebuilt)
            _cached_for = version


def _ranked_page(
    index: SearchIndex, match: text.TextMatch, result_bits: int, offset, limit
) -> list:
    in_result = bits_to_bool(result_bits, index.size)
    ranked = match.ranked
    page = ranked[in_result[ranked]][offset : offset + limit]
    return index.ids[page].tolist()


def provider_search(
    *, params: SearchParams, page: int, page_size: int, render_cards: bool = True
) -> SearchResult:
    """One page of results with disjunctive facet counts, chips and relaxation hints.

    Counts are exact: each option's count is the number of published providers it
    gives together with every other active filter (its own facet's other values
    aside), and following it yields exactly that many. Queries: one for the data
    token, one for the text query (if any), one for the page plus two prefetches.
    The page also gets its suggestions: facet values the query names (no query) and,
    for an empty text search with a misspelt word, a corrected spelling (one more
    query, on that page only). With `render_cards=False` (the JSON API) neither is
    made, no card is rendered and the page costs no query: `cards` holds the page's
    ids with no HTML, in order, and the caller reads what it shows (only published
    providers) itself.
    """
    index = params.index or search_index()
    _forget_stale_caches(index)
    problems = list(params.problems)
    sort = params.effective_sort
    page_size = max(1, page_size)

    base = index.all_bits
    match = None
    if params.q:
        match = text.text_match(index, params.q)
        base &= match.bits

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
                        label=facet.option_label(option),
                        count=count,
                        selected=option.key in chosen,
                        level=option.level,
                        input_id=f"f-{facet.param}-{option.key}",
                    )
                )
        options = in_page_order(facet, options)
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
                IMPACT_MIN.param,
                str(IMPACT_MIN.label),
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
                str(FILTERS_BY_PARAM["verified"].label),
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

    if sort == "relevance" and match is not None:
        page_ids = _ranked_page(index, match, result_bits, offset, page_size)
    else:
        page_ids = index.page_ids(result_bits, sort, offset, page_size)

    return SearchResult(
        cards=cards.rendered_cards(index, page_ids)
        if render_cards
        else [(pk, "") for pk in page_ids],
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
        # The page's alone (the JSON API asks with render_cards=False and shows neither).
        spelling=_spelling(params, index, masks) if render_cards and not total else None,
        facet_suggestions=_facet_suggestions(params, index, base, masks) if render_cards else [],
        **_corrected(params, index, match, total),
    )


def _corrected(params: SearchParams, index: SearchIndex, match, total: int) -> dict:
    """The page says when the search read a word of the query as another (SQLite only:
    a word no listing uses is read as the closest one, sqlite_text); the link is the
    corrected query's own page (the same results). Not for a query that is all names of
    taxonomy terms ("modération de contenu"): it was read as those terms, whatever
    English words its own were taken for."""
    if match is None or not match.corrections or not total:
        return {}
    if index.concepts is not None and len(index.concepts.recognise(params.q)) == len(
        query_groups(params.q)
    ):
        return {}
    replaced = dict(match.corrections)
    label = sqlite_text.rewritten_query(params.q, replaced.get)
    if not label:
        return {}
    return {
        "corrected": Suggestion(label, total, _search_url(replace(params, q=label))),
        "corrected_words": tuple(replaced),
    }


def _search_url(params: SearchParams) -> str:
    query = params.urlencode()
    return f"?{query}" if query else "?"


def _option_label(index: SearchIndex, param: str, key: str) -> str:
    facet = FACETS_BY_PARAM[param]
    for option in index.options.get(param, ()):
        if option.key == key:
            return facet.option_label(option)
    return facet.option_label(FacetOption(key, key))


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
    """For an empty result: each active filter whose removal alone finds providers, and how many."""
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
    # Only a relaxation that finds someone is a way out; the others would be dead ends too.
    hints = [hint for hint in hints if hint.count]
    hints.sort(key=lambda hint: -hint.count)
    return hints


def _count(index: SearchIndex, base: int, masks: dict) -> int:
    bits = base
    for mask in masks.values():
        bits &= mask
    return (bits & index.all_bits).bit_count()


def _spelling(params: SearchParams, index: SearchIndex, masks: dict) -> Suggestion | None:
    """For an empty text search: the query with its misspelt words corrected, if that
    finds someone with every other filter kept (its count is that page's own).

    The corrections come from the words of the taxonomy's names and synonyms
    (concepts.py) and on SQLite also from the listings' words (sqlite_text.Vocabulary);
    PostgreSQL's index holds stemmed lexemes, not words a buyer could be shown. The
    count costs one text query, on this page only (then kept with the other matches).
    """
    vocabularies = [
        vocabulary
        for vocabulary in (index.vocabulary, index.concepts and index.concepts.vocabulary)
        if vocabulary is not None
    ]
    if not params.q or not vocabularies:
        return None
    corrected = sqlite_text.suggested_query(params.q, *vocabularies)
    if not corrected or corrected == params.q:
        return None
    count = _count(index, text.text_match(index, corrected).bits, masks)
    if not count:
        return None
    return Suggestion(corrected, count, _search_url(replace(params, q=corrected)))


#: Facet suggestions shown at most on one page.
MAX_FACET_SUGGESTIONS = 3


def _facet_suggestions(params: SearchParams, index: SearchIndex, base: int, masks: dict) -> list:
    """Facet values the query names (concepts.py) that are not filters yet, each with
    the count of the page it links to, from the index's bits (no query).

    When the whole query is one name ("disability"), the link swaps the text for the
    filter: the filter says exactly what the words did, and the text would only add
    providers merely mentioning the word. Otherwise the text stays and the filter narrows.
    """
    if not params.q or index.concepts is None:
        return []
    named = index.concepts.recognise(params.q)
    if not named:
        return []
    one_name = len(named) == 1 and len(named[0]) == 1 and len(query_groups(params.q)) == 1
    terms = []
    for group in named:
        for names in group:
            for term in sorted(names):
                if term not in terms:
                    terms.append(term)
    suggestions = []
    for param, key in terms:
        if param not in FACETS_BY_PARAM or key in params.get(param):
            continue
        if len(params.get(param)) >= MAX_VALUES_PER_FACET:
            continue
        option_bits = index.bits.get(param, {}).get(key)
        if option_bits is None or key not in {o.key for o in index.options.get(param, ())}:
            continue
        target = params.without("q") if one_name else params
        target = target.with_value(param, key)
        target_masks = dict(masks)
        target_masks[param] = masks.get(param, 0) | option_bits
        count = _count(index, index.all_bits if one_name else base, target_masks)
        if not count:
            continue
        facet = FACETS_BY_PARAM[param]
        suggestions.append(
            Suggestion(
                _option_label(index, param, key),
                count,
                _search_url(target),
                facet=str(facet.label).lower(),
            )
        )
        if len(suggestions) == MAX_FACET_SUGGESTIONS:
            break
    return suggestions
