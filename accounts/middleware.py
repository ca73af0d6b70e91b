"""Request-wide account glue: who is signed in, and which pages no cache may keep."""

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.models import AnonymousUser
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_from_path


def _session_user(request, backend, user_id):
    """The user the session names, preferably the one read along with the session row."""
    loaded = getattr(request.session, "loaded_user", None)
    if loaded is not None and loaded.pk == user_id and isinstance(backend, ModelBackend):
        return loaded if backend.user_can_authenticate(loaded) else None
    return backend.get_user(user_id)


def _hash_matches(request, user) -> bool:
    """Whether the session was made with the user's current password.

    A hash made with one of the SECRET_KEY_FALLBACKS still counts; the session
    is then moved to the current key.
    """
    stored = request.session.get(HASH_SESSION_KEY)
    if not stored:
        return False
    current = user.get_session_auth_hash()
    if constant_time_compare(stored, current):
        return True
    for old in user.get_session_auth_fallback_hash():
        if constant_time_compare(stored, old):
            request.session.cycle_key()
            request.session[HASH_SESSION_KEY] = current
            return True
    return False


def session_user(request):
    """The signed-in user of the request, or AnonymousUser.

    Django's ``auth.get_user`` with one difference: the user row usually comes
    with the session row (``accounts.sessions``), so it is not read again. The
    checks are the same: the login backend must still be configured, the user
    must still be allowed to log in, and the session must have been made with
    the user's current password, or it is ended.
    """
    try:
        user_id = get_user_model()._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = _session_user(request, load_backend(backend_path), user_id)
    if user is None:
        return AnonymousUser()
    if hasattr(user, "get_session_auth_hash") and not _hash_matches(request, user):
        request.session.flush()
        return AnonymousUser()
    return user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's middleware, with ``request.user`` read by `session_user`."""

    def process_request(self, request):
        super().process_request(request)

        def user():
            if not hasattr(request, "_cached_user"):
                request._cached_user = session_user(request)
            return request._cached_user

        request.user = SimpleLazyObject(user)


#: URL routes (without a language prefix) of pages that show or change one person's
#: data: they must never be stored by a browser's or a proxy's cache.
PRIVATE_ROUTES = (
    "accounts/",
    "dashboard/",
    "workspace/",
    "shortlists/",
    "searches/",
    "inquiries/",
    "exports/providers.csv",
    "admin/",
)


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every private page.

    Shortlist notes, inquiries (both sides), the dashboard, saved searches, the
    workspace and account pages are found by their URL route, so a new view in
    those areas is covered without anyone remembering a decorator. Public pages
    (home, search, profiles, compare) are left to be cached as they are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None:
            return response
        route = match.route
        # Under /fr/ and the others the route starts with the prefix ("fr/accounts/…").
        language = get_language_from_path(request.path_info)
        if language and route.startswith(f"{language}/"):
            route = route.removeprefix(f"{language}/")
        if route.startswith(PRIVATE_ROUTES):
            patch_cache_control(response, private=True, no_store=True)
        return response
