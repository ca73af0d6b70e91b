"""Shortlist pages: list, detail (notes, order), rename, delete, and the add/remove button."""

import time

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from impactdir.ids import parse_id
from providers.models import Provider

from .. import selectors, services
from ..forms import (
    EntryNoteForm,
    MoveForm,
    ShortlistButtonForm,
    ShortlistNameForm,
    ShortlistSortForm,
)
from ..models import Shortlist, ShortlistEntry
from ..selectors import SLUG_RE
from ..shortlists import selectors as sharing_selectors
from ..shortlists.access import OWNER, shortlist_for
from .workspace import back, report_error, safe_next, shortlister_required


def _own_shortlist(request, pk) -> Shortlist:
    """A shortlist the user owns: 404 to anyone it is not shared with, 403 to its members."""
    return shortlist_for(user=request.user, pk=pk, level=OWNER).shortlist


def _editable_entry(request, pk, entry_pk) -> ShortlistEntry:
    """An entry of a shortlist the user may edit (its owner, or a member with edit rights)."""
    shortlist = shortlist_for(user=request.user, pk=pk, level="edit").shortlist
    entry = selectors.shortlist_entry(shortlist=shortlist, entry_pk=entry_pk)
    if entry is None:
        raise Http404
    return entry


@require_http_methods(["GET", "HEAD", "POST"])
@shortlister_required
def shortlist_list(request):
    form = ShortlistNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shortlist = services.shortlist_create(
                owner=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Shortlist “%(name)s” created.") % {"name": shortlist.name})
            return redirect(shortlist)
    shortlists = selectors.shortlists_for(user=request.user)
    return render(
        request,
        "buyers/shortlists/list.html",
        {
            "shortlists": shortlists,
            "shared": selectors.shortlists_shared_with(user=request.user),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_safe
@shortlister_required
def shortlist_detail(request, pk):
    """The shortlist as one person of its group sees it: their rights decide the forms shown."""
    access = shortlist_for(user=request.user, pk=pk)
    shortlist = access.shortlist
    entries = selectors.shortlist_entries(shortlist=shortlist)
    notes = sharing_selectors.notes_by_entry(shortlist=shortlist, user=request.user)
    for entry in entries:
        entry.seen_notes = notes.get(entry.pk) or sharing_selectors.EntryNotes()
    members = sharing_selectors.shortlist_members(shortlist=shortlist)
    published = [e.provider.slug for e in entries if e.provider.is_published]
    context = {
        "access": access,
        "group": sharing_selectors.shortlist_group(
            shortlist=shortlist, members=members, user=request.user
        ),
        "shortlist": shortlist,
        "entries": entries,
        "rename_form": ShortlistNameForm(initial={"name": shortlist.name}),
        "sort_form": ShortlistSortForm(),
        "compare_slugs": published[:5],
        "can_compare": len(published) >= 2,
    }
    return render(request, "buyers/shortlists/detail.html", context)


@require_POST
@shortlister_required
def shortlist_rename(request, pk):
    shortlist = _own_shortlist(request, pk)
    form = ShortlistNameForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect(shortlist)
    try:
        services.shortlist_rename(
            shortlist=shortlist, user=request.user, name=form.cleaned_data["name"]
        )
    except ValidationError as error:
        report_error(request, error)
    else:
        messages.success(request, _("Shortlist renamed."))
    return redirect(shortlist)


@require_http_methods(["GET", "HEAD", "POST"])
@shortlister_required
def shortlist_delete(request, pk):
    shortlist = _own_shortlist(request, pk)
    if request.method == "POST":
        services.shortlist_delete(shortlist=shortlist, user=request.user)
        messages.success(request, _("Shortlist “%(name)s” deleted.") % {"name": shortlist.name})
        return redirect("buyers:shortlists")
    return render(
        request,
        "buyers/shortlists/delete.html",
        {
            "shortlist": shortlist,
            "entry_count": shortlist.entries.count(),
            "member_count": shortlist.members.count(),
        },
    )


@require_POST
@shortlister_required
def entry_note(request, pk, entry_pk):
    entry = _editable_entry(request, pk, entry_pk)
    form = EntryNoteForm(request.POST)
    if form.is_valid():
        try:
            services.shortlist_entry_note(
                entry=entry,
                user=request.user,
                note=form.cleaned_data["note"],
                shared=form.cleaned_data["shared"],
            )
        except ValidationError as error:
            report_error(request, error)
        else:
            messages.success(
                request, _("Note on %(name)s saved.") % {"name": selectors.listing_name(entry)}
            )
    else:
        for text in form.errors["note"]:
            messages.error(request, _("The note was not saved: %(reason)s") % {"reason": text})
    return redirect(f"{entry.shortlist.get_absolute_url()}#entry-{entry.pk}")


@require_POST
@shortlister_required
def entry_move(request, pk, entry_pk):
    entry = _editable_entry(request, pk, entry_pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.shortlist_move(
            entry=entry, user=request.user, direction=form.cleaned_data["direction"]
        )
    else:
        messages.error(request, _("Choose to move up or down."))
    return redirect(f"{entry.shortlist.get_absolute_url()}#entry-{entry.pk}")


@require_POST
@shortlister_required
def entry_remove(request, pk, entry_pk):
    entry = _editable_entry(request, pk, entry_pk)
    services.shortlist_remove(shortlist=entry.shortlist, user=request.user, provider=entry.provider)
    messages.success(
        request,
        _("%(provider)s removed from “%(shortlist)s”.")
        % {"provider": selectors.listing_name(entry), "shortlist": entry.shortlist.name},
    )
    return redirect(entry.shortlist)


@require_POST
@shortlister_required
def shortlist_sort(request, pk):
    shortlist = shortlist_for(user=request.user, pk=pk, level="edit").shortlist
    form = ShortlistSortForm(request.POST)
    if form.is_valid():
        services.shortlist_sort(shortlist=shortlist, user=request.user, by=form.cleaned_data["by"])
        messages.success(request, _("Shortlist sorted."))
    else:
        messages.error(request, _("Choose how to sort the shortlist."))
    return redirect(shortlist)


def _button_response(request, provider, status_message="", *, ok=True):
    """The button again (htmx, in place) or a redirect back to where it was pressed."""
    if request.htmx:
        if provider is None:
            # Only a tampered form gets here; htmx leaves the page as it was.
            return HttpResponseBadRequest(status_message)
        # 200 even for a refusal: htmx swaps in only successful responses, and
        # the button must show why nothing happened.
        return render(
            request,
            "includes/shortlist_button.html",
            {"provider": provider, "shortlist_status": status_message, "shortlist_ok": ok},
        )
    if status_message:
        (messages.success if ok else messages.error)(request, status_message)
    default = provider.get_absolute_url() if provider else reverse("buyers:shortlists")
    return back(request, default)


#: Where "Log in to shortlist" keeps what was asked for, across the log-in.
AFTER_LOGIN_KEY = "shortlist_after_login"
#: How long that wish is kept: a log-in started and given up is forgotten after this.
AFTER_LOGIN_SECONDS = 30 * 60


def _provider_asked_for(request) -> Provider:
    """The published provider a GET of the add page names by `id` or `provider` (slug)."""
    slug, pk = request.GET.get("provider", ""), parse_id(request.GET.get("id"))
    if pk is not None:
        return get_object_or_404(Provider.objects.published(), pk=pk)
    if SLUG_RE.fullmatch(slug):
        return get_object_or_404(Provider.objects.published(), slug=slug)
    raise Http404


def _wish_after_login(request, provider: Provider) -> dict | None:
    """The add asked for before logging in, if it was for this provider and is recent.

    Read once: a later visit of the add page shows the choice as usual.
    """
    wish = request.session.pop(AFTER_LOGIN_KEY, None)
    if not isinstance(wish, dict) or wish.get("provider") != provider.pk:
        return None
    if (
        not isinstance(wish.get("at"), (int, float))
        or time.time() - wish["at"] > AFTER_LOGIN_SECONDS
    ):
        return None
    return wish


def _add_after_login(request, provider: Provider, next_url: str):
    """Complete "Log in to shortlist": add to the buyer's only shortlist (or a new one).

    With several shortlists there is no telling which one was meant: the choice page
    is shown (one click away from done). Returns None then.
    """
    shortlists = list(Shortlist.objects.owned_by(request.user).order_by("id")[:2])
    if len(shortlists) > 1:
        messages.info(
            request,
            _("Choose the shortlist to add %(provider)s to.") % {"provider": provider.name},
        )
        return None
    try:
        shortlist = (
            shortlists[0]
            if shortlists
            else services.shortlist_create(owner=request.user, name=_("My shortlist"))
        )
        services.shortlist_add(shortlist=shortlist, user=request.user, provider=provider)
    except ValidationError as error:
        report_error(request, error)
    else:
        messages.success(
            request,
            _("%(provider)s is on your shortlist “%(shortlist)s”.")
            % {"provider": provider.name, "shortlist": shortlist.name},
        )
    return redirect(next_url)


@require_http_methods(["GET", "HEAD", "POST"])
def shortlist_button_add(request):
    """Add a provider to one of the buyer's shortlists, or to a new one named in the form.

    GET shows the choice: as a page (no JavaScript, e.g. from a result card, where
    a form cannot sit inside the search form) or, for htmx, as the button in place.
    An anonymous visitor's GET ("Log in to shortlist") is remembered in the session
    and sent to the log-in page, which comes back here: the add is then completed
    and the buyer returned to the page the button was on.
    """
    if request.method == "GET" and not request.user.is_authenticated:
        provider = _provider_asked_for(request)
        request.session[AFTER_LOGIN_KEY] = {
            "provider": provider.pk,
            "next": safe_next(request, provider.get_absolute_url()),
            "at": time.time(),
        }
        return redirect_to_login(request.get_full_path())
    return _shortlist_button_add(request)


@shortlister_required
def _shortlist_button_add(request):
    if request.method in ("GET", "HEAD"):
        provider = _provider_asked_for(request)
        next_url = safe_next(request, provider.get_absolute_url())
        if request.method == "GET" and not request.htmx:
            wish = _wish_after_login(request, provider)
            if wish is not None:
                done = _add_after_login(request, provider, next_url)
                if done is not None:
                    return done
        if request.htmx:
            return render(request, "includes/shortlist_button.html", {"provider": provider})
        return render(
            request, "buyers/shortlists/add.html", {"provider": provider, "next": next_url}
        )
    form = ShortlistButtonForm(request.POST)
    if not form.is_valid():
        return _button_response(request, None, _("That provider could not be found."), ok=False)
    provider = Provider.objects.published().filter(slug=form.cleaned_data["provider"]).first()
    if provider is None:
        return _button_response(request, None, _("That provider could not be found."), ok=False)
    try:
        if form.cleaned_data["shortlist"]:
            # A shortlist not shared with this user (or only to view) does not exist for them.
            shortlist = get_object_or_404(
                Shortlist.objects.editable_by(request.user), pk=form.cleaned_data["shortlist"]
            )
        else:
            name = form.cleaned_data["new_name"] or _("My shortlist")
            shortlist = Shortlist.objects.owned_by(request.user).filter(
                name__iexact=name
            ).first() or services.shortlist_create(owner=request.user, name=name)
        services.shortlist_add(shortlist=shortlist, user=request.user, provider=provider)
    except ValidationError as error:
        return _button_response(request, provider, " ".join(error.messages), ok=False)
    return _button_response(
        request,
        provider,
        _("%(provider)s added to “%(shortlist)s”.")
        % {"provider": provider.name, "shortlist": shortlist.name},
    )


@require_POST
@shortlister_required
def shortlist_button_remove(request):
    form = ShortlistButtonForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["shortlist"]:
        return _button_response(request, None, _("That shortlist could not be found."), ok=False)
    shortlist = get_object_or_404(
        Shortlist.objects.editable_by(request.user), pk=form.cleaned_data["shortlist"]
    )
    # The button sits on public pages only: a published provider on this shortlist.
    # Any other slug (a draft's, or one taken offline) tells nothing about it; an
    # offline provider is removed from the shortlist's own page.
    provider = (
        Provider.objects.published()
        .filter(slug=form.cleaned_data["provider"], shortlist_entries__shortlist=shortlist)
        .first()
    )
    if provider is None:
        return _button_response(request, None, _("That provider could not be found."), ok=False)
    services.shortlist_remove(shortlist=shortlist, user=request.user, provider=provider)
    return _button_response(
        request,
        provider,
        _("%(provider)s removed from “%(shortlist)s”.")
        % {"provider": provider.name, "shortlist": shortlist.name},
    )
