"""ImpactDir settings: one module, every deploy difference from the environment.

Safe defaults: DEBUG is off unless asked for, no production secret is hard-coded
(a random one is made per process when DEBUG is on and none is given), SQLite
when DATABASE_URL is unset.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


#: SQLite queues concurrent writers instead of failing with "database is locked": every
#: transaction takes the write lock when it begins (a deferred one that read first and then
#: writes cannot wait for the lock, it fails at once), a writer waits up to `timeout`
#: seconds for the lock, and the write-ahead log lets pages be read while one writes.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL",
}


def database_from_url(url):
    """Translate DATABASE_URL (postgres://user:pass@host:port/name or sqlite:///path)."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parsed.path or BASE_DIR / "db.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
        }
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address, for links in e-mails sent outside a request (alerts, inquiries).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where people write to the operators: questions, corrections, account deletion
# (named on the about, privacy and terms pages).
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "contact@impactdir.example")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_countries",
    "django_filters",
    "django_htmx",
    "simple_history",
    "import_export",
    "axes",
    "allauth",
    "allauth.account",
    "accounts",
    "providers",
    "buyers",
    # Cross-app glue: health probes, error pages, backup and restore commands.
    "impactdir",
]

MIDDLEWARE = [
    # Load balancer probes, answered before host checks, HTTPS redirects and sessions.
    "impactdir.middleware.HealthCheckMiddleware",
    # A view's lost database connection: the 503 page, one log line (impactdir.errors).
    "impactdir.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one, so it also marks what later middleware answer (axes' lockout page).
    "accounts.middleware.PrivatePagesMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "impactdir.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files are precompressed); only pages without secrets (BREACH).
    "impactdir.middleware.PublicPageGZipMiddleware",
    # /api/: rate limit, CORS, no cookies; before sessions and CSRF (the API uses neither).
    "providers.api.middleware.ApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the signed-in user together with the session row.
    "accounts.middleware.AuthenticationMiddleware",
    # The first visit's redirect to the visitor's language; the admin in the operator's.
    "impactdir.languages.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Django's admin answers `?_to_field=` (empty) with a 500; treated as absent.
    "impactdir.middleware.AdminEmptyToFieldMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Axes must be last so it sees the final response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "impactdir.urls"
WSGI_APPLICATION = "impactdir.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "buyers.context_processors.compare_selection",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# Where to go after logging in is decided per user by accounts.adapter.AccountAdapter
# (ISSP staff: /dashboard/, buyers: /providers/); this is only the fallback.
LOGIN_REDIRECT_URL = "home"

# How many reverse proxies in front of Django append to X-Forwarded-For. With 0
# (the default) the client address is the socket peer and the header is ignored,
# so nobody can choose their own address by sending it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# django-allauth: e-mail is the login; it must be confirmed before use. Sign-up
# asks whether the person buys services or works at a provider.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Changing the password keeps this session and ends every other one (Django's
# session auth hash no longer matches there).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ImpactDir] "
# Tell people when their password or addresses change, so a takeover does not go unnoticed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Log-in throttling is ours and django-axes' (accounts.throttling), counted in the
# database so it holds across workers: allauth's limits count in the default cache,
# per process without CACHE_URL. Its log-in limits are switched off; its others
# (sign-up, password reset, e-mail confirmation) stay, per process without CACHE_URL.
ACCOUNT_RATE_LIMITS = {"login": "", "login_failed": ""}
# One network (an IPv4 address or an IPv6 /64) may fail this many log-ins, whatever
# the accounts, within this many seconds; beyond that its log-ins are refused, unchecked,
# until fewer failures fall within the window. A browser that logged in to an account
# before (a signed cookie) may still log in to that account meanwhile.
LOGIN_BURST_LIMIT = int(os.environ.get("LOGIN_BURST_LIMIT", "10"))
LOGIN_BURST_SECONDS = int(os.environ.get("LOGIN_BURST_SECONDS", "60"))
LOGIN_DEVICE_COOKIE_NAME = "known_device"
LOGIN_DEVICE_COOKIE_AGE = 180 * 24 * 3600
LOGIN_DEVICE_COOKIE_PATH = "/accounts/"
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# django-axes: lock by username+IP after repeated failures, with a cool-off so
# nobody can lock someone else out for ever. Both keys come from accounts.throttling:
# the IP is the socket peer unless TRUSTED_PROXY_COUNT says otherwise (django-ipware
# is not installed, so axes' own IPWARE settings would have no effect), and the
# username is the lower-cased e-mail allauth authenticates with.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
#: Days the log of log-ins and log-outs is kept (the privacy notice says so); the nightly
#: `axes_reset_logs --age` in the README's cron must use the same number.
LOGIN_LOG_DAYS = 90
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [
    BASE_DIR / "locale",
    # Brazilian country names for "pt" (gettext would read django-countries' pt_PT ones).
    BASE_DIR / "impactdir" / "locale_countries",
]
#: Django's locale formats, with the project's few additions and corrections (impactdir/formats).
FORMAT_MODULE_PATH = ["impactdir.formats"]
#: Off: templates print years, ids and page numbers as plain integers ("founded 2012", never
#: "2,012"); counts of things are grouped where they are shown, with `intcomma`, `number` or
#: `providers.disclosure`, in the active language's separator (impactdir/l10n.py).
USE_THOUSAND_SEPARATOR = False
# The language chosen with the switcher (impactdir.languages): kept a year, read by
# no script, sent with top-level navigations only.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Evidence files (certificates, documents behind impact figures): never served by the web
# server, only by providers.evidence to the listing's members and operators.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
#: Admin imports' previewed files, until confirmed (providers/admin/import_previews.py).
IMPORT_PREVIEW_DIR = Path(
    os.environ.get("IMPORT_PREVIEW_DIR", Path(tempfile.gettempdir()) / "impactdir-import-previews")
)
# Where `manage.py build_open_data` writes the open data snapshots that /data/ serves.
OPEN_DATA_ROOT = Path(os.environ.get("OPEN_DATA_ROOT", BASE_DIR / "open-data"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads are capped in the forms too; this only bounds what Django buffers.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# No request body may be larger than the largest upload (5 MB of evidence) with its
# form: impactdir.middleware answers 413 before reading it. Forms carry one file.
MAX_REQUEST_BODY_BYTES = int(os.environ.get("MAX_REQUEST_BODY_BYTES", str(6 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FILES = 5

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
    }
    if os.environ.get("CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# E-mail: the console in development, SMTP in production (EMAIL_HOST etc.).
_mail_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _mail_backend,
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
        }
        if _mail_backend.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ImpactDir <noreply@impactdir.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Strict Content-Security-Policy: only our own origin, scripts need a nonce,
# no inline styles at all.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database, never in a per-process cache, so ending or changing
# one holds on every worker at once; the signed-in user is read in the same query
# (accounts.sessions), so a signed-in page costs no query more than a cached session.
SESSION_ENGINE = "accounts.sessions"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

SIMPLE_HISTORY_REVERT_DISABLED = True
# Reasons are operators' own words (a rejection, what was checked): keep them whole.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Search results per page; the search page clamps what it accepts.
SEARCH_PAGE_SIZE = 20
#: Case studies per page of the library (/case-studies/).
CASE_STUDY_PAGE_SIZE = 10
# After a change to the listings, each process rebuilds its in-memory search index in a
# background thread and serves the previous one meanwhile ("background"), or rebuilds it
# before answering the next search ("inline": always up to date, but that search waits).
SEARCH_INDEX_REBUILD = os.environ.get("SEARCH_INDEX_REBUILD", "background")
if SEARCH_INDEX_REBUILD not in {"background", "inline"}:
    raise ImproperlyConfigured("SEARCH_INDEX_REBUILD must be 'background' or 'inline'.")
# Where a full build of the search index runs: "process" — in a process of its own
# (`manage.py build_search_index`), once per machine for all its workers, each of which
# then swaps the file it wrote for the index it served, so that a worker never holds
# two (buyers/search/handover.py); "thread" — in the process that needs it, beside the
# index it serves. The default: "process" on PostgreSQL, "thread" on SQLite (a small
# directory served by one process).
SEARCH_INDEX_BUILDS = os.environ.get(
    "SEARCH_INDEX_BUILDS",
    "process" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "thread",
)
if SEARCH_INDEX_BUILDS not in {"process", "thread"}:
    raise ImproperlyConfigured("SEARCH_INDEX_BUILDS must be 'process' or 'thread'.")
# The directory of those files (this user's alone); empty: one in the temporary directory.
SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", "")

# The JSON API (/api/v1/): results per page by default and at most, and the rate limit:
# each client (an IPv4 address or IPv6 /64, see TRUSTED_PROXY_COUNT) may make
# API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS, counted in the database so the
# limit holds across workers; beyond it the API answers 429 with Retry-After.
API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))
API_RATE_WINDOW_SECONDS = int(os.environ.get("API_RATE_WINDOW_SECONDS", "60"))
