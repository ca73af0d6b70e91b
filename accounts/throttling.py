"""How django-axes identifies a login attempt: who is trying, and from where.

Axes locks by (username, IP). Both halves must be hard to vary at will, or an
attacker simply varies them to get fresh attempts.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's IP address, which a client cannot choose by sending headers.

    Without trusted proxies (TRUSTED_PROXY_COUNT = 0, the default) it is the
    socket peer, REMOTE_ADDR, and X-Forwarded-For is ignored. Behind N trusted
    proxies it is the address the outermost of them saw: the N-th entry from
    the right of X-Forwarded-For, because each proxy appends what it saw and
    everything to the left of that came from the client.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (only a lookup key)


def login_username(request, credentials=None):
    """The account a login attempt is for, normalised the way login matches it.

    The same attempt reaches axes with differently shaped credentials: allauth
    authenticates with ``email=...``, Django admin with ``username=...``, axes'
    own backend re-keys the positional username under AXES_USERNAME_FORM_FIELD,
    and the failure signal carries what ``authenticate()`` got. Every shape must
    give the same key, or the lock recorded on failure is not the one checked on
    the next attempt. E-mail matching is case-insensitive, so the key is
    lower-cased: ``Ann@x.org`` and ``ann@x.org`` are one account, one lock.
    """
    value = None
    for key in ("email", "username", settings.AXES_USERNAME_FORM_FIELD):
        if credentials and credentials.get(key):
            value = credentials[key]
            break
    if not value:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get("username")
    if not value:
        return None
    return str(value).strip().lower()
