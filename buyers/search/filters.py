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

import contextvars
import re
import unicodedata
import weakref
from typing import NamedTuple

import django_filters
from django import forms
from django.db import connection
from django.db.models import FloatField
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from buyers.search import text
from buyers.search.current import search_index
from buyers.search.facets import FILTERS, FLAG, OPTIONS, THRESHOLD
from buyers.search.index import index_order_by
from buyers.search.postings import rank_sql
from buyers.search.tsquery import bound_negations
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


#: The index of the form being cleaned (LenientSearchForm.full_clean).
_cleaning_with: contextvars.ContextVar = contextvars.ContextVar("search_index_cleaning_with")


class Kept(NamedTuple):
    """What a lenient field keeps of a value, and the problems with what it dropped."""

    value: object
    problems: list


class LenientField(forms.Field):
    """A form field that never fails: `clean` returns what it keeps and a `Problem` for
    each value it dropped (the form unpacks them, see LenientSearchForm.clean).

    Fields keep no state of a request: one instance serves every form (a search page
    builds one form per request; copying 14 fields and their widgets cost ~1 ms).
    """

    widget = forms.TextInput
    #: Where this field's problems come in the list (see LenientSearchForm.clean).
    problem_rank = 0

    def __init__(self, *, param: str, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)
        self.param = param

    def __deepcopy__(self, memo):
        return self

    def clean(self, value) -> Kept:
        problems = []
        return Kept(self.lenient(value, problems), problems)

    def lenient(self, value, problems: list):
        raise NotImplementedError

    def problem(self, problems: list, message: str, value: str = "") -> None:
        problems.append(Problem(message, param=self.param, value=value))


class QueryField(LenientField):
    def lenient(self, raw, problems):
        if not raw:
            return ""
        q, cut = clean_query(raw)
        if cut:
            self.problem(
                problems,
                _("The search text was cut to its first %(n)d characters.")
                % {"n": MAX_QUERY_LENGTH},
                shown(raw),
            )
        return q


class OptionsField(LenientField):
    """Values of a facet (the parameter repeated): keys the index knows, each once, at
    most MAX_VALUES_PER_FACET of them (the index is the one of the form being cleaned)."""

    widget = forms.SelectMultiple

    def __init__(self, *, facet, **kwargs):
        super().__init__(param=facet.param, **kwargs)
        self.facet = facet

    def lenient(self, raw, problems) -> tuple:
        if not raw:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        name = str(self.facet.label).lower()
        known = self.facet.known_keys(_cleaning_with.get())
        kept = []
        for item in raw:
            value = self.facet.normalise(item.strip())
            if not value:
                continue
            if value not in known:
                self.problem(
                    problems,
                    _("Ignored unknown %(facet)s “%(value)s”.")
                    % {"facet": name, "value": shown(item)},
                    shown(item),
                )
                continue
            if value not in kept:
                kept.append(value)
        if len(kept) > MAX_VALUES_PER_FACET:
            self.problem(
                problems,
                _("Only the first %(n)d values of %(facet)s were used.")
                % {"n": MAX_VALUES_PER_FACET, "facet": name},
            )
            kept = kept[:MAX_VALUES_PER_FACET]
        return tuple(kept)


class ThresholdField(LenientField):
    """A whole number within the declaration's bounds, or None."""

    problem_rank = 1

    def __init__(self, *, facet, **kwargs):
        super().__init__(param=facet.param, **kwargs)
        self.low, self.high = facet.bounds

    def lenient(self, raw, problems):
        raw = (raw or "").strip()
        if not raw:
            return None
        if raw.isascii() and raw.isdigit() and self.low <= int(raw) <= self.high:
            return int(raw)
        self.problem(problems, _INVALID[self.param] % {"value": shown(raw)}, shown(raw))
        return None


class FlagField(LenientField):
    """`1` for on; anything else is off (and, unless empty, reported)."""

    problem_rank = 1

    def __init__(self, *, facet, **kwargs):
        super().__init__(param=facet.param, **kwargs)

    def lenient(self, raw, problems) -> bool:
        raw = (raw or "").strip()
        if raw == "1":
            return True
        if raw:
            self.problem(problems, _INVALID[self.param] % {"value": shown(raw)}, shown(raw))
        return False


class SortField(LenientField):
    problem_rank = 2

    def lenient(self, raw, problems) -> str:
        raw = (raw or "").strip()
        if raw in SORTS:
            return raw
        if raw:
            self.problem(
                problems,
                _("Ignored unknown sort order “%(value)s”.") % {"value": shown(raw)},
                shown(raw),
            )
        return ""


class PageField(LenientField):
    problem_rank = 2

    def lenient(self, raw, problems) -> int:
        raw = (raw or "").strip()
        if not raw:
            return 1
        if raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) >= 1:
            return int(raw)
        self.problem(
            problems,
            _("Ignored page “%(value)s”: showing page 1.") % {"value": shown(raw)},
            shown(raw),
        )
        return 1


class LenientSearchForm(forms.Form):
    """The FilterSet's form: always valid; `problems` lists what its fields dropped, in
    the order the page lists its filters (the text and the facets, then the thresholds
    and flags, then sort and page)."""

    problems: list

    def __init__(self, *args, index, **kwargs):
        super().__init__(*args, **kwargs)
        # Weakly: a form and its bound fields form reference cycles, which would keep the
        # index alive after a change replaced it, until the garbage collector ran.
        self._index = weakref.ref(index)

    @property
    def index(self):
        return self._index()

    def full_clean(self):
        # The fields are shared by every form: the index they check keys against is
        # this form's, for the time of its cleaning.
        token = _cleaning_with.set(self.index)
        try:
            super().full_clean()
        finally:
            _cleaning_with.reset(token)

    def clean(self):
        cleaned = super().clean()
        found = []
        for name, kept in cleaned.items():
            cleaned[name] = kept.value
            found.append((self.fields[name].problem_rank, kept.problems))
        found.sort(key=lambda item: item[0])
        self.problems = [problem for _rank, problems in found for problem in problems]
        return cleaned


# -- filters -----------------------------------------------------------------------


class SearchFilter(django_filters.Filter):
    """A filter of the search contract. It holds no state of a request (nor does its
    field): every SearchFilterSet shares the class's filters."""

    def field_kwargs(self) -> dict:
        return {"param": self.field_name}

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self._field = self.field_class(label=self.label, **self.field_kwargs(), **self.extra)
        return self._field


class QueryFilter(SearchFilter):
    field_class = QueryField

    def filter(self, qs, value):
        return text.text_filtered(qs, value) if value else qs


class SortFilter(SearchFilter):
    """Chooses the order; `SearchFilterSet.filter_queryset` applies it after every filter."""

    field_class = SortField

    def filter(self, qs, value):
        return qs


class PageFilter(SearchFilter):
    """Part of the contract, not of the queryset: the caller cuts the page."""

    field_class = PageField

    def filter(self, qs, value):
        return qs


class DeclaredFilter(SearchFilter):
    """A filter made from a facet declaration: its field checks values against what the
    declaration accepts, its condition is the declaration's SQL."""

    field_classes = {OPTIONS: OptionsField, THRESHOLD: ThresholdField, FLAG: FlagField}

    def __init__(self, facet):
        super().__init__(field_name=facet.param, label=facet.label)
        self.facet = facet
        self.field_class = self.field_classes[facet.kind]

    def field_kwargs(self) -> dict:
        return {"facet": self.facet}

    def filter(self, qs, value):
        if value is None or value is False or value == ():
            return qs
        if self.facet.kind == FLAG:
            value = ("1",)
        return qs.filter(self.facet.q(value))


_providers = None


def _all_providers():
    """One unevaluated QuerySet of every provider, to start FilterSets from (cloned)."""
    global _providers
    if _providers is None:
        _providers = Provider.objects.all()
    return _providers


class BaseSearchFilterSet(django_filters.FilterSet):
    """`SearchFilterSet(data, index=…)`: `form` cleans the search parameters with the
    index's options (the current index when none is given); `qs` is every matching
    published provider in the search's order (or the given `queryset` filtered)."""

    class Meta:
        form = LenientSearchForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, index=None):
        # django-filter's own __init__, but for copying every filter: these hold no
        # state of a request, so one set serves every FilterSet (copying them cost more
        # than the rest of parsing the parameters).
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.published_only = queryset is None
        self.queryset = _all_providers() if queryset is None else queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters
        self.index = search_index() if index is None else index

    @classmethod
    def form_class(cls):
        """The form class, made once per FilterSet class (its fields hold no state)."""
        if "_form_class" not in cls.__dict__:
            fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
            cls._form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
        return cls._form_class

    def get_form_class(self):
        return self.form_class()

    @property
    def form(self):
        if not hasattr(self, "_form"):
            data = self.data if self.is_bound else None
            self._form = self.get_form_class()(data, prefix=self.form_prefix, index=self.index)
        return self._form

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = self.queryset.all()
            if self.published_only:
                queryset = queryset.published()
            self._qs = self.filter_queryset(queryset) if self.is_bound else queryset
        return self._qs

    def filter_queryset(self, queryset):
        self.form.is_valid()  # always valid: cleans the parameters
        data = self.form.cleaned_data
        for name, value in data.items():
            if name == "q":
                queryset = text.text_filtered(queryset, value, self.index) if value else queryset
            else:
                queryset = self.filters[name].filter(queryset, value)
        sort = effective_sort(data["q"], data["sort"])
        return ordered(queryset, data["q"], sort, self.index)


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


def ordered(queryset, q: str, sort: str, index=None):
    """`queryset` in the order the search page shows its results in."""
    if sort != "relevance":
        return queryset.order_by(*index_order_by(sort))
    if connection.vendor != "postgresql":
        return text.with_rank(queryset, q, index).order_by(
            "-rank", "-name_similarity", "name", "id"
        )
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
