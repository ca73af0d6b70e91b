"""The search URL contract as a django-filter FilterSet, built from the facet declarations.

`SearchFilterSet(querydict, index=...)` has one filter per parameter: `q`, one per
declaration in `facets.FILTERS` (service, country, region, certification,
language, group, size, impact_min, pricing, mode, verified), `sort` and `page`.

- Its form is lenient: a field never fails; it keeps the values the directory
  knows and lists what it dropped in `problems` (sentences for the page, with
  the parameter for the API's error body). `parse_search_params`
  (parameters.py) reads the search page's parameters from it.
- Its `qs` is the database path of a search: every matching published provider
  in the order of the search (`search_queryset` for exports, alerts and tests).

The accepted keys come from the in-memory index (`index.options`), not from
callable choices, which would query the database on every request; a facet's
condition is its declaration's SQL (`Facet.q`, an `IN (subquery)`), so no join
can duplicate rows and no DISTINCT is needed.

It lives beside facets.py rather than in it: the declarations are plain data
that the index builder and migrations' tests read without forms, text search or
ranking, which the FilterSet needs.
"""

import re
import unicodedata

import django_filters
from django import forms
from django.db import connection
from django.db.models import FloatField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from buyers.search import text
from buyers.search.facets import FILTERS, FLAG, OPTIONS, THRESHOLD
from buyers.search.index import index_order_by, search_index
from buyers.search.postings import bound_negations, rank_sql
from providers.models import Provider

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

#: What a threshold or flag says when its value is refused, by parameter.
_INVALID = {
    "impact_min": gettext_lazy(
        "Ignored minimum impact share “%(value)s”: give a whole percent from 0 to 100."
    ),
    "verified": gettext_lazy("Ignored verified “%(value)s”: use 1 for verified providers only."),
}


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


def clean_query(raw: str) -> tuple[str, bool]:
    """Normalise odd Unicode, drop control characters, collapse spaces, cap the length,
    and drop pairs from chains of `-` too long for PostgreSQL to parse (same meaning)."""
    text_ = unicodedata.normalize("NFKC", raw)
    text_ = _CONTROL.sub(" ", text_)
    text_ = "".join(ch for ch in text_ if unicodedata.category(ch) not in {"Cs", "Co", "Cn"})
    text_ = _SPACES.sub(" ", text_).strip()
    cut = len(text_) > MAX_QUERY_LENGTH
    if cut:
        text_ = text_[:MAX_QUERY_LENGTH].rstrip()
    return bound_negations(text_).strip(), cut


def shown(value: str) -> str:
    """A value as a problem quotes it: no control characters, at most 40 characters."""
    value = _CONTROL.sub("", value)
    return value if len(value) <= 40 else value[:39] + "…"


def effective_sort(q: str, sort: str) -> str:
    """The order a search uses: as asked, but relevance only with a text query."""
    if sort == "relevance" and not q:
        return DEFAULT_SORT
    if sort:
        return sort
    return "relevance" if q else DEFAULT_SORT


# -- lenient fields: keep what is known, describe what was dropped -----------------


class LenientField(forms.Field):
    """A form field that never fails: `clean` keeps what it can and puts a `Problem`
    for each value it dropped in `self.problems` (the form collects them, in order)."""

    widget = forms.TextInput
    #: Where this field's problems come in the list (see LenientSearchForm.clean).
    problem_rank = 0

    def __init__(self, *, param: str, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)
        self.param = param
        self.problems = []

    def clean(self, value):
        self.problems = []
        return self.lenient(value)

    def lenient(self, value):
        raise NotImplementedError

    def problem(self, message: str, value: str = "") -> None:
        self.problems.append(Problem(message, param=self.param, value=value))


class QueryField(LenientField):
    def lenient(self, raw):
        if not raw:
            return ""
        q, cut = clean_query(raw)
        if cut:
            self.problem(
                _("The search text was cut to its first %(n)d characters.")
                % {"n": MAX_QUERY_LENGTH},
                shown(raw),
            )
        return q


class OptionsField(LenientField):
    """Values of a facet (the parameter repeated): known keys, each once, at most
    MAX_VALUES_PER_FACET of them."""

    widget = forms.SelectMultiple

    def __init__(self, *, facet, index, **kwargs):
        super().__init__(param=facet.param, **kwargs)
        self.facet = facet
        self.index = index

    def lenient(self, raw) -> tuple:
        if not raw:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        name = str(self.facet.label).lower()
        known = self.facet.known_keys(self.index)
        kept = []
        for item in raw:
            value = self.facet.normalise(item.strip())
            if not value:
                continue
            if value not in known:
                self.problem(
                    _("Ignored unknown %(facet)s “%(value)s”.")
                    % {"facet": name, "value": shown(item)},
                    shown(item),
                )
                continue
            if value not in kept:
                kept.append(value)
        if len(kept) > MAX_VALUES_PER_FACET:
            self.problem(
                _("Only the first %(n)d values of %(facet)s were used.")
                % {"n": MAX_VALUES_PER_FACET, "facet": name}
            )
            kept = kept[:MAX_VALUES_PER_FACET]
        return tuple(kept)


class ThresholdField(LenientField):
    """A whole number within the declaration's bounds, or None."""

    problem_rank = 1

    def __init__(self, *, facet, index, **kwargs):
        super().__init__(param=facet.param, **kwargs)
        self.low, self.high = facet.bounds

    def lenient(self, raw):
        raw = (raw or "").strip()
        if not raw:
            return None
        if raw.isascii() and raw.isdigit() and self.low <= int(raw) <= self.high:
            return int(raw)
        self.problem(_INVALID[self.param] % {"value": shown(raw)}, shown(raw))
        return None


class FlagField(LenientField):
    """`1` for on; anything else is off (and, unless empty, reported)."""

    problem_rank = 1

    def __init__(self, *, facet, index, **kwargs):
        super().__init__(param=facet.param, **kwargs)

    def lenient(self, raw) -> bool:
        raw = (raw or "").strip()
        if raw == "1":
            return True
        if raw:
            self.problem(_INVALID[self.param] % {"value": shown(raw)}, shown(raw))
        return False


class SortField(LenientField):
    problem_rank = 2

    def lenient(self, raw) -> str:
        raw = (raw or "").strip()
        if raw in SORTS:
            return raw
        if raw:
            self.problem(
                _("Ignored unknown sort order “%(value)s”.") % {"value": shown(raw)}, shown(raw)
            )
        return ""


class PageField(LenientField):
    problem_rank = 2

    def lenient(self, raw) -> int:
        raw = (raw or "").strip()
        if not raw:
            return 1
        if raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) >= 1:
            return int(raw)
        self.problem(
            _("Ignored page “%(value)s”: showing page 1.") % {"value": shown(raw)}, shown(raw)
        )
        return 1


class LenientSearchForm(forms.Form):
    """The FilterSet's form: always valid; `problems` lists what its fields dropped."""

    problems: list

    def clean(self):
        cleaned = super().clean()
        # In the order the page lists its filters: the text and the facets, then the
        # thresholds and flags, then sort and page.
        fields = sorted(self.fields.values(), key=lambda field: field.problem_rank)
        self.problems = [problem for field in fields for problem in field.problems]
        return cleaned


# -- filters -----------------------------------------------------------------------


class ContractFilter(django_filters.Filter):
    """A filter of the contract without a declaration (q, sort, page)."""

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self._field = self.field_class(param=self.field_name, label=self.label, **self.extra)
        return self._field


class QueryFilter(ContractFilter):
    field_class = QueryField

    def filter(self, qs, value):
        return text.text_filtered(qs, value) if value else qs


class SortFilter(ContractFilter):
    """Chooses the order; `SearchFilterSet.filter_queryset` applies it after every filter."""

    field_class = SortField

    def filter(self, qs, value):
        return qs


class PageFilter(ContractFilter):
    """Part of the contract, not of the queryset: the caller cuts the page."""

    field_class = PageField

    def filter(self, qs, value):
        return qs


class DeclaredFilter(django_filters.Filter):
    """A filter made from a facet declaration; its field gets the declaration and the
    index the FilterSet was given (for the accepted keys)."""

    field_classes = {OPTIONS: OptionsField, THRESHOLD: ThresholdField, FLAG: FlagField}

    def __init__(self, facet):
        super().__init__(field_name=facet.param, label=facet.label)
        self.facet = facet
        self.index = None
        self.field_class = self.field_classes[facet.kind]

    def __deepcopy__(self, memo):
        # Filters are copied for each FilterSet; the declaration is immutable and shared.
        copied = type(self).__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.extra = dict(self.extra)
        copied.__dict__.pop("_field", None)
        return copied

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self._field = self.field_class(
                facet=self.facet, index=self.index, label=self.label, **self.extra
            )
        return self._field

    def filter(self, qs, value):
        if value is None or value is False or value == ():
            return qs
        if self.facet.kind == FLAG:
            value = ("1",)
        return qs.filter(self.facet.q(value))


class BaseSearchFilterSet(django_filters.FilterSet):
    class Meta:
        form = LenientSearchForm

    def __init__(self, data=None, queryset=None, *, index=None, **kwargs):
        if queryset is None:
            queryset = Provider.objects.published()
        super().__init__(data, queryset, **kwargs)
        if index is None:
            index = search_index()
        self.index = index
        for filter_ in self.filters.values():
            if isinstance(filter_, DeclaredFilter):
                filter_.index = index

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        return ordered(queryset, data["q"], effective_sort(data["q"], data["sort"]))


def _filterset_class():
    attrs = {"q": QueryFilter(label=gettext_lazy("Search text"))}
    for facet in FILTERS:
        attrs[facet.param] = DeclaredFilter(facet)
    attrs["sort"] = SortFilter(label=gettext_lazy("Order"))
    attrs["page"] = PageFilter(label=gettext_lazy("Page"))
    return type(django_filters.FilterSet)("SearchFilterSet", (BaseSearchFilterSet,), attrs)


#: The search URL contract: q, every declared filter, sort and page (in this order).
SearchFilterSet = _filterset_class()

#: The contract's parameters in order (a saved search keeps all but `page`).
PARAMETERS = tuple(SearchFilterSet.base_filters)


def ordered(queryset, q: str, sort: str):
    """`queryset` in the order the search page shows its results in."""
    if sort != "relevance":
        return queryset.order_by(*index_order_by(sort))
    if connection.vendor != "postgresql":
        return text.with_rank(queryset, q).order_by("-rank", "name", "id")
    # The order of the search page (postings.py), computed by the database.
    node, _trigrams, _threshold = text.parsed_query(q)
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
            [text.similarity_text(q)] * 2,
            output_field=FloatField(),
        ),
    ).order_by(*order)
