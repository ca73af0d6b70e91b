"""`{% shortlist_state provider as state %}`: which of the buyer's shortlists hold a provider.

The buyer's shortlists are read once per request (one query) and kept on the
request, so a page of 20 result cards costs one query, not twenty; nothing is
read for anonymous visitors or ISSP users.
"""

from django import template

from ..selectors import shortlist_membership

register = template.Library()


@register.simple_tag(takes_context=True)
def shortlist_state(context, provider):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"anonymous": True}
    if not user.is_buyer or provider is None:
        return None
    cached = getattr(request, "_buyer_shortlists", None)
    if cached is None:
        cached = shortlist_membership(user=user)
        request._buyer_shortlists = cached
    shortlists, members = cached
    holding = [s for s in shortlists if provider.pk in members.get(s.pk, ())]
    others = [s for s in shortlists if provider.pk not in members.get(s.pk, ())]
    return {"holding": holding, "others": others, "has_shortlists": bool(shortlists)}
