"""/api/v1/: the read-only JSON API (django-ninja), built on the search page's own code.

Every search operation parses the query string with `buyers.search.parse_search_params`
and searches with `buyers.search.provider_search`, exactly as /providers/ does, so a
filter gives the same providers in the same order with the same counts. Where the page
ignores a bad value and says so, the API answers 400 with the same sentences in a JSON
body: a program cannot read the page's notice, and silently unfiltered data is worse
than an error. Parameters the contract does not know, and single-valued ones given
twice, are refused the same way.

Responses carry an ETag made from the search data token (it changes with every change
to what search shows), so a conditional GET costs one query and answers 304.
Rate limiting and CORS are in `middleware.py`.
"""

import hashlib
import inspect
from typing import Literal

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError

from buyers.search.current import search_index
from buyers.search.facets import FACETS, FLAG, OPTIONS, THRESHOLD
from buyers.search.filters import MAX_QUERY_LENGTH, PARAMETERS, SearchFilterSet
from buyers.search.parameters import SORTS, parse_search_params
from buyers.search.selector import provider_search
from providers.models import Provider
from providers.opendata.ids import stable_id
from providers.selectors import provider_profile

from . import serializers as out
from .selectors import page_items, provider_pk_for, term_ids

VERSION = "1"
#: Cache-Control of every answer: public data, revalidated (cheaply, by ETag) each time.
CACHE_CONTROL = "public, no-cache"


class _Api(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """Operation ids are the view names (`provider_list`), not module paths."""
        return operation.view_func.__name__


api = _Api(
    title="ImpactDir API",
    version=VERSION,
    description=(
        "Read-only JSON access to ImpactDir's published impact sourcing service providers. "
        "Provider searches take exactly the parameters of the search page /providers/ and "
        "give the same results and counts. Counts of people follow the disclosure rule "
        "(/how-figures-are-protected/). Anonymous use is rate-limited per client."
    ),
    urls_namespace="api-v1",
    docs_url=None,
    openapi_url="/openapi.json",
)

#: Parameters of a provider search: the search page's (the FilterSet's, from the facet
#: declarations), and the API's own `page_size`.
SEARCH_PARAMS = frozenset(PARAMETERS) | {"page_size"}
#: Those given at most once: all but the facets.
SINGLE_PARAMS = tuple(
    name for name in (*PARAMETERS, "page_size") if name not in {f.param for f in FACETS}
)

#: Taxonomy kinds of open data, by search parameter (term UUIDs are open data's).
TERM_KINDS = {facet.param: facet.term_kind for facet in FACETS if facet.term_kind}

#: Operations that take the search parameters.
SEARCH_OPERATIONS = ("provider_list", "provider_facets")

_ERRORS = {400: out.ErrorOut, 404: out.ErrorOut, 429: out.ErrorOut}


def error_response(request, status: int, errors: list[dict]) -> HttpResponse:
    """A JSON error body: `{"errors": [{"parameter", "value", "message"}, …]}`."""
    items = [{"parameter": None, "value": None, **error} for error in errors]
    return api.create_response(request, {"errors": items}, status=status)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    """Values of the wrong type or range (django-ninja checks the declared types first),
    together with what else is wrong with the query, so one answer lists every problem."""
    errors = []
    for error in exc.errors:
        location = [part for part in error.get("loc", ()) if part not in ("query", "path")]
        name = str(location[0]) if location else None
        value = error.get("input")
        if name and len(location) > 1 and isinstance(location[1], int):
            given = request.GET.getlist(name)
            value = given[location[1]] if location[1] < len(given) else None
        errors.append(
            {
                "parameter": name,
                "value": str(value)[:40] if isinstance(value, str | int) else None,
                "message": str(error.get("msg", _("Invalid value."))),
            }
        )
    if request.resolver_match and request.resolver_match.url_name in SEARCH_OPERATIONS:
        named = {error["parameter"] for error in errors}
        errors += _contract_errors(request.GET)
        params = parse_search_params(request.GET)
        errors += [
            {"parameter": p.param, "value": p.value or None, "message": str(p)}
            for p in params.problems
            if p.param not in named
        ]
    return error_response(request, 400, errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, [{"message": str(exc) or _("Not found.")}])


# --------------------------------------------------------------------------
# Shared steps
# --------------------------------------------------------------------------


def _etag(request, index) -> str:
    key = "\n".join(
        [
            VERSION,
            index.token,
            index.day.isoformat(),
            get_language() or "",
            request.path,
            request.META.get("QUERY_STRING", ""),
        ]
    )
    return f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def _english_term_names(index) -> dict:
    """facet param -> option key -> the term's name in English: the API, like open data,
    names taxonomy terms as they are stored (the page translates them)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            facet.param: {
                option.key: str(facet.option_label(option))
                for option in index.options.get(facet.param, ())
            }
            for facet in FACETS
        }


def _not_modified(request, response, index):
    """Set the validators on `response`; the 304 to send instead, if the client has it."""
    etag = _etag(request, index)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    found = get_conditional_response(request, etag=etag)
    if found is not None:
        found["ETag"] = etag
        found["Cache-Control"] = CACHE_CONTROL
    return found


def _contract_errors(query) -> list[dict]:
    """Parameters outside the search contract, and single-valued ones given more than once."""
    errors = []
    for name in query:
        if name not in SEARCH_PARAMS:
            errors.append(
                {
                    "parameter": name[:40],
                    "message": _("Unknown parameter. Known parameters: %(names)s.")
                    % {"names": ", ".join(sorted(SEARCH_PARAMS))},
                }
            )
        elif name in SINGLE_PARAMS and len(query.getlist(name)) > 1:
            errors.append({"parameter": name, "message": _("Give this parameter only once.")})
    return errors


def _search(request, index, page_size: int, query=None):
    """(SearchResult, None), or (None, the 400 answer) when a parameter is wrong."""
    query = request.GET if query is None else query
    errors = _contract_errors(query)
    if errors:
        return None, error_response(request, 400, errors)
    params = parse_search_params(query, index=index)
    if params.problems:
        return None, error_response(
            request,
            400,
            [
                {"parameter": p.param, "value": p.value or None, "message": str(p)}
                for p in params.problems
            ],
        )
    result = provider_search(
        params=params, page=params.page, page_size=page_size, render_cards=False
    )
    if result.page != params.page:
        return None, error_response(
            request,
            400,
            [{"parameter": p.param, "value": p.value, "message": str(p)} for p in result.problems],
        )
    return result, None


def _page_url(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# --------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------

#: What the API says about the contract's parameters that have no facet declaration.
_CONTRACT_PARAMETERS = {
    "q": (
        str | None,
        Query(
            None,
            max_length=MAX_QUERY_LENGTH,
            description='Text, web-style: `"exact phrase"`, `-excluded`, `or`. '
            "Ranked by relevance.",
        ),
    ),
    "sort": (
        Literal[tuple(SORTS)] | None,
        Query(
            None,
            description="Order; default `relevance` with a text query, `name` without "
            "(documented at /how-results-are-ordered/; no paid placement).",
        ),
    ),
    "page": (int, Query(1, ge=1, description="Page number, from 1.")),
}


def _declared_parameter(facet) -> tuple:
    """(annotation, Query) of a facet declaration's parameter."""
    if facet.kind == THRESHOLD:
        low, high = facet.bounds
        return int | None, Query(None, ge=low, le=high, description=facet.description)
    value = Literal[facet.fixed_values] if facet.fixed_values else str
    if facet.kind == FLAG:
        return value | None, Query(None, description=facet.description)
    assert facet.kind == OPTIONS  # noqa: S101 (every kind of declaration is handled)
    return list[value] | None, Query(None, description=facet.description)


def search_parameters(page_size):
    """Give a search operation the search contract's parameters, in order, from the
    FilterSet (made from the facet declarations), plus `page_size`: django-ninja reads
    them from the signature (OpenAPI and the checks of types and ranges)."""
    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpResponse
        ),
    ]
    for name, filter_ in SearchFilterSet.base_filters.items():
        facet = getattr(filter_, "facet", None)
        annotation, default = (
            _declared_parameter(facet) if facet is not None else _CONTRACT_PARAMETERS[name]
        )
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
            )
        )
    parameters.append(
        inspect.Parameter(
            "page_size", inspect.Parameter.KEYWORD_ONLY, annotation=int, default=page_size
        )
    )

    def decorate(view):
        view.__signature__ = inspect.Signature(parameters)
        return view

    return decorate


@api.api_operation(
    ["GET", "HEAD"],
    "/providers/",
    response={200: out.ProviderList, **_ERRORS},
    url_name="provider_list",
    summary="Search providers",
    description=(
        "Published providers matching every filter (values of one parameter are ORed, "
        "parameters are ANDed), one page at a time. Unknown codes, malformed values, "
        "unknown parameters and a page past the last answer 400. Codes are listed by "
        "/api/v1/taxonomies/."
    ),
    tags=["providers"],
)
@search_parameters(
    page_size=Query(
        settings.API_PAGE_SIZE,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Results per page, at most {settings.API_MAX_PAGE_SIZE}.",
    )
)
def provider_list(request, response: HttpResponse, **params):
    index = search_index()
    not_modified = _not_modified(request, response, index)
    if not_modified is not None:
        return not_modified
    result, refused = _search(request, index, params["page_size"])
    if refused is not None:
        return refused
    return {
        "count": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "num_pages": result.num_pages,
        "sort": result.sort,
        "next": _page_url(request, result.page + 1) if result.has_next else None,
        "previous": _page_url(request, result.page - 1) if result.has_previous else None,
        "results": [
            out.with_urls(request, item)
            for item in page_items(index, result.provider_ids, out.provider_item)
        ],
    }


@api.api_operation(
    ["GET", "HEAD"],
    "/providers/facets/",
    response={200: out.FacetList, **_ERRORS},
    url_name="provider_facets",
    summary="Facet counts of a search",
    description=(
        "For the same parameters as the provider search, how many providers each option "
        "of each facet would give together with every other active filter (an option's "
        "own facet aside), as the search page shows them. Options giving none are left "
        "out unless selected. `page` and `page_size` are accepted and ignored."
    ),
    tags=["providers"],
)
@search_parameters(page_size=Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE))
def provider_facets(request, response: HttpResponse, **params):
    index = search_index()
    not_modified = _not_modified(request, response, index)
    if not_modified is not None:
        return not_modified
    # Counts do not depend on the page: a page past the last is no error here.
    query = request.GET.copy()
    query.pop("page", None)
    result, refused = _search(request, index, 1, query=query)
    if refused is not None:
        return refused
    english = _english_term_names(index)
    return {
        "count": result.total,
        "facets": [
            {
                "parameter": group.param,
                "name": group.legend,
                "options": [
                    {
                        "code": option.key,
                        "name": english.get(group.param, {}).get(option.key, option.label),
                        "count": option.count,
                        "selected": option.selected,
                        "level": option.level,
                    }
                    for option in group.options
                ],
            }
            for group in result.facets
        ],
    }


@api.api_operation(
    ["GET", "HEAD"],
    "/providers/{provider_id}/",
    response={200: out.ProviderDetail, **_ERRORS},
    url_name="provider_detail",
    summary="One provider",
    description=(
        "A published provider by its stable id (the UUID open data gives it): its "
        "profile as the public page shows it. Any other id answers 404."
    ),
    tags=["providers"],
)
def provider_detail(request, response: HttpResponse, provider_id: str):
    index = search_index()
    pk = provider_pk_for(index, provider_id)
    if pk is None:
        raise Http404(_("No published provider has this id."))
    not_modified = _not_modified(request, response, index)
    if not_modified is not None:
        return not_modified
    try:
        profile = provider_profile(pk=pk)
    except Provider.DoesNotExist:
        raise Http404(_("No published provider has this id.")) from None
    return out.provider_detail(request, profile, term_ids(index))


@api.api_operation(
    ["GET", "HEAD"],
    "/taxonomies/",
    response={200: out.TaxonomyList, **_ERRORS},
    url_name="taxonomies",
    summary="Codes the search parameters take",
    description=(
        "Every value each facet parameter accepts, with its name; categories come "
        "before the services (and regions before the sub-regions) they hold."
    ),
    tags=["taxonomies"],
)
def taxonomies(request, response: HttpResponse):
    index = search_index()
    not_modified = _not_modified(request, response, index)
    if not_modified is not None:
        return not_modified
    english = _english_term_names(index)
    found = []
    for facet in FACETS:
        terms = []
        parent = None
        kind = TERM_KINDS.get(facet.param)
        for option in index.options.get(facet.param, ()):
            if option.level == 0:
                parent = option.key
            pk = index.ids_by_slug.get(facet.param, {}).get(option.key) if kind else None
            terms.append(
                {
                    "id": stable_id(f"term-{kind}", pk) if pk is not None else None,
                    "code": option.key,
                    "name": english[facet.param][option.key],
                    "parent": parent if option.level else None,
                }
            )
        found.append({"parameter": facet.param, "name": str(facet.label), "terms": terms})
    found.append(
        {
            "parameter": "sort",
            "name": _("Order"),
            "terms": [{"code": key, "name": str(label)} for key, label in SORTS.items()],
        }
    )
    return {"taxonomies": found}


def api_root(request):
    """/api/v1/: where the operations, the OpenAPI document and the docs are."""
    base = request.build_absolute_uri
    data = {
        "providers": base(reverse("api-v1:provider_list")),
        "facets": base(reverse("api-v1:provider_facets")),
        "taxonomies": base(reverse("api-v1:taxonomies")),
        "openapi": base(reverse("api-v1:openapi-json")),
        "docs": base(reverse("api_docs")),
    }
    return api.create_response(request, data, status=200)


def api_not_found(request):
    """Any other path under /api/v1/: a JSON 404, not the site's page."""
    return error_response(request, 404, [{"message": _("There is no such API address.")}])
