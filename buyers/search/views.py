from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search


@require_safe
@vary_on_headers("HX-Request")
def search(request):
    """The buyer search page; htmx requests get only the results partial.

    The two answers share a URL, so caches must tell them apart by `HX-Request`.
    """
    params = parse_search_params(request.GET)
    result = provider_search(params=params, page=params.page, page_size=settings.SEARCH_PAGE_SIZE)
    template = "buyers/search.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    # What the "Filters (n)" control counts: every chip but the text query's.
    active_filters = len(result.chips) - (1 if params.q else 0)
    context = {
        "result": result,
        "params": params,
        "active_filters": active_filters,
        "canonical_query": params.canonical_query(result.page),
    }
    return render(request, template, context)


@require_safe
def ordering(request):
    """How results are ordered: the documented default order, and no paid placement."""
    return render(request, "buyers/ordering.html", {})
