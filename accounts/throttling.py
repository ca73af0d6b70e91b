"""Log-in throttling: who is trying, from where, and how many failures a network gets.

Two limits work together, both counted in the database so that they hold
across every gunicorn worker whatever the cache:

- django-axes locks one account from one address, (username, IP), after
  AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_HOURS;
- the burst limit here refuses further log-ins from one network once it has
  failed LOGIN_BURST_LIMIT times within LOGIN_BURST_SECONDS, whatever the
  accounts: one address trying many accounts.

Both keys must be hard to vary at will, or an attacker simply varies them to
get fresh attempts; an IPv6 client is counted by its /64, which one machine
can fill with addresses.

The burst limit must not lock out other people. Other networks are never
affected; on the network under attack the refusal ends LOGIN_BURST_SECONDS
after the attacker's last counted failure; and a browser that has logged in
to an account before carries a signed "known device" cookie for it, which
lets the owner log in to that account even while their network is refused
(the attacker, without the cookie, is not; axes still counts every wrong
password for the account).
"""

import datetime
import ipaddress

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import FailedLogin

DEVICE_SALT = "accounts.throttling.known-device"
#: How many accounts one browser's known-device cookie remembers.
DEVICE_ACCOUNTS = 5


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


def client_network(request) -> str:
    """The client's address for the burst limit: an IPv4 address, or an IPv6 /64."""
    raw = client_ip(request)
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:  # not an IP at all (a Unix socket peer, say): count it as it is
        return raw[:64]
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _window_start():
    return timezone.now() - datetime.timedelta(seconds=settings.LOGIN_BURST_SECONDS)


def login_failure_record(request) -> None:
    """Count a failed log-in against the client's network, and forget expired ones."""
    FailedLogin.objects.filter(at__lt=_window_start()).delete()
    FailedLogin.objects.create(network=client_network(request), at=timezone.now())


def _device_tag(login: str) -> str:
    return salted_hmac(DEVICE_SALT, login.strip().lower(), algorithm="sha256").hexdigest()[:32]


def _device_tags(request) -> list[str]:
    value = request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE_NAME, "")
    if not value:
        return []
    try:
        tags = signing.loads(value, salt=DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def known_device(request, login: str | None) -> bool:
    """Whether this browser has logged in to the account `login` before."""
    return bool(login) and _device_tag(login) in _device_tags(request)


def remember_device(request, response, login: str) -> None:
    """After a log-in: mark the browser as a known device for the account."""
    tag = _device_tag(login)
    tags = [tag, *(t for t in _device_tags(request) if t != tag)][:DEVICE_ACCOUNTS]
    response.set_cookie(
        settings.LOGIN_DEVICE_COOKIE_NAME,
        signing.dumps(tags, salt=DEVICE_SALT),
        max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
        path=settings.LOGIN_DEVICE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def login_burst_exceeded(request, login: str | None) -> bool:
    """Whether a log-in to `login` from this request's network must be refused for now."""
    if known_device(request, login):
        return False
    limit = settings.LOGIN_BURST_LIMIT
    recent = FailedLogin.objects.filter(network=client_network(request), at__gte=_window_start())
    return recent.order_by()[:limit].count() >= limit
