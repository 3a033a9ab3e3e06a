"""Settings for the TRD guide. Every environment differs only through env vars (see README)."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (set DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "articles.apps.StaffAdminConfig",  # django.contrib.admin with the staff home
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",  # its widget templates, for the TemplatesSetting renderer below
    "markdownx",
    "reversion",
    "reversion_compare",
    "axes",
    "articles",
    "clinic",
]

MIDDLEWARE = [
    # First: answers cached public pages, with the headers the rest of the stack added (page_cache.py).
    "articles.page_cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.middleware.DatabaseUnavailableMiddleware",
    # Last, so it sees the login attempts the admin handles.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

ROOT_URLCONF = "trd_site.urls"
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
WSGI_APPLICATION = "trd_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
                "clinic.context_processors.site_settings",
            ]
        },
    }
]

# Form widgets render through TEMPLATES, so templates/ can hold the admin's own widgets.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while staff save; IMMEDIATE takes the write lock
    # up front so concurrent writers wait (busy timeout) instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request in seconds (then cached pages are
    # served stale, others get the 503 page) instead of holding a worker until gunicorn's timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis errors are a cache miss, logged, never a failed page (trd_site/cache_backend.py).
            "BACKEND": "trd_site.cache_backend.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "trd",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages: kept whole in the cache above (retired on any content change), and cacheable
# by browsers and CDNs for HTTP_CACHE_MAX_AGE seconds, served stale while revalidating.
PAGE_CACHE_SECONDS = int(os.environ.get("TRD_PAGE_CACHE_SECONDS", "3600"))
# How stale another worker's or server's view of "content changed" may be, at most.
CONTENT_VERSION_CHECK_SECONDS = float(os.environ.get("TRD_CONTENT_VERSION_CHECK_SECONDS", "1"))
# With the database down, pages already cached are served stale for up to this long after it
# last answered (like a CDN's stale-if-error); other pages get the 503 page.
STALE_IF_ERROR_SECONDS = int(os.environ.get("TRD_STALE_IF_ERROR_SECONDS", "86400"))
HTTP_CACHE_MAX_AGE = int(os.environ.get("TRD_HTTP_CACHE_MAX_AGE", "300"))
HTTP_CACHE_STALE_WHILE_REVALIDATE = int(os.environ.get("TRD_HTTP_CACHE_STALE_WHILE_REVALIDATE", "86400"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CONTENT_DIR = Path(os.environ.get("TRD_CONTENT_DIR", BASE_DIR / "content"))

# Site identity, set per clinic.
# Canonical origin for links, QR codes and link previews (never taken from the request's Host).
if (
    not DEBUG
    and not os.environ.get("TRD_SITE_URL")
    and any(host == "*" or host.startswith(".") for host in ALLOWED_HOSTS[:1])
):
    raise ImproperlyConfigured(
        f"DJANGO_ALLOWED_HOSTS starts with the wildcard {ALLOWED_HOSTS[0]!r}: set TRD_SITE_URL to the "
        "site's address (e.g. https://guide.example.org), or links and QR codes would point nowhere."
    )
SITE_URL = os.environ.get(
    "TRD_SITE_URL",
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0] if ALLOWED_HOSTS else 'localhost'}",
).rstrip("/")
SITE_NAME = os.environ.get("TRD_SITE_NAME", "Understanding Treatment-Resistant Depression")
# Defaults for the Site settings staff edit in the admin (clinic/): shown until a Publisher saves them
# there, and whenever the database cannot be read and no saved values are known.
CLINIC_NAME = os.environ.get("TRD_CLINIC_NAME", "")
CRISIS_TEXT = os.environ.get(
    "TRD_CRISIS_TEXT",
    "In crisis or thinking about suicide? In the US, call or text 988 (Suicide & Crisis Lifeline). "
    "In an emergency, call 911.",
)
CRISIS_LINE_NAME = os.environ.get(
    "TRD_CRISIS_LINE_NAME", "the 988 Suicide & Crisis Lifeline (US), any time, day or night"
)
CRISIS_PHONE = os.environ.get("TRD_CRISIS_PHONE", "988")
EMERGENCY_NUMBER = os.environ.get("TRD_EMERGENCY_NUMBER", "911")
CRISIS_SMS = os.environ.get("TRD_CRISIS_SMS", "988")
CRISIS_INTERNATIONAL_URL = os.environ.get("TRD_CRISIS_INTERNATIONAL_URL", "https://findahelpline.com/")

# markdownx: the admin preview goes through the site's own pipeline.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.models.render_preview"
MARKDOWNX_UPLOAD_MAX_SIZE = 0
MARKDOWNX_UPLOAD_CONTENT_TYPES = []

# Security: on by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer checks gunicorn directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a long-term commitment for the whole domain: the clinic opts in explicitly.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Content-Security-Policy (django-csp 4): nothing from other hosts, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Turn off browser features the site never uses.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
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
        "browsing-topics",
    ]
}

# Admin sign-in throttling (django-axes; trd_site/login_throttle.py): lock a username+address
# pair after AXES_FAILURE_LIMIT failures, never a user alone, so an attacker elsewhere cannot
# lock out a member of staff; and an address alone after AXES_ADDRESS_FAILURE_LIMIT failures
# over all the usernames it tried. Locks lift after the cool-off.
AXES_HANDLER = "trd_site.login_throttle.StaffLoginHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lock is not counted again, so the lock lifts on time (and every lock,
# the address one included, answers with the lockout page).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The client address (trd_site/client_ip.py): REMOTE_ADDR, or behind DJANGO_PROXY_COUNT trusted
# reverse proxies the address the farthest of them appended to X-Forwarded-For.
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "trd_site.client_ip.client_ip"

# Staff sessions end with the browser, and after a working day at most (readers have none).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(float(os.environ.get("DJANGO_SESSION_HOURS", "10")) * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # gunicorn's layout, in UTC like gunicorn's own lines (trd_site/logs.py).
    "formatters": {"utc": {"()": "trd_site.logs.UTCFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "utc"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Django's own "django" logger has a console handler in debug: it would print each line twice.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
