"""csadmin settings, read from the environment.

The embedded default (no variables set) is a SQLite file under var/ and jobs on a broker that
needs no server; DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

import json
import os
from pathlib import Path

import dj_database_url

from csadmin.pluginlib.loader import discover_plugins


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CSADMIN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-development-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Plug-ins: every package under plugins/ unless CSADMIN_PLUGINS names a subset.
CSADMIN_PLUGINS = env_list("CSADMIN_PLUGINS")
PLUGIN_APPS = discover_plugins(BASE_DIR / "plugins", only=CSADMIN_PLUGINS or None)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csadmin.pluginlib",
    "csadmin.tenancy",
    "csadmin.access",
    "csadmin.audit",
    "csadmin.jobs",
    "csadmin.ui",
    *PLUGIN_APPS,
]

MIDDLEWARE = [
    # First: it answers the API's CORS preflights itself, before anything could refuse them
    # (a preflight carries no credentials) or answer them (CommonMiddleware, WhiteNoise).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "csadmin.ui.sessions.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csadmin.api.middleware.ApiBodyLimitMiddleware",
]

ROOT_URLCONF = "csadmin.urls"
WSGI_APPLICATION = "csadmin.wsgi.application"

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
                "csadmin.ui.context_processors.shell",
            ],
            # Tags every page shares (breadcrumbs, subtitle, ISO UTC times), plug-ins included.
            "builtins": ["csadmin.ui.templatetags.pages"],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'csadmin.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the job worker writes; IMMEDIATE takes the write lock
    # at BEGIN so two writers queue (up to the timeout) instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("CSADMIN_DB_POOL", False):
    # psycopg's pool in each process, off by default: taking a pooled connection and giving
    # it back cost each request more CPU than a persistent connection (README, production).
    # The threads of a web worker share at most CSADMIN_DB_POOL_SIZE connections
    # (gunicorn.conf.py: one per thread); one goes back to the pool at the end of each
    # request. The pool keeps connections itself, so Django's persistence is off; the health
    # check stays on (one round trip when a connection is taken). While the database cannot
    # be reached, a request waits up to CSADMIN_DB_POOL_TIMEOUT for its 503.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {
            "min_size": 1,
            "max_size": int(os.environ.get("CSADMIN_DB_POOL_SIZE", "2")),
            "timeout": float(os.environ.get("CSADMIN_DB_POOL_TIMEOUT", "3")),
        },
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Job output files ("jobs") and kept import uploads ("uploads") go through these storages
# only, never through a local path: by default the folder MEDIA_ROOT on this machine; when web
# servers and workers run on several machines, one storage all of them reach, e.g. an object
# store from django-storages: CSADMIN_FILES_STORAGE=storages.backends.s3.S3Storage and
# CSADMIN_FILES_STORAGE_OPTIONS='{"bucket_name": "csadmin-files"}' (a JSON object).
CSADMIN_FILES_STORAGE = {
    "BACKEND": os.environ.get("CSADMIN_FILES_STORAGE")
    or "django.core.files.storage.FileSystemStorage",
    "OPTIONS": json.loads(os.environ.get("CSADMIN_FILES_STORAGE_OPTIONS") or "{}"),
}
if not isinstance(CSADMIN_FILES_STORAGE["OPTIONS"], dict):
    raise ValueError("CSADMIN_FILES_STORAGE_OPTIONS must be a JSON object")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "jobs": CSADMIN_FILES_STORAGE,
    "uploads": CSADMIN_FILES_STORAGE,
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "files"

LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:dashboard"
LOGOUT_REDIRECT_URL = "ui:login"

# Sessions expire after this many minutes without a request (sliding expiry).
CSADMIN_SESSION_IDLE_MINUTES = int(os.environ.get("CSADMIN_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = CSADMIN_SESSION_IDLE_MINUTES * 60
# Each request a person makes slides the idle expiry (csadmin.ui.sessions); a page's polling
# does not.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Largest JSON body the API accepts (413 above it).
CSADMIN_API_MAX_BODY_BYTES = int(os.environ.get("CSADMIN_API_MAX_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = CSADMIN_API_MAX_BODY_BYTES

# The full-content export stream renders this many chunks at once, each on a connection of its
# own (PostgreSQL only; 1 renders on the request's connection alone).
CSADMIN_EXPORT_RENDERERS = int(os.environ.get("CSADMIN_EXPORT_RENDERERS", "2"))

# Import uploads (maintenance): the upload, the inflated size of a zip, and a zip's ratio.
CSADMIN_IMPORT_MAX_BYTES = int(os.environ.get("CSADMIN_IMPORT_MAX_BYTES", str(512 * 1024**2)))
CSADMIN_IMPORT_ZIP_MAX_BYTES = int(os.environ.get("CSADMIN_IMPORT_ZIP_MAX_BYTES", str(2 * 1024**3)))
CSADMIN_IMPORT_ZIP_MAX_RATIO = int(os.environ.get("CSADMIN_IMPORT_ZIP_MAX_RATIO", "100"))

# Keys that seal the secrets the product reads back (webhook signing secrets); the first seals,
# all open. Unset: derived from SECRET_KEY and SECRET_KEY_FALLBACKS.
CSADMIN_SECRETS_KEYS = env_list("CSADMIN_SECRETS_KEYS")

# Failed logins allowed per user name and address before a pause.
CSADMIN_LOGIN_MAX_FAILURES = int(os.environ.get("CSADMIN_LOGIN_MAX_FAILURES", "5"))
CSADMIN_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("CSADMIN_LOGIN_LOCKOUT_SECONDS", "300"))
# Failed API (HTTP Basic) authentications allowed per address in that window: many programs
# may call from one host, so far more than the sign-in page's per-address limit.
CSADMIN_API_ADDRESS_MAX_FAILURES = int(os.environ.get("CSADMIN_API_ADDRESS_MAX_FAILURES", "100"))
# A proxy in front sets X-Forwarded-Proto and X-Forwarded-For; they are trusted only when this
# says so (a client reaching the server directly could send them too).
CSADMIN_TRUSTED_PROXY = env_bool("CSADMIN_TRUSTED_PROXY", False)

# Event delivery (webhooks plug-in). Private, loopback and link-local targets are refused
# unless their host (name, address or network) is in CSADMIN_WEBHOOK_ALLOWED_HOSTS; with
# CSADMIN_WEBHOOK_ONLY_ALLOWED_HOSTS every target must be in that list.
CSADMIN_WEBHOOK_ALLOWED_HOSTS = env_list("CSADMIN_WEBHOOK_ALLOWED_HOSTS")
CSADMIN_WEBHOOK_ONLY_ALLOWED_HOSTS = env_bool("CSADMIN_WEBHOOK_ONLY_ALLOWED_HOSTS", False)
CSADMIN_WEBHOOK_TIMEOUT = float(os.environ.get("CSADMIN_WEBHOOK_TIMEOUT", "5"))
CSADMIN_WEBHOOK_RETRY_BASE_SECONDS = float(
    os.environ.get("CSADMIN_WEBHOOK_RETRY_BASE_SECONDS", "10")
)
CSADMIN_WEBHOOK_RETRY_MAX_SECONDS = float(
    os.environ.get("CSADMIN_WEBHOOK_RETRY_MAX_SECONDS", "3600")
)
CSADMIN_WEBHOOK_FAILURE_LIMIT = int(os.environ.get("CSADMIN_WEBHOOK_FAILURE_LIMIT", "10"))
CSADMIN_WEBHOOK_LOG_DAYS = int(os.environ.get("CSADMIN_WEBHOOK_LOG_DAYS", "30"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Basic first: its challenge becomes the WWW-Authenticate header of every 401.
        "csadmin.access.authentication.RealmBasicAuthentication",
        "csadmin.access.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["csadmin.access.permissions.PrivilegePermission"],
    "DEFAULT_PARSER_CLASSES": ["csadmin.api.parsers.StorableJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": None,
    "EXCEPTION_HANDLER": "csadmin.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "csadmin.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# CORS, for plug-ins running in a browser on another origin: only the API, only the listed
# origins (none by default), tokens rather than cookies (no credentials mode).
CORS_ALLOWED_ORIGINS = env_list("CSADMIN_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/genesys/1/cs/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "contactcenterid",
    "x-genesys-tenantid",
)
CORS_EXPOSE_HEADERS = ("Link", "Location")

SPECTACULAR_SETTINGS = {
    "TITLE": "csadmin Context Services API",
    "DESCRIPTION": "Context Services compatible API served by csadmin under /genesys/1/cs/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/genesys/1/cs",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ServerModeEnum": ["production", "maintenance"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "csadmin.api.schema.add_common_error_responses",
    ],
}

# Jobs: Redis when REDIS_URL is set, otherwise a broker kept in files under var/ (no server).
REDIS_URL = os.environ.get("REDIS_URL", "")
CSADMIN_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CSADMIN_JOBS_VISIBILITY_TIMEOUT = int(os.environ.get("CSADMIN_JOBS_VISIBILITY_TIMEOUT", "3600"))
# A frozen Redis (it accepts connections and answers nothing) must cost a call little: the web
# process's own Redis reads (access generation, cache, webhook flags) give up after
# CSADMIN_REDIS_TIMEOUT, the broker's commands after CSADMIN_BROKER_TIMEOUT (workers use it too,
# hence longer), and after a failure nothing asks Redis for CSADMIN_REDIS_RETRY_SECONDS
# (csadmin.circuit): access is read from the database, job submissions answer 503.
CSADMIN_REDIS_TIMEOUT = float(os.environ.get("CSADMIN_REDIS_TIMEOUT", "0.5"))
CSADMIN_BROKER_TIMEOUT = float(os.environ.get("CSADMIN_BROKER_TIMEOUT", "1"))
CSADMIN_REDIS_RETRY_SECONDS = float(os.environ.get("CSADMIN_REDIS_RETRY_SECONDS", "5"))
if not REDIS_URL:
    for folder in ("queue", "control"):
        (CSADMIN_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CSADMIN_BROKER_DIR / "queue"),
        "data_folder_out": str(CSADMIN_BROKER_DIR / "queue"),
        "control_folder": str(CSADMIN_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Jobs are acknowledged late; the broker re-delivers a job whose worker died after this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CSADMIN_JOBS_VISIBILITY_TIMEOUT,
        "socket_timeout": CSADMIN_BROKER_TIMEOUT,
        "socket_connect_timeout": CSADMIN_BROKER_TIMEOUT,
    }
# The shared cache: every process reads the access generation from it before trusting a token
# or grant it remembers (csadmin.access.freshness), so it must be shared by all the processes -
# Redis, or without it files under var/ (one machine, as SQLite is). Never per-process memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_timeout": CSADMIN_REDIS_TIMEOUT,
                "socket_connect_timeout": CSADMIN_REDIS_TIMEOUT,
            },
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}
CELERY_RESULT_BACKEND = None  # progress and results live in JobRun rows
# The queue jobs are sent to and workers read: separate deployments may share one Redis.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CSADMIN_JOBS_QUEUE", "celery")
# Webhook deliveries have a queue of their own (csadmin.celery.route_task), so jobs never wait
# behind a delivery backlog. A worker started without -Q reads both queues.
CSADMIN_DELIVERIES_QUEUE = os.environ.get("CSADMIN_DELIVERIES_QUEUE", "deliveries")
CELERY_TASK_QUEUES = {CELERY_TASK_DEFAULT_QUEUE: {}, CSADMIN_DELIVERIES_QUEUE: {}}
CELERY_TASK_ROUTES = ["csadmin.celery.route_task"]
# A queued job no worker took this many seconds after its message went is sent again (its
# message was lost), checked by the reaper once the jobs' queue is empty.
CSADMIN_JOBS_QUEUED_TIMEOUT = int(os.environ.get("CSADMIN_JOBS_QUEUED_TIMEOUT", "600"))
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CSADMIN_JOBS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Below the broker's visibility timeout, so a job still running is never delivered twice
# (3000 s and 2900 s for the default hour).
CELERY_TASK_TIME_LIMIT = CSADMIN_JOBS_VISIBILITY_TIMEOUT * 5 // 6
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - max(1, CELERY_TASK_TIME_LIMIT // 30)
# The reaper sends again (or fails) running jobs whose worker vanished and queued jobs whose
# message was lost.
CELERY_BEAT_SCHEDULE = {"jobs-reaper": {"task": "jobs.reap_stale_jobs", "schedule": 60.0}}
CELERY_TIMEZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
