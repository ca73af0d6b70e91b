"""Test settings: the real settings with test-only overrides."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)

from impactdir.settings import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# live_server cannot serve hashed names without collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test gets its own MEDIA_ROOT from a fixture in tests/conftest.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A test that writes and then searches expects the search to see the write at once.
SEARCH_INDEX_REBUILD = "inline"
# Tests' writes are in a transaction no other process sees: builds run in the test's own
# process (tests/buyers/test_search_handover.py runs the other way, on committed data).
SEARCH_INDEX_BUILDS = os.environ.get("SEARCH_INDEX_BUILDS", "thread")
# Tests make many API requests from one address; the rate-limit test sets its own limit.
API_RATE_LIMIT = 1_000_000
