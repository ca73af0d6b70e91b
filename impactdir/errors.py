"""Error pages that must work when the database does not.

Django turns an exception raised anywhere in a request (a view, a template, a
middleware saving the session) into a call of `handler500` while the exception is
being handled, so `server_error` sees it with `sys.exception()`. A lost or refused
database connection is not a bug in the page: it is answered 503 with Retry-After,
in the site's layout, by a template that needs no request, user or database. Every
other error keeps Django's 500 handling. Django logs each one (with its traceback)
in the server log, never on the page; `impactdir.middleware.DatabaseUnavailableMiddleware`
answers views' failures before that, in one log line each.

The connection is not reused after such an error: Django marks it as having had an
error and, at the end of the request, closes it if it no longer answers; with
CONN_HEALTH_CHECKS the next request checks it before its first query and reconnects.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

#: Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 10


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (or what it was raised from) is a lost or refused database connection."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


def service_unavailable() -> HttpResponse:
    """The 503 page, rendered without the request (no session, user or database)."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, template_name="500.html"):
    """handler500: 503 while the database cannot be reached, Django's 500 page otherwise."""
    if database_unavailable(sys.exception()):
        return service_unavailable()
    return defaults.server_error(request, template_name=template_name)
