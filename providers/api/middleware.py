"""What every /api/ request gets before and after its view: the rate limit and CORS.

- CORS: the data is public, so any origin may read it: `Access-Control-Allow-Origin: *`
  on GET, HEAD and OPTIONS answers (never with credentials; the API reads no cookie).
  A preflight (OPTIONS) is answered here with 204 and is not counted.
- Rate limit (throttling.py): each GET or HEAD counts against its client; past the
  limit the answer is 429 with `Retry-After` and a JSON error body. Every counted
  answer says where the client stands (`RateLimit-Limit`, `RateLimit-Remaining`,
  `RateLimit-Reset`).
- Any other method is answered 405 here, before CSRF checks could answer it with a page.
- No cookie is ever set on an /api/ answer: the API is anonymous and read-only.
"""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .throttling import count_request

PREFIX = "/api/"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
    ),
}


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "If-None-Match, Accept, Accept-Language"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _too_many(allowance) -> HttpResponse:
    body = {
        "errors": [
            {
                "parameter": None,
                "value": None,
                "message": _(
                    "Too many requests: at most %(limit)d per client in each window. "
                    "Try again in %(seconds)d seconds."
                )
                % {"limit": allowance.limit, "seconds": allowance.reset_after},
            }
        ]
    }
    response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(allowance.reset_after)
    return response


def _not_allowed() -> HttpResponse:
    body = {
        "errors": [
            {"parameter": None, "value": None, "message": _("The API is read-only: use GET.")}
        ]
    }
    response = HttpResponse(json.dumps(body), status=405, content_type="application/json")
    response["Allow"] = "GET, HEAD, OPTIONS"
    return response


class ApiMiddleware:
    """Rate limit, CORS and no cookies for /api/; other methods than reads get 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = _preflight()
        elif request.method in READ_METHODS:
            allowance = count_request(request)
            response = _too_many(allowance) if allowance.exceeded else self.get_response(request)
            response["RateLimit-Limit"] = str(allowance.limit)
            response["RateLimit-Remaining"] = str(max(0, allowance.remaining))
            response["RateLimit-Reset"] = str(allowance.reset_after)
        else:
            return _not_allowed()
        for header, value in CORS_HEADERS.items():
            response[header] = value
        response.cookies.clear()
        return response
