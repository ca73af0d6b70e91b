"""`{% shortlist_state provider as state %}`: which of the buyer's shortlists hold a provider;
`{{ entry|listing_name }}`: what a buyer may see as the name of a provider on their shortlist
or inquiry, once it is no longer published.

The buyer's shortlists are read once per request (one query) and kept on the
request, so a page of 20 result cards costs one query, not twenty; nothing is
read for anonymous visitors or ISSP users.
"""

from types import SimpleNamespace

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

from .. import selectors
from ..selectors import shortlist_membership
from ..shortlists import access

register = template.Library()


MODES = {"form", "link", "buttons"}


def _here(request) -> str:
    """Where the button should send the buyer back to (the page it was pressed on)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return request.get_full_path()


def _mode(context, request) -> str:
    mode = context.get("shortlist_mode") or request.POST.get("mode") or request.GET.get("mode")
    return mode if mode in MODES else "form"


@register.simple_tag(takes_context=True)
def shortlist_state(context, provider):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or provider is None:
        return None
    base = {"here": _here(request), "mode": _mode(context, request)}
    if not user.is_authenticated:
        return {**base, "anonymous": True}
    if not (user.is_buyer or user.is_issp):
        return None
    cached = getattr(request, "_buyer_shortlists", None)
    if cached is None:
        cached = shortlist_membership(user=user)
        request._buyer_shortlists = cached
    shortlists, members = cached
    holding = [s for s in shortlists if provider.pk in members.get(s.pk, ())]
    others = [s for s in shortlists if provider.pk not in members.get(s.pk, ())]
    return {**base, "holding": holding, "others": others, "has_shortlists": bool(shortlists)}


@register.inclusion_tag("includes/shortlist_button.html", takes_context=True)
def shortlist_card_button(context, provider_id):
    """The shortlist control for a search result card, from the provider's id alone.

    Result cards are rendered once and shared by every visitor, so the control
    cannot live inside them; the search page puts this next to each card:
    `{% shortlist_card_button pk %}`. It renders the "link" mode, which holds
    no <form> (the cards sit inside the search form).
    """
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "provider": SimpleNamespace(pk=provider_id, slug=None, name=""),
        "shortlist_mode": "link",
    }


@register.filter
def listing_name(obj):
    """`{{ entry|listing_name }}`: the provider's name as the buyer may see it (see selectors)."""
    return selectors.listing_name(obj)


@register.filter
def person_label(user):
    """`{{ user|person_label }}`: name and organisation as a shortlist's group sees them."""
    return access.person_label(user)
