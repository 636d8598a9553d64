"""Settings for Anjian, read from the environment (see anjian/env.py and the README).

The embedded default needs no environment at all: SQLite under var/, a secret key generated
into var/, DEBUG off. DATABASE_URL points the same code at PostgreSQL.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS as RESERVED_LOG_ATTRS

from anjian.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ANJIAN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # The embedded default keeps a generated key beside its database, so sessions survive a
    # restart without anyone having to invent a secret.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
# Django's test set-up adds "testserver" for the test client; a deployment never answers it.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "anjian.admin.AnjianAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "csp",
    "huey.contrib.djhuey",
    "anjian.apps.AxesConfig",
    "anjian.apps.AuditlogConfig",
    "core",
    "accounts",
    "enterprises",
    "hazards",
    "monitoring",
    "enforcement",
    "grading",
    "accidents",
    "projects",
    "standardization",
    "reporting",
    "risks",
    "rewards",
    "certificates",
    "training",
    "campaigns",
    "experts",
    "accident_warnings",
    "tips",
    "targets",
    "exchange",
    "workbench",
    "fieldwork",
    "demo",
]

MIDDLEWARE = [
    # Outermost: the request id, the structured request log and the slow-query and error
    # counts (core/ops.py) see every answer, redirects and refusals included.
    "core.ops.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RefuseBadQueryStrings",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "anjian.urls"
WSGI_APPLICATION = "anjian.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    # Kept connections are checked before a request uses them, so that after a database
    # outage the next request reconnects instead of failing on a dead connection.
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / env_str("SQLITE_NAME", "anjian.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
                # timeout instead of one failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.AdminRoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Lockout after repeated failures (django-axes), counted per username and address together: a
# guesser locks that account from their own address only, so nobody can keep the administrator
# (or anyone) locked out from one address, and one NAT does not lock out everyone behind it.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind reverse proxies REMOTE_ADDR is the nearest proxy's: with TRUSTED_PROXY_COUNT set, the
# address is read from X-Forwarded-For instead (accounts/lockout.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"

# --- HTTPS and headers (README "Deployment and security") ------------------------------------
# All off by default: the embedded default serves http://127.0.0.1. Behind a proxy that ends
# TLS, SECURE_PROXY_SSL_HEADER=1 makes Django believe its X-Forwarded-Proto (the proxy must set
# or overwrite that header, or a client could claim HTTPS).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Content-Security-Policy (django-csp). Every script and style is the app's own (no CDN); the few
# inline scripts carry the request's nonce. Style attributes stay allowed: the templates and
# ECharts' tooltips use them, and they cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Audit ----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# The project's own translations: the Chinese names of third-party models (anjian/apps.py).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
# Front-end libraries come from the npm registry at set-up (package.json) and are served by the
# app itself: the deployment network is an intranet with no CDN.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", _NODE / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE / "bootstrap-icons" / "font"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Backups (core/backup.py, manage.py backup): where they go, and the directory of pg_dump and
# pg_restore when those on PATH do not suit the server (e.g. /usr/lib/postgresql/16/bin).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
PG_BIN_DIR = env_str("PG_BIN_DIR")

# Uploads: the enterprise import accepts a spreadsheet up to this many bytes.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Photos of hazards and rectifications: images only, each at most this many bytes.
HAZARD_PHOTO_MAX_BYTES = env_int("HAZARD_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
# --- Monitoring (monitoring/) -------------------------------------------------------------
# Telemetry: at most this many readings per request or MQTT message, and this many bytes.
TELEMETRY_MAX_READINGS = env_int("TELEMETRY_MAX_READINGS", 5000)
TELEMETRY_MAX_BYTES = env_int("TELEMETRY_MAX_BYTES", 1024 * 1024)
# A reading's time must lie within this many days before and seconds after the server's clock:
# older or later ones are refused one by one (and make no partition on PostgreSQL).
TELEMETRY_MAX_AGE_DAYS = env_int("TELEMETRY_MAX_AGE_DAYS", 30)
TELEMETRY_MAX_FUTURE_SECONDS = env_int("TELEMETRY_MAX_FUTURE_SECONDS", 300)
# Years of readings (monitoring.rollups): raw readings are kept this many days (at least
# TELEMETRY_MAX_AGE_DAYS, so no late reading lands in a month already removed); per point, rollups
# per minute (min, max, sum, count, last) are kept ROLLUP_MINUTE_DAYS and per hour
# ROLLUP_HOUR_DAYS (0: for good). The rollup task (every 5 minutes) recomputes the buckets from
# ROLLUP_LOOKBACK_MINUTES before its previous run; readings later than that are noted by ingestion
# and their hours recomputed on the next run. The daily retention job removes raw readings past
# the cut: whole months on PostgreSQL (partitions dropped), RETENTION_CHUNK_ROWS rows per
# transaction on SQLite, each followed by a pause of at least RETENTION_CHUNK_PAUSE_MS and twice
# as long as the chunk took. Before that, the raw readings each alarm cites
# (EVIDENCE_MARGIN_MINUTES around it, at most EVIDENCE_MAX_HOURS) go to the evidence table.
TELEMETRY_RAW_DAYS = max(env_int("TELEMETRY_RAW_DAYS", 90), TELEMETRY_MAX_AGE_DAYS + 1)
ROLLUP_MINUTE_DAYS = env_int("ROLLUP_MINUTE_DAYS", 400)
ROLLUP_HOUR_DAYS = env_int("ROLLUP_HOUR_DAYS", 0)
ROLLUP_LOOKBACK_MINUTES = env_int("ROLLUP_LOOKBACK_MINUTES", 15)
RETENTION_CHUNK_ROWS = env_int("RETENTION_CHUNK_ROWS", 10_000)
RETENTION_CHUNK_PAUSE_MS = env_int("RETENTION_CHUNK_PAUSE_MS", 50)
EVIDENCE_MARGIN_MINUTES = env_int("EVIDENCE_MARGIN_MINUTES", 10)
EVIDENCE_MAX_HOURS = env_int("EVIDENCE_MAX_HOURS", 24)
# Charts and the readings API: raw readings for a range up to SERIES_RAW_HOURS, minute rollups
# up to SERIES_MINUTE_DAYS, hour rollups up to SERIES_HOUR_DAYS, days summed from the hour
# rollups beyond (a year: 365 rows, not 8,760).
SERIES_RAW_HOURS = env_int("SERIES_RAW_HOURS", 24)
SERIES_MINUTE_DAYS = env_int("SERIES_MINUTE_DAYS", 14)
SERIES_HOUR_DAYS = env_int("SERIES_HOUR_DAYS", 90)
# An alarm nobody acknowledges goes to the town's supervisors after this many minutes, then to
# the county's after the second figure.
ALARM_ESCALATE_TOWN_MINUTES = env_int("ALARM_ESCALATE_TOWN_MINUTES", 30)
ALARM_ESCALATE_COUNTY_MINUTES = env_int("ALARM_ESCALATE_COUNTY_MINUTES", 120)
# A safety device out of order (fault, bad readings or offline) this long is a major hazard
# under 第十四条 of the criteria.
DEVICE_FAULT_HAZARD_HOURS = env_int("DEVICE_FAULT_HAZARD_HOURS", 24)
# After a gateway's token is rotated, the previous one stays valid this many hours.
GATEWAY_TOKEN_GRACE_HOURS = env_int("GATEWAY_TOKEN_GRACE_HOURS", 24)
# HTTP telemetry (/api/v1/telemetry): an app-server process remembers the gateway of a token this
# many seconds (the token is checked again, in the same query that locks the gateway, as its
# readings are stored), and stores the requests that arrive while a batch is being stored
# together, at most this many readings a batch (monitoring/group_commit.py).
GATEWAY_TOKEN_CACHE_SECONDS = env_int("GATEWAY_TOKEN_CACHE_SECONDS", 60)
TELEMETRY_HTTP_BATCH_READINGS = env_int("TELEMETRY_HTTP_BATCH_READINGS", 5000)
# MQTT ingestion (manage.py ingest_mqtt).
MQTT_HOST = env_str("MQTT_HOST", "127.0.0.1")
MQTT_PORT = env_int("MQTT_PORT", 1883)
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "anjian/telemetry")
MQTT_USERNAME = env_str("MQTT_USERNAME")
MQTT_PASSWORD = env_str("MQTT_PASSWORD")
# The workers of one installation share one subscription group; another installation on the
# same broker needs a prefix (and group) of its own, or its workers take a share of these
# messages and drop them as bad tokens.
MQTT_SHARED_GROUP = env_str("MQTT_SHARED_GROUP", "anjian")
# A worker that dies keeps its share of the stream queued in its session this long (seconds);
# a worker stopped gracefully hands its share to the others at once.
MQTT_SESSION_EXPIRY = env_int("MQTT_SESSION_EXPIRY", 600)
# The last worker of its group stopped gracefully keeps its session (and so what gateways
# publish meanwhile) this long: nobody else would take those messages.
MQTT_IDLE_SESSION_EXPIRY = env_int("MQTT_IDLE_SESSION_EXPIRY", 24 * 3600)
# What a worker holds in memory, received and not yet stored: at most this many messages (its
# MQTT 5 Receive Maximum: the broker keeps the rest, unacknowledged) and this many bytes. 400
# lets the broker keep sending while a batch is stored (README, "Telemetry at the shape gateways
# send": about a fifth more messages a second than 100 with two workers).
MQTT_INFLIGHT = env_int("MQTT_INFLIGHT", 400)
MQTT_QUEUE_BYTES = env_int("MQTT_QUEUE_BYTES", 32 * 1024 * 1024)
# Micro-batching: a worker stores the messages that arrive within this many milliseconds of the
# first in one transaction (each message costs a transaction, the gateway lock and the rule
# state otherwise), at most this many readings per batch (one message always fits). 0 ms: only
# what is already waiting.
MQTT_BATCH_WINDOW_MS = env_int("MQTT_BATCH_WINDOW_MS", 20)
MQTT_BATCH_READINGS = env_int("MQTT_BATCH_READINGS", 5000)
# A worker records its state every this many seconds; the monitoring overview warns when a
# worker is silent for three of them, or the broker's queue or drops pass these.
MQTT_HEARTBEAT_SECONDS = env_int("MQTT_HEARTBEAT_SECONDS", 10)
MQTT_BACKLOG_WARNING = env_int("MQTT_BACKLOG_WARNING", 10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)

# --- Notification channels (core/channels.py) -------------------------------------------------
# In-app notifications always; these add copies by other channels for users who choose them
# (their 通知设置 page). Nothing leaves the machine unless configured: e-mail goes to the console
# and SMS to the log until a deployment names its SMTP server and SMS gateway.
NOTIFY_CHANNELS = env_list("NOTIFY_CHANNELS", ["email", "sms", "wecom"])
# Links in e-mail, SMS and robot messages: the address users reach the platform at.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "安监平台 <anjian@localhost>")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# "log" writes each SMS to the log; "http" posts it as JSON ({"phone", "text"}) to the gateway,
# with the key as a bearer token.
SMS_BACKEND = env_str("SMS_BACKEND", "log")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY")
SMS_TEMPLATE = env_str("SMS_TEMPLATE", "【安监平台】{title}")
# A 企业微信 group robot (its webhook URL); messages @-mention the user by phone number.
WECOM_WEBHOOK_URL = env_str("WECOM_WEBHOOK_URL")
# A failed delivery is tried again after these minutes, then given up (the in-app copy stays).
NOTIFY_RETRY_MINUTES = [1, 5, 15, 60]

# --- The workbench ------------------------------------------------------------------------------
# Where a jurisdiction stands (open and overdue majors, must-connect coverage, enterprises owing
# this period's principal-led check) is counted at most once per this many seconds per role and
# jurisdiction (Django's cache: per process by default; every to-do count stays live). 0: always.
WORKBENCH_STATS_SECONDS = env_int("WORKBENCH_STATS_SECONDS", 300)
# Public tips (tips/): how many a client address may submit per calendar day (0: no limit, as
# manage.py bench_tips runs), and the public enterprise search's requests per address a minute.
TIPS_PER_ADDRESS_PER_DAY = env_int("TIPS_PER_ADDRESS_PER_DAY", 5)
TIPS_SEARCHES_PER_MINUTE = env_int("TIPS_SEARCHES_PER_MINUTE", 30)
# Data exchange (exchange/): entries per push, the push's HTTP timeout, the back-off's cap.
EXCHANGE_BATCH = env_int("EXCHANGE_BATCH", 100)
EXCHANGE_TIMEOUT_SECONDS = env_int("EXCHANGE_TIMEOUT_SECONDS", 5)
EXCHANGE_BACKOFF_MAX_MINUTES = env_int("EXCHANGE_BACKOFF_MAX_MINUTES", 60)
# After this many failed pushes in a row (6: about 16 minutes of back-off) the county
# administrators over the subscriber are told, once per outage, and told again when it
# recovers; 0: never.
EXCHANGE_ALERT_FAILURES = env_int("EXCHANGE_ALERT_FAILURES", 6)
# The key the subscribers' signing secrets are encrypted with at rest; empty: derived from
# SECRET_KEY (then changing SECRET_KEY makes them unreadable: set this one to keep them).
EXCHANGE_SECRET_KEY = env_str("EXCHANGE_SECRET_KEY", "")

# --- Background jobs (huey) ------------------------------------------------------------------
# The embedded default keeps the queue in a SQLite file; REDIS_URL moves it to Redis for N
# workers on N hosts. The task code is the same either way. Run workers with
# `manage.py run_huey`.
_redis_url = env_str("REDIS_URL")
HUEY = {
    "name": "anjian",
    "immediate": env_bool("TASKS_IMMEDIATE", False),
    "utc": True,
    **(
        {"huey_class": "huey.RedisHuey", "url": _redis_url}
        if _redis_url
        else {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")}
    ),
    "consumer": {"workers": env_int("TASK_WORKERS", 2), "worker_type": "thread"},
}

# --- Logs, health and operations (README "Production deployment") ---------------------------
# LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, request_id,
# user_id, path, status, duration_ms) for a log collector; "text" (the default) the message
# alone. LOG_REQUESTS adds one line per request (method, path, status, duration, user) at INFO:
# on by default with JSON. Every record of a request carries its id (core/ops.py): the proxy's
# X-Request-ID when it is short and safe, else one made here, sent back in X-Request-ID.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_FORMAT == "json")
# A database statement slower than this many milliseconds is counted (per hour) and kept among
# the last slow statements (its text, never its parameters) on the 运行状况 page.
SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 500)
# /healthz checks the MQTT broker when one is configured: MQTT_HOST set in the environment (the
# embedded default may run without a broker), or HEALTH_CHECK_BROKER=1; 0 leaves it out.
HEALTH_CHECK_BROKER = env_bool("HEALTH_CHECK_BROKER", bool(env_str("MQTT_HOST")))
# Each check of /healthz gives up after this many seconds.
HEALTH_TIMEOUT_SECONDS = env_int("HEALTH_TIMEOUT_MS", 1000) / 1000
# An API write's Idempotency-Key (core/idempotency.py) and the answer kept with it are kept this
# many hours: a resend within them is answered the first answer, never acted on twice.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "core.logs.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            "reserved_attrs": [*RESERVED_LOG_ATTRS, "request", "server_time"],
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"anjian.requests": {"level": "INFO" if LOG_REQUESTS else "WARNING"}},
}
