from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .index import library_index
from .selector import case_study_library, parse_library_params


@require_safe
def library(request):
    """Every published provider's case studies, faceted like the provider search."""
    index = library_index()
    params = parse_library_params(request.GET, index=index)
    result = case_study_library(params=params, page_size=settings.CASE_STUDY_PAGE_SIZE, index=index)
    # What the "Filters (n)" control counts: every chip but the text query's.
    active_filters = len(result.chips) - (1 if params.q else 0)
    return render(
        request,
        "buyers/case_studies.html",
        {"result": result, "params": params, "active_filters": active_filters},
    )
