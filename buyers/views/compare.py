"""Side-by-side comparison of 2–5 published providers, and the visitor's compare selection.

`/compare/?p=<slug>…` compares the providers named (a shortlist links there);
`/compare/` alone compares the visitor's selection, which result cards and
profiles add to by POST (no JavaScript needed) and which the page removes from.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from impactdir.ids import parse_id
from impactdir.origin import same_origin_post

from .. import compare as selection
from .. import selectors
from ..exports import provider_list_csv_rows


def _comparison(request):
    """The comparison the request asks for: the slugs in `p`, or else the visitor's selection."""
    slugs = request.GET.getlist("p")
    if slugs:
        return selectors.provider_compare(slugs=slugs), False
    ids = selection.compare_ids(request.session)
    comparison = selectors.provider_compare(ids=ids)
    # Listings taken offline since they were chosen leave the selection quietly.
    selection.compare_keep(
        session=request.session, provider_ids=[p.pk for p in comparison.providers]
    )
    return comparison, True


@require_safe
def compare(request):
    """`/compare/?p=<slug>&p=<slug>…`; `diff=1` shows only the rows that differ."""
    comparison, from_selection = _comparison(request)
    only_differences = request.GET.get("diff") == "1"
    rows = comparison.rows
    if only_differences:
        rows = [row for row in rows if row.differs]
    sections = []
    for row in rows:
        if not sections or sections[-1][0] != row.section:
            sections.append((row.section, []))
        sections[-1][1].append(row)
    context = {
        "comparison": comparison,
        "sections": sections,
        "only_differences": only_differences,
        "from_selection": from_selection,
        "min_compare": selectors.MIN_COMPARE,
        "max_compare": selectors.MAX_COMPARE,
        "share_points": selectors.SHARE_POINTS,
        "founded_years": selectors.FOUNDED_YEARS,
        "here": request.get_full_path(),
        # Named providers are a public page known by their slugs (robots.txt lets
        # crawlers in); the visitor's own selection is known by the bare path.
        "canonical_query": ""
        if from_selection
        else urlencode([("p", provider.slug) for provider in comparison.providers]),
    }
    response = render(request, "buyers/compare.html", context)
    if from_selection and comparison.providers:
        # The visitor's own selection: no cache may keep it. Empty, the page is
        # the same for everyone, and as cacheable as the other public pages.
        patch_cache_control(response, private=True, no_store=True)
    return response


def _back(request) -> HttpResponseRedirect:
    """Back to the form's `next` (a path), else the page of this site it was sent from.

    Result cards' buttons carry no `next` (the cards are shared by every visitor and
    the search page's address changes in place), so they rely on the Referer.
    """
    own = f"{request.scheme}://{request.get_host()}/"
    next_path = request.POST.get("next", "")
    referer = request.headers.get("Referer", "")
    for target in (
        next_path if next_path.startswith("/") else "",
        referer if referer.startswith(own) else "",
    ):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("buyers:compare"))


@require_POST
@same_origin_post
def compare_add(request):
    """Add the provider whose id is posted (`provider`) to the visitor's selection."""
    try:
        provider = selection.compare_add(
            session=request.session, provider_id=parse_id(request.POST.get("provider", ""))
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = len(selection.compare_ids(request.session))
        messages.success(
            request,
            _("%(name)s added to your comparison (%(count)d of %(max)d).")
            % {"name": provider.name, "count": count, "max": selectors.MAX_COMPARE},
        )
    return _back(request)


@require_POST
@same_origin_post
def compare_remove(request):
    """Take the posted provider id out of the selection, or empty it (`provider=all`)."""
    if request.POST.get("provider") == "all":
        selection.compare_clear(session=request.session)
        messages.success(request, _("Your comparison is empty."))
    elif selection.compare_remove(
        session=request.session, provider_id=parse_id(request.POST.get("provider", ""))
    ):
        messages.success(request, _("Removed from your comparison."))
    else:
        messages.error(request, _("That provider is not in your comparison."))
    return _back(request)


@require_safe
def compare_export(request):
    """The compared providers (the `p` slugs, or the selection) as CSV, in the page's order."""
    comparison, from_selection = _comparison(request)
    response = StreamingHttpResponse(
        provider_list_csv_rows(comparison.providers), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="impactdir-comparison.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    if from_selection and comparison.providers:
        patch_cache_control(response, private=True, no_store=True)
    return response
