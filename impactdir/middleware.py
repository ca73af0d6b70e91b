"""Cross-app request handling that must run before anything reads a request body."""

import logging

from django.conf import settings
from django.contrib.admin.options import TO_FIELD_VAR
from django.http import HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.utils.cache import has_vary_header

from impactdir import health
from impactdir.errors import database_unavailable, service_unavailable

logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """Answer the load balancers' probes (/healthz, /readyz) before any other middleware.

    First in MIDDLEWARE, so a probe costs no session, CSRF cookie or user lookup, and
    neither ALLOWED_HOSTS nor SECURE_SSL_REDIRECT applies to it: a load balancer
    probes each worker with its own Host header over plain HTTP. The answers reveal
    nothing but ready or not (impactdir.health).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = health.PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return probe()


class DatabaseUnavailableMiddleware:
    """Answer a view that lost its database connection with the 503 page, logged in one line.

    `impactdir.errors.server_error` (handler500) gives the same page for such errors
    raised outside a view (a middleware saving the session, say), but Django logs each
    of those with its traceback; while the database is away every request fails, so
    views' failures, nearly all of them, are logged here in one line each instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        first_line = (str(exception).strip().splitlines() or [""])[0]
        logger.warning("Database unavailable (%s): %s", type(exception).__name__, first_line)
        return service_unavailable()


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than anything the site accepts.

    Django caps the form data it holds in memory, but it streams file parts of a
    multipart body to disk whatever their size, on any URL: a 300 MB anonymous
    POST to the login page would be read in full. The largest thing we accept is
    an evidence file (5 MB) with its form, so a bigger Content-Length is answered
    413 before the body is read. The reverse proxy in front should refuse it even
    earlier (README: production).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            response = render(
                request,
                "413.html",
                {"limit_mb": settings.MAX_REQUEST_BODY_BYTES // (1024 * 1024)},
                status=413,
            )
            response["Connection"] = "close"
            return response
        return self.get_response(request)


#: Types worth compressing; static files never get here (WhiteNoise answers them
#: earlier, from its own precompressed copies).
COMPRESSIBLE_TYPES = ("text/", "application/xml", "application/json")


class PublicPageGZipMiddleware(GZipMiddleware):
    """Gzip pages that hold no secret: anonymous requests whose response sets no cookie.

    BREACH recovers a secret from the compressed size of pages that also reflect
    the attacker's input (a search query), so compression is only safe where the
    body holds nothing worth stealing. Here that is every response to a request
    without a session cookie (nobody signed in, no private data) that sets no
    cookie itself: a rendered CSRF token always sets the CSRF cookie, so pages
    with a form (log-in, sign-up) stay uncompressed, as does every page of a
    signed-in user. The public pages that are large and often read (search,
    profiles, statistics, compare) are the ones compressed. Django's GZip also
    pads each response with random bytes, which makes guessing by size harder
    still, but is no reason to compress secrets.
    """

    def process_response(self, request, response):
        if settings.SESSION_COOKIE_NAME in request.COOKIES or response.cookies:
            return response
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES):
            return response
        if has_vary_header(response, "Accept-Encoding"):
            # The view chose an encoding itself (open-data files are stored gzipped,
            # and it honours `gzip;q=0`, which Django's GZip does not).
            return response
        return super().process_response(request, response)


class AdminEmptyToFieldMiddleware:
    """Treat an empty `_to_field` on an admin URL as absent.

    Django's ModelAdmin looks up a field named "" when the parameter is present but
    empty (`?_to_field=`) and answers with a 500 (FieldDoesNotExist), on every model's
    change and delete page, third-party ones included. Without the empty parameter the
    page is what it would be anyway; a non-empty one is still checked by the admin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            if request.GET.get(TO_FIELD_VAR) == "":
                request.GET = _without(request.GET, TO_FIELD_VAR)
            if request.method == "POST" and request.POST.get(TO_FIELD_VAR) == "":
                request.POST = _without(request.POST, TO_FIELD_VAR)
        return self.get_response(request)


#: Where impactdir/urls.py mounts the admin.
ADMIN_PREFIX = "/admin/"


def _without(data, name):
    data = data.copy()
    del data[name]
    return data
