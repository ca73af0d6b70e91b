"""CSV downloads: a shortlist, or every provider matching a search; and the column guide."""

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from ..exports import COLUMNS, SHORTLIST_COLUMNS, provider_csv_rows, shortlist_csv_rows
from ..models import Shortlist
from .workspace import buyer_required


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
@buyer_required
def export_shortlist(request, pk):
    shortlist = get_object_or_404(Shortlist.objects.owned_by(request.user), pk=pk)
    filename = f"impactdir-shortlist-{slugify(shortlist.name) or shortlist.pk}.csv"
    return _csv_response(shortlist_csv_rows(shortlist), filename)
