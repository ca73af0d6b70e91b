"""Cross-site request protection without a CSRF token, for forms on compressed public pages.

The search results and profiles are gzipped for anonymous visitors
(`impactdir.middleware.PublicPageGZipMiddleware`), which is only safe while
they hold no secret and set no cookie; a `{% csrf_token %}` would do both. The
compare selection's forms sit on those pages, so their views check where the
request came from instead: browsers send `Sec-Fetch-Site` and `Origin` with
every form POST, and neither can be forged by another site's page. A request
with neither header does not come from a browser page, so it carries no
victim's cookies and is let through. Only for writes to the visitor's own
session whose worst misuse is a changed comparison, or a changed language
cookie (the footer's language switcher, impactdir.languages); anything touching
an account keeps Django's CSRF token (the switcher of a signed-in user, whose
choice is stored on the account, carries one and is checked for it).
"""

from functools import wraps

from django.conf import settings
from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def is_same_origin(request) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        # "none": typed into the address bar or opened from a bookmark.
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def same_origin_post(view):
    """Refuse (403) a request another site's page sent; the view itself needs no CSRF token."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_same_origin(request):
            return HttpResponseForbidden(
                _("This form can only be sent from this site's own pages."),
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return wrapped
