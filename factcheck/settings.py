"""Settings for factcheck, read from the environment (see the README's Configuration table).

One module for every environment. Development defaults are safe to run locally; production is
`DJANGO_DEBUG=0` with a real `DJANGO_SECRET_KEY`, `DJANGO_ALLOWED_HOSTS` and usually a
PostgreSQL `DATABASE_URL`. Nothing here imports the domain app.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

DEV_SECRET_KEY = "django-insecure-factcheck-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off but DJANGO_SECRET_KEY is unset, the development key, or shorter than "
        "50 characters. Set DJANGO_SECRET_KEY to a long random value, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body: oversized requests get 413 with the limit, never a 500.
    "annotations.middleware.RequestSizeLimitMiddleware",
    # Before any view reads GET: a NUL in a query parameter is a 400 (PostgreSQL refuses it).
    "annotations.middleware.QueryStringMiddleware",
    # API GET/HEAD read from DATABASE_REPLICA_URL when set (annotations/routers.py).
    "annotations.middleware.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"
AUTH_USER_MODEL = "annotations.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

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
                "annotations.context_processors.limits",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several reviewers write at once: WAL lets readers run beside the writer, IMMEDIATE takes
    # the write lock when a transaction starts (no deadlock-prone lock upgrades), and the busy
    # timeout makes a second writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
    # The test database is a file as well: an in-memory (shared-cache) database answers a second
    # writer with "table is locked" at once instead of waiting, so tests of concurrent writers
    # would not exercise the locking production relies on.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME") or str(BASE_DIR / "db.sqlite3.test")
    }
# Optional read replica (PostgreSQL streaming replica): API and export reads go there,
# everything else and every write to the primary (annotations/routers.py). Tests mirror it.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
    DATABASES["replica"]["OPTIONS"] = DATABASES["default"].get("OPTIONS", {})
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["annotations.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------------
# Throttles (and any cached page) must hold across every worker and host, so no per-process
# memory cache: Redis when REDIS_URL is set (several machines), otherwise files in a private
# directory that all processes of this machine share (annotations/cache.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "factcheck",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "annotations.cache.FileCache",
            "LOCATION": os.environ.get("FACTCHECK_CACHE_DIR") or str(BASE_DIR / "var" / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
# Sessions live in the database: a session made on one app server is valid on every other.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE", 60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# Every authenticate() call (sign-in page, admin, Client.login) goes through the throttle.
AUTHENTICATION_BACKENDS = ["annotations.auth.ThrottlingModelBackend"]
FACTCHECK_LOGIN_THROTTLE = {
    "USERNAME_FAILURES": env_int("FACTCHECK_LOGIN_FAILURES", 5),
    "ADDRESS_FAILURES": env_int("FACTCHECK_LOGIN_ADDRESS_FAILURES", 20),
    "WINDOW_SECONDS": env_int("FACTCHECK_LOGIN_WINDOW_SECONDS", 15 * 60),
    "LOCKOUT_SECONDS": env_int("FACTCHECK_LOGIN_LOCKOUT_SECONDS", 15 * 60),
    # How many reverse proxies append to X-Forwarded-For in front of the app (0: trust none).
    "TRUSTED_PROXIES": env_int("FACTCHECK_TRUSTED_PROXIES", 0),
}

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Background work ------------------------------------------------------------------------
# Django's tasks framework with the database backend: `manage.py db_worker` runs the jobs
# (`make demo` starts one). Several workers, on several machines, may share one PostgreSQL.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("FACTCHECK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Larger deployments can queue jobs in Redis instead: FACTCHECK_TASKS_BACKEND=
# django_tasks_rq.RQBackend, FACTCHECK_RQ_URL=redis://host:6379/0, and workers started with
# `manage.py rqworker --job-class django_tasks_rq.Job default` (see the README).
RQ_QUEUES = {"default": {"URL": os.environ.get("FACTCHECK_RQ_URL", "redis://127.0.0.1:6379/0")}}
if TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
    INSTALLED_APPS += ["django_rq"]
# Files that jobs write (export files), in the default storage under MEDIA_ROOT.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Request limits -------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FACTCHECK_MAX_REQUEST_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- factcheck limits -----------------------------------------------------------------------
FACTCHECK = {
    "MAX_ARTICLE_CHARS": env_int("FACTCHECK_MAX_ARTICLE_CHARS", 500_000),
    "MAX_CLAIMS_PER_ARTICLE": env_int("FACTCHECK_MAX_CLAIMS_PER_ARTICLE", 2_000),
    "MAX_SOURCES_PER_CLAIM": env_int("FACTCHECK_MAX_SOURCES_PER_CLAIM", 50),
    "MAX_EXPLANATION_CHARS": env_int("FACTCHECK_MAX_EXPLANATION_CHARS", 20_000),
    # Days an export file prepared by a job is kept before it is deleted.
    "EXPORT_FILE_DAYS": env_int("FACTCHECK_EXPORT_FILE_DAYS", 7),
}
# The largest .jsonl/.zip/.html file one bulk import takes.
FACTCHECK_MAX_IMPORT_UPLOAD_BYTES = env_int("FACTCHECK_MAX_IMPORT_UPLOAD_BYTES", 200 * 1024 * 1024)
# Host names (exactly as written in URLs, comma-separated) that URL import may fetch although
# they resolve to non-public addresses: an intranet's news server, or a test's local server.
# Empty by default: only public addresses are fetched (annotations/fetch.py).
FACTCHECK_FETCH_ALLOW_HOSTS = [
    h.strip() for h in os.environ.get("FACTCHECK_FETCH_ALLOW_HOSTS", "").split(",") if h.strip()
]

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.SmallPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["annotations.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # orjson: nesting beyond its depth limit is a 400 (the stdlib parser raised RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "annotations.api.exception_handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (or signed-in user) and per anonymous address; DRF rate syntax.
FACTCHECK_API_RATES = {
    "user": os.environ.get("FACTCHECK_API_RATE", "1200/min"),
    "anon": os.environ.get("FACTCHECK_API_ANON_RATE", "60/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Claims, sources, verdicts and their review workflow; corpus exports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "status": a verdict's, and an export's selection.
    "ENUM_NAME_OVERRIDES": {
        "VerdictStatusEnum": "annotations.workflow.Status",
        "ExportStatusEnum": [("approved", "approved"), ("all", "all")],
    },
    # Our <id:pk> converter (annotations/params.py): a 64-bit id, documented as an integer.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1}
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
