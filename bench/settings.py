"""Benchmark settings: the real settings served as production would be, plus a timing header.

Only `bench/run.py` uses this module; the bare view and the Server-Timing
middleware are never part of the site.
"""

import warnings

from impactdir.settings import *  # noqa: F403
from impactdir.settings import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
# Loopback without TLS: no HTTPS redirect, so the measured response is the page itself.
SECURE_SSL_REDIRECT = False
# No collectstatic in a benchmark: plain static URLs.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MIDDLEWARE = ["bench.middleware.ServerTimingMiddleware", *MIDDLEWARE]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

# WhiteNoise warns that STATIC_ROOT does not exist (no collectstatic here); not a finding.
warnings.filterwarnings("ignore", message="No directory at")
