"""Cross-app request handling that must run before anything reads a request body."""

from django.conf import settings
from django.shortcuts import render


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
