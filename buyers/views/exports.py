"""CSV downloads: a shortlist, or every provider matching a search; and the column guide."""

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from ..exports import COLUMNS, SHORTLIST_COLUMNS, provider_csv_rows, shortlist_csv_rows
from ..shortlists.access import shortlist_for
from .workspace import shortlister_required


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def export_help(request):
    """The documented column set of every export."""
    return render(
        request,
        "buyers/exports_help.html",
        {"columns": COLUMNS, "shortlist_columns": SHORTLIST_COLUMNS},
    )


@require_safe
@login_required
def export_search(request):
    """Every published provider matching the search in the query string, streamed as CSV."""
    from buyers.search.parameters import parse_search_params
    from buyers.search.selector import search_queryset

    params = parse_search_params(request.GET)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return _csv_response(
        provider_csv_rows(search_queryset(params)), f"impactdir-providers-{stamp}.csv"
    )


@require_safe
@shortlister_required
def export_shortlist(request, pk):
    """Anyone the shortlist is shared with may download it, with the notes they may read."""
    shortlist = shortlist_for(user=request.user, pk=pk).shortlist
    filename = f"impactdir-shortlist-{slugify(shortlist.name) or shortlist.pk}.csv"
    return _csv_response(shortlist_csv_rows(shortlist, user=request.user), filename)
