"""The search URL contract: parse a request's parameters into `SearchParams`.

`parse_search_params(querydict) -> SearchParams` keeps only values the directory
knows and describes everything it dropped in `problems` (plain sentences for the
page, with the parameter for the JSON API's error body); it never raises.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from buyers.search.current import search_index
from buyers.search.facets import FACETS
from buyers.search.index import SearchIndex
from buyers.search.postings import bound_negations
from providers.models import SizeBand

#: Longest text query kept; the rest is cut off (and the buyer told so).
MAX_QUERY_LENGTH = 200
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
