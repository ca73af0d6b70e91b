"""The library's URL contract as a django-filter FilterSet, from the search's pieces.

`CaseStudyFilterSet(querydict, index=...)` has one filter per parameter: `q` (words
of the title, challenge, approach or results), one per library facet (service,
industry, group, country, year; each repeatable, values ORed within a facet and
facets ANDed) and `page`. Its form is the search's lenient form: unknown values are
dropped and described in `problems`, never an error. Its `qs` is the database path:
every matching case study of a published provider, newest first (the in-memory
library must agree with it, tests/buyers/test_case_study_library.py).
"""

import re

from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from buyers.search.filters import (
    BaseSearchFilterSet,
    DeclaredFilter,
    PageFilter,
    QueryField,
    SearchFilter,
)
from providers.models import CaseStudy, ListingStatus

from .facets import LIBRARY_FACETS

#: The text a query's words are looked for in; migration 0014 indexes this very
#: expression with trigrams on PostgreSQL, so ILIKE '%word%' reads the index.
STUDY_TEXT = "(cs.title || ' ' || cs.challenge || ' ' || cs.approach || ' ' || cs.results)"
#: Most words of a query used (the rest are ignored).
MAX_WORDS = 8

_WORD = re.compile(r"\w+")


def query_words(q: str) -> list[str]:
    """The words of a query, each once, in order (at most MAX_WORDS)."""
    words = []
    for word in _WORD.findall(q.casefold()):
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_sql(q: str) -> tuple[str, list] | None:
    """SQL selecting the ids of case studies containing every word of `q` (any case),
    or None when `q` has no words."""
    words = query_words(q)
    if not words:
        return None
    from django.db import connection

    operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
    conditions = " AND ".join(f"{STUDY_TEXT} {operator} %s ESCAPE '\\'" for _word in words)
    return f"SELECT cs.id FROM providers_casestudy cs WHERE {conditions}", [  # noqa: S608 (constant SQL)
        _like(word) for word in words
    ]


class StudyTextFilter(SearchFilter):
    field_class = QueryField

    def filter(self, qs, value):
        found = text_sql(value) if value else None
        if found is None:
            return qs
        return qs.filter(pk__in=RawSQL(*found))  # noqa: S611 (constant SQL, words are parameters)


class BaseCaseStudyFilterSet(BaseSearchFilterSet):
    """`CaseStudyFilterSet(data, index=…)`: `form` cleans the library's parameters with the
    library's options; `qs` is every matching case study of a published provider."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, index=None):
        if index is None:
            from .index import library_index

            index = library_index()
        super().__init__(data or QueryDict(), queryset, request=request, prefix=prefix, index=index)

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = CaseStudy.objects.filter(provider__status=ListingStatus.PUBLISHED)
            if not self.published_only:
                queryset = self.queryset.filter(provider__status=ListingStatus.PUBLISHED)
            self.form.is_valid()  # always valid: cleans the parameters
            for name, value in self.form.cleaned_data.items():
                queryset = self.filters[name].filter(queryset, value)
            self._qs = queryset.order_by("-year", "-id")
        return self._qs


def _filterset_class():
    attrs = {"q": StudyTextFilter(label=gettext_lazy("Search text"))}
    for facet in LIBRARY_FACETS:
        attrs[facet.param] = DeclaredFilter(facet)
    attrs["page"] = PageFilter(label=gettext_lazy("Page"))
    return type(BaseSearchFilterSet)("CaseStudyFilterSet", (BaseCaseStudyFilterSet,), attrs)


#: The library's URL contract: q, every library facet and page (in this order).
CaseStudyFilterSet = _filterset_class()
