"""The search URL contract: parse a request's parameters into `SearchParams`.

`parse_search_params(querydict) -> SearchParams` keeps only values the directory
knows and describes everything it dropped in `problems` (plain sentences for the
page, with the parameter for the JSON API's error body); it never raises.
"""

import weakref
from dataclasses import dataclass, field, replace

from django.http import QueryDict

from buyers.search.current import search_index
from buyers.search.facets import FACETS
from buyers.search.filters import (
    DEFAULT_SORT,
    MAX_QUERY_LENGTH,
    MAX_VALUES_PER_FACET,
    SORTS,
    Problem,
    SearchFilterSet,
    clean_query,
    effective_sort,
)
from buyers.search.index import SearchIndex

__all__ = [
    "DEFAULT_SORT",
    "MAX_QUERY_LENGTH",
    "MAX_VALUES_PER_FACET",
    "SORTS",
    "Problem",
    "SearchParams",
    "clean_query",
    "parse_search_params",
]


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
    #: the index they were cleaned with, weakly: a page's template context holds them in
    #: reference cycles, which would keep a replaced index alive until a collection
    index_ref: weakref.ref | None = field(default=None, compare=False, repr=False)

    @property
    def index(self) -> SearchIndex | None:
        """The index they were cleaned with, while it is alive (else the current one serves)."""
        return self.index_ref() if self.index_ref is not None else None

    @property
    def effective_sort(self) -> str:
        return effective_sort(self.q, self.sort)

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

    def canonical_query(self, page: int = 1) -> str:
        """The query string of the address these results are known by: the text, and `page`.

        A text search is a page of its own (robots.txt lets crawlers read it); filters
        and the sort are presentations of it, so its address leaves them out, and with
        no text the plain search page is the address. `page` is the page shown (one past
        the last asks for the last).
        """
        if not self.q:
            return ""
        query = QueryDict(mutable=True)
        query["q"] = self.q
        if page > 1:
            query["page"] = str(page)
        return query.urlencode()

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

    def with_value(self, param: str, value: str) -> "SearchParams":
        """These parameters with one more facet value (kept as they are if it is there)."""
        if value in self.get(param):
            return self
        values = dict(self.values)
        values[param] = (*values.get(param, ()), value)
        return replace(self, values=values)


def parse_search_params(querydict, *, index: SearchIndex | None = None) -> SearchParams:
    """Clean a request's GET parameters into SearchParams; never raises.

    The cleaning is the search FilterSet's lenient form (filters.py): unknown slugs,
    malformed numbers and over-long text are dropped and described in `problems`
    (plain sentences for the page).
    """
    index = index or search_index()
    form = SearchFilterSet(querydict, index=index).form
    form.is_valid()
    data = form.cleaned_data
    return SearchParams(
        q=data["q"],
        values={facet.param: data[facet.param] for facet in FACETS if data[facet.param]},
        impact_min=data["impact_min"],
        verified=data["verified"],
        sort=data["sort"],
        page=data["page"],
        problems=tuple(form.problems),
        index_ref=weakref.ref(index),
    )
