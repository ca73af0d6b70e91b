"""Saved searches: save the current search, list, rename, change the alert, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from buyers.search.current import search_index

from .. import selectors, services
from ..forms import NewSavedSearchForm, SavedSearchForm
from ..models import SavedSearch
from .workspace import buyer_required, report_error


@require_safe
@buyer_required
def search_list(request):
    saved = list(selectors.saved_searches_for(user=request.user))
    index = search_index() if saved else None
    rows = [
        {
            "search": s,
            "filters": selectors.search_filter_labels(s.query_string, index=index),
            "form": SavedSearchForm(
                initial={"name": s.name, "frequency": s.frequency}, prefix=f"s{s.pk}"
            ),
        }
        for s in saved
    ]
    return render(request, "buyers/searches/list.html", {"rows": rows})


@require_http_methods(["GET", "HEAD", "POST"])
@buyer_required
def search_new(request):
    """Save the search whose parameters are in the query string (GET) or the form (POST)."""
    labels = None
    if request.method == "POST":
        form = NewSavedSearchForm(request.POST)
    else:
        try:
            query = services.normalise_query_string(request.GET.urlencode())
        except ValidationError:
            query = ""
            messages.error(request, _("This search is too long to save."))
        # The name offered is what the search filters by, in words; the buyer may change it.
        labels = selectors.search_filter_labels(query)
        form = NewSavedSearchForm(
            initial={"query": query, "name": selectors.saved_search_name(labels)}
        )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.saved_search_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                query_string=form.cleaned_data["query"],
                frequency=form.cleaned_data["frequency"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Search “%(name)s” saved.") % {"name": saved.name})
            return redirect("buyers:searches")
    query = form["query"].value() or ""
    if labels is None:
        labels = selectors.search_filter_labels(query)
    return render(
        request,
        "buyers/searches/new.html",
        {"form": form, "filters": labels, "query": query},
        status=400 if form.errors else 200,
    )


@require_POST
@buyer_required
def search_update(request, pk):
    saved = get_object_or_404(SavedSearch.objects.owned_by(request.user), pk=pk)
    form = SavedSearchForm(request.POST, prefix=f"s{saved.pk}")
    if not form.is_valid():
        messages.error(request, _("Give the search a name and choose an alert."))
        return redirect("buyers:searches")
    try:
        services.saved_search_update(
            saved_search=saved,
            user=request.user,
            name=form.cleaned_data["name"],
            frequency=form.cleaned_data["frequency"],
        )
    except ValidationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("Search “%(name)s” updated.") % {"name": saved.name})
    return redirect("buyers:searches")


@require_http_methods(["GET", "HEAD", "POST"])
@buyer_required
def search_delete(request, pk):
    saved = get_object_or_404(SavedSearch.objects.owned_by(request.user), pk=pk)
    if request.method == "POST":
        services.saved_search_delete(saved_search=saved, user=request.user)
        messages.success(request, _("Search “%(name)s” deleted.") % {"name": saved.name})
        return redirect("buyers:searches")
    return render(request, "buyers/searches/delete.html", {"search": saved})
