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

    allauth authenticates with ``email=...``, not ``username=...``, and matches
    e-mail addresses case-insensitively; lower-casing here keeps ``Ann@x.org``
    and ``ann@x.org`` one lockout key instead of two.
    """
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("username")
    if not value:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    if not value:
        return None
    return str(value).strip().lower()
