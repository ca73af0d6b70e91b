"""Which language a page is in: URL prefixes, the switcher, the first visit, the admin.

- Pages (impactdir/urls.py's `i18n_patterns`) are served in English without a
  prefix and in the other languages under `/fr/`, `/es/`, `/pt/`, `/ar/`. URL
  routes are not translated, so a page's address in another language is its
  English address with the prefix (`localized_path`); a test holds `reverse()`
  to that for every route.
- `set_language` (POST `/language/`, the footer's switcher and nothing else)
  stores the choice in the language cookie and, for a signed-in user, on the
  account; it answers with the same page, query string included, under the new
  prefix.
- `LanguageMiddleware` sends a GET or HEAD of an unprefixed page to the
  visitor's language: the signed-in user's stored language, else the language
  cookie (a choice made with the switcher), else the best match of
  `Accept-Language`. Crawlers send no `Accept-Language` and stay on English,
  as does anyone who chose English. POSTs, machine files (a path not ending
  in "/") and the routes outside `i18n_patterns` (API, sitemaps, admin,
  evidence files) are never redirected. The admin, at `/admin/` only, is shown
  in the operator's stored language (else cookie, else Accept-Language).
"""

import functools
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import NoReverseMatch, Resolver404, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.encoding import escape_uri_path, iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from impactdir.origin import same_origin_post

#: Each language named in its own language, as the switcher and the profile show it.
#: Django's own list spells Arabic with an optional shadda (العربيّة); this is the usual spelling.
OWN_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português", "ar": "العربية"}


def codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def own_name(code: str) -> str:
    return OWN_NAMES.get(code) or translation.get_language_info(code)["name_local"]


def languages_in_own_names() -> list[tuple[str, str]]:
    """(code, name in that language) for every language of the site, in settings' order."""
    return [(code, own_name(code)) for code in codes()]


def path_language(path: str) -> str | None:
    """The language a path's prefix names (`/fr/…` → "fr"), None for an unprefixed path."""
    language = translation.get_language_from_path(path)
    if language and (path == f"/{language}" or path.startswith(f"/{language}/")):
        return language
    return None


def unprefixed_path(path: str) -> str:
    """`path` without its language prefix: the English address of the same page."""
    language = path_language(path)
    if language is None:
        return path
    return path.removeprefix(f"/{language}") or "/"


def localized_path(path: str, language: str) -> str:
    """The unprefixed (English) `path` of a page, in `language`."""
    if language == settings.LANGUAGE_CODE:
        return path
    return f"/{language}{path}"


@functools.cache
def _i18n_routes(urlconf: str) -> frozenset[str]:
    """The routes (as `ResolverMatch.route` names them in English) under `i18n_patterns`."""

    def join(first, second):
        return first + second.removeprefix("^") if first else second

    def walk(patterns, prefix):
        for pattern in patterns:
            route = join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    with translation.override(settings.LANGUAGE_CODE):
        top = get_resolver(urlconf).url_patterns
        return frozenset(
            route
            for pattern in top
            if isinstance(pattern, URLResolver) and isinstance(pattern.pattern, LocalePrefixPattern)
            for route in walk(pattern.url_patterns, "")
        )


def is_translated_route(request) -> bool:
    """Whether the resolved page is one of `i18n_patterns` (it has an address per language)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    route = match.route
    language = path_language(request.path_info)
    if language:
        route = route.removeprefix(f"{language}/")
    return route in _i18n_routes(getattr(request, "urlconf", None) or settings.ROOT_URLCONF)


def localized_url(url: str, language: str, *, absolute: bool = False) -> str:
    """`url`, an address on the site, leading to the same page in `language`.

    The page is resolved in the language its prefix names and reversed in the
    new one, as Django's `translate_url` does; an address outside
    `i18n_patterns` stays as it is. By default the answer is a path with its
    query string (`/fr/providers/?q=x`), and a path that resolves to no page (a
    404 page's own address) has its prefix swapped. `absolute=True` is for links
    in e-mails: the scheme and host are kept, and an address that resolves to no
    page is left as it is.
    """
    parts = urlsplit(url)
    current = path_language(parts.path) or settings.LANGUAGE_CODE
    try:
        with translation.override(current):
            match = resolve(unquote(parts.path))
    except Resolver404:
        if absolute:
            return url
        path = localized_path(unprefixed_path(parts.path), language)
    else:
        try:
            with translation.override(language):
                path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            path = parts.path
    scheme, host = (parts.scheme, parts.netloc) if absolute else ("", "")
    return urlunsplit((scheme, host, path, parts.query, parts.fragment))


def preferred_language(request) -> str:
    """The language the visitor wants: stored on the account, else the cookie, else the browser's.

    Django's `get_language_from_request` without the path: the cookie, then the
    best supported match of `Accept-Language`, then English.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in codes():
        return user.language
    return translation.get_language_from_request(request, check_path=False)


def language_cookie_set(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _safe_local(url: str | None, request) -> str | None:
    """`url` if it is a path on this site (or an address of this site), as a path and query."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def _page_to_return_to(request) -> str:
    """The page the switcher was used on: its `next`, or the fresher address the browser sends.

    Search updates its results and address in place (htmx), so the `next` the page
    rendered may hold an older query string; the Referer (sent within the site,
    `SECURE_REFERRER_POLICY = "same-origin"`) is the address shown when the button
    was pressed. It is used only when it names the same page as `next`.
    """
    chosen = _safe_local(request.POST.get("next"), request)
    referer = _safe_local(request.headers.get("Referer"), request)
    if chosen is None:
        return referer or reverse("home")
    if referer is not None and urlsplit(referer).path == urlsplit(chosen).path:
        return referer
    return chosen


def _switch(request, language: str):
    response = HttpResponseRedirect(localized_url(_page_to_return_to(request), language))
    language_cookie_set(response, language)
    return response


@csrf_protect
def _switch_and_store(request, language: str):
    from accounts.services import account_language_set

    account_language_set(user=request.user, language=language)
    return _switch(request, language)


@require_POST
@same_origin_post
def set_language(request):
    """POST `language` (and `next`, the page's path and query): the same page in that language.

    Anonymous visitors' switchers sit on compressed public pages, which carry no CSRF
    token (impactdir.origin); the choice only sets the visitor's own cookie. For a
    signed-in user it is also stored on the account, which needs the CSRF token
    their pages' switcher carries.
    """
    language = request.POST.get("language", "")
    if language not in codes():
        return HttpResponseBadRequest(
            _("Choose one of the site's languages."), content_type="text/plain; charset=utf-8"
        )
    if request.user.is_authenticated:
        return _switch_and_store(request, language)
    return _switch(request, language)


#: Where impactdir/urls.py mounts the admin (unprefixed; its language is the operator's).
ADMIN_PREFIX = "/admin/"


class LanguageMiddleware:
    """The first visit's redirect to the visitor's language, and the admin's language.

    After Django's LocaleMiddleware (which serves every unprefixed address in
    English) and the authentication middleware (the stored language is the user's).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_language_redirectable", False):
            # The same address answers in English or redirects, by these headers.
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(ADMIN_PREFIX):
            translation.activate(preferred_language(request))
            request.LANGUAGE_CODE = translation.get_language()
            return None
        if not self._redirectable(request):
            return None
        request._language_redirectable = True
        language = preferred_language(request)
        if language == settings.LANGUAGE_CODE:
            return None
        location = escape_uri_path(
            request.META.get("SCRIPT_NAME", "") + localized_path(request.path_info, language)
        )
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(f"{location}?{iri_to_uri(query)}" if query else location)

    @staticmethod
    def _redirectable(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and request.path_info.endswith("/")
            and path_language(request.path_info) is None
            and is_translated_route(request)
        )
