"""One settings module, driven by the environment (read once, here).

With no environment set it runs on the embedded default: a SQLite file and Celery
tasks executed in-process, so a newcomer needs no server. With DATABASE_URL pointing
at PostgreSQL and REDIS_URL at Redis it runs as in production.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

from liaison.proxies import trusted_networks

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-demo-key-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_guid",  # the request id (liaison/requestid.py)
    "liaison",
    # Liaison's own apps; dependencies point one way:
    # stations <- deputies <- visits <- suggestions <- accounts (roles and scopes) <- notifications
    # <- reports (closure-rate rollups) <- dashboards
    "stations",
    "deputies",
    "visits",
    "suggestions",
    "accounts",
    "notifications",
    "reports",
    "dashboards",
    "onboarding",  # roster imports from Excel, term changes (换届)
    # --- oversight --- (performance files and annual evaluation; reads reports, visits, suggestions)
    "oversight",
    "motions",  # deputies' suggestions and supervision items (after notifications, beside reports)
    # --- public --- the online liaison station (网上联络站): citizens' pages, no sign-in
    "public",
]

MIDDLEWARE = [
    # requests and latency for /metrics (liaison/metrics.py): the first and the last middleware
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # first: the request id (X-Request-ID from nginx, or a new one) for every later log line
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liaison.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # 等保: the idle timeout, then the steps a signed-in user must take first (2FA, new password)
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.AccountStepsMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes must come last (it checks lockouts around the whole request).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "liaison.urls"
WSGI_APPLICATION = "liaison.wsgi.application"
ASGI_APPLICATION = "liaison.asgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------
# The embedded default's SQLite file; SQLITE_PATH moves it (relative paths are under BASE_DIR).
SQLITE_PATH = BASE_DIR / env.str("SQLITE_PATH", default="db.sqlite3")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Reads of the reports from a streaming replica (reports/routers.py, docs/scale.md).
if env.str("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["reports.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# RoleAssignment's NULLS NOT DISTINCT unique constraint exists on PostgreSQL only (W047), and
# the tickets' covering index (INCLUDE columns) is a plain index on the SQLite demo (W040).
SILENCED_SYSTEM_CHECKS = ["models.W047", "models.W040"]

# --- Accounts and security ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# 等保 2.0 level 3: at least 10 characters (the rule asks for 8) of three of the four
# classes, not the username, not a common password, none of the last five
# (accounts/password_validation.py; Chinese messages, English in accounts/locale).
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.password_validation.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.password_validation.NotUsernameValidator"},
    {"NAME": "accounts.password_validation.PasswordHistoryValidator"},
]
# Days a password is valid before the user must choose a new one; 0 turns expiry off.
PASSWORD_EXPIRY_DAYS = env.int("PASSWORD_EXPIRY_DAYS", default=0)
# Minutes without a request after which the session ends (besides SESSION_COOKIE_AGE).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
# Two-factor sign-in (TOTP, django-otp) is required for admins and county/city staff;
# optional for the other roles. The test suite turns it off except where a test turns it on.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="人大代表联络站工作平台")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG and IS_POSTGRES)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS behind the reverse proxy (deploy/nginx/liaison.conf) ------------------------
# Each is off unless the environment turns it on, so a plain-HTTP test install still
# works; the production environment (.env.example, deploy/) turns all of them on and
# `manage.py check --deploy --fail-level WARNING` is clean with it (tests/test_deploy.py).
# The proxy terminates TLS and says so in X-Forwarded-Proto; believe it only behind one.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Health probes from the host itself answer over plain HTTP (gunicorn's loopback port).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Permissions-Policy (django-permissions-policy): no page uses a camera, a microphone,
# geolocation or payment; the reception form's photo upload is a plain file input.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
}

# Content-Security-Policy (django-csp): scripts, styles, fonts and pictures from this site
# only, no inline script or style attribute anywhere (pages, the admin, the browsable API,
# the API docs: tests/browser/test_csp.py loads each kind in Chromium and fails on any
# violation), no plugins, no framing, forms post only here. Pictures may also be data: and
# blob: URLs (the API docs' icons, a photo previewed before upload).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# How scoped files (attachments) leave: "django" streams them from the view (the demo,
# tests, a bare gunicorn); "nginx" answers with X-Accel-Redirect to PROTECTED_MEDIA_URL
# after the view's permission check, and nginx sends the file from MEDIA_ROOT through an
# `internal` location (deploy/nginx/liaison.conf): never a public media URL.
FILES_SENT_BY = env.str("FILES_SENT_BY", default="django")
if FILES_SENT_BY not in ("django", "nginx"):
    raise environ.ImproperlyConfigured(f"FILES_SENT_BY must be 'django' or 'nginx', not {FILES_SENT_BY!r}")
PROTECTED_MEDIA_URL = env.str("PROTECTED_MEDIA_URL", default="/_protected/")

# django-axes: lock an account+address out after repeated failed sign-ins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Keep a log of failed sign-ins too (successful ones are logged by default): the audit page shows both.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The lockout counts per client address as liaison.proxies.client_ip sees it (trusted proxies below).
AXES_CLIENT_IP_CALLABLE = "liaison.proxies.client_ip"

# Reverse proxies (addresses or networks, e.g. "10.0.0.5,10.1.0.0/16") whose X-Forwarded-For
# is believed. Empty: the client is the TCP peer (REMOTE_ADDR), and X-Forwarded-For is ignored.
# One function reads it (liaison.proxies.client_ip) for lockout, the audit trail, the
# personal-data access log and throttling.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
trusted_networks(tuple(TRUSTED_PROXIES))  # a malformed entry stops start-up, not a request

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="liaison@localhost")
# The site's address, for links in e-mails sent by the worker (no request there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- Celery -------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL) or "memory://"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL) or None
# No broker configured: the embedded demo default runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
# /readyz: the latest periodic job must have started within this many minutes
READY_JOBS_MINUTES = env.int("READY_JOBS_MINUTES", default=5)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = TIME_ZONE
# Sending must never hang a web request when Redis is unreachable.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # Publishing retries once, at once: kombu otherwise sleeps 2 s before retrying, and a
    # web request kicking the outbox must not wait (the outbox row is the durable part).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    # With acks_late, Redis hands an unacknowledged task to another worker after this many
    # seconds: above the hard time limit, so a running task is never delivered twice. An
    # ETA/countdown task waits unacknowledged too, which is why we use none longer than
    # a minute (retries back off at most 60 s; periodic work comes from beat).
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60,
}
CELERY_RESULT_EXPIRES = timedelta(days=1)
# The periodic schedule. Run exactly ONE beat: each beat sends every entry, so two beats
# send each job twice (the jobs are single-flight anyway, so an overlap does no harm).
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {"task": "liaison.drain_outbox", "schedule": 5.0},
    # Runs the jobs below that are overdue in liaison.JobRun: a tick beat could not send
    # (the broker was down) or a run a killed worker cut short (also sent at worker start).
    "jobs-catch-up": {"task": "liaison.catch_up_jobs", "schedule": 30.0},
    "prune-outbox": {"task": "liaison.run_job", "args": ["outbox_prune"], "schedule": 3600.0},
    # Periodic jobs run through liaison.run_job (single-flight; see liaison/jobs.py JOBS).
    # The sweep is cheap when nothing is due (one indexed query), so it runs often: a
    # ticket is escalated within minutes of its deadline passing at midnight.
    "escalation-sweep": {"task": "liaison.run_job", "args": ["escalation"], "schedule": 600.0},
    # deadline and reception-day reminders (idempotent: each sent once, however often it runs)
    "reminders": {"task": "liaison.run_job", "args": ["reminders"], "schedule": 900.0},
    # only the (station, month) groups whose source rows changed
    "rollups-refresh": {"task": "liaison.run_job", "args": ["rollups"], "schedule": 60.0},
    # sync tombstones and idempotency keys past their keeping time
    "tombstones-prune": {
        "task": "liaison.run_job",
        "args": ["tombstones_prune"],
        "schedule": crontab(hour=3, minute=0),
    },
    # everything, nightly: catches what no trigger sees (a station moved to another region)
    "rollups-full": {
        "task": "liaison.run_job",
        "args": ["rollups_full"],
        "schedule": crontab(hour=2, minute=30),
    },
    # the month just ended and the year to date of every city and county, fixed (h18)
    "snapshots-monthly": {
        "task": "liaison.run_job",
        "args": ["snapshots"],
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },
}

# Tickets escalated per transaction by the sweep (suggestions/escalation.py).
ESCALATION_BATCH_SIZE = env.int("ESCALATION_BATCH_SIZE", default=50_000)
# Database connections one sweep drains its batches over (about the database's cores).
ESCALATION_CONNECTIONS = env.int("ESCALATION_CONNECTIONS", default=2)

# --- Outbox and notifications ------------------------------------------------------
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=50)  # messages per drain transaction
OUTBOX_DRAIN_SECONDS = env.float("OUTBOX_DRAIN_SECONDS", default=60.0)  # then yield to the next drain
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)  # then given up (see the admin)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=5)  # doubled on each failure
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)  # done messages are deleted after this
# The after-commit kick's broker timeouts (connect, and each answer), in its own thread.
OUTBOX_KICK_TIMEOUT = env.float("OUTBOX_KICK_TIMEOUT", default=1.0)
# Where a notification goes besides the in-app inbox: "email", "sms".
NOTIFICATION_CHANNELS = env.list("NOTIFICATION_CHANNELS", default=["inbox", "email"])
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend")
# Notifications of one kind reaching one user within this many seconds fold into one
# digest; its e-mail / SMS waits until the window closes (notifications.services).
NOTIFICATION_DIGEST_SECONDS = env.int("NOTIFICATION_DIGEST_SECONDS", default=120)
# "Due soon" reminders go this many working days before a ticket's deadline.
REMINDER_DUE_WORKING_DAYS = env.int("REMINDER_DUE_WORKING_DAYS", default=2)

# --- Django REST framework ----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous API request gets 401 with WWW-Authenticate.
        # DRF's, refusing an account that must change its password first (accounts/api_auth.py)
        "accounts.api_auth.TokenAuthentication",
        "accounts.api_auth.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "liaison.api.exception_handler",
    # JSON, and a browsable HTML view of it that never renders a form or a choice list
    # (liaison/renderers.py: DRF's forms list related fields' whole querysets).
    "DEFAULT_RENDERER_CLASSES": [
        "liaison.renderers.JSONRenderer",  # DRF's, passing pre-rendered JSON through
        "liaison.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only (415 otherwise): strict types per field, no form-encoded strings;
    # attachment uploads set their own multipart parser
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["liaison.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "liaison.api.ApiSchema",
    # Per token (= per user): a client retrying in a loop is slowed down, not the others.
    "DEFAULT_THROTTLE_CLASSES": ["liaison.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_THROTTLE_RATE", default="1200/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liaison API",
    "DESCRIPTION": "人大代表联络站系统 REST API：增量同步、幂等写入、乐观并发（见 docs/api.md）。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # the docs page's JavaScript and CSS are served from our own static files (no CDN)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # one name per choice set (several models have a "status")
    "ENUM_NAME_OVERRIDES": {
        "StationStatusEnum": "stations.models.Station.Status",
        "MandateStatusEnum": "deputies.models.Mandate.Status",
        "ReceptionStatusEnum": "visits.models.ReceptionSession.Status",
        "TicketStatusEnum": "suggestions.models.Ticket.Status",
        "StationKindEnum": "stations.models.Station.Kind",
        "HandlingUnitKindEnum": "suggestions.models.HandlingUnit.Kind",
        "ReceptionKindEnum": "visits.models.ReceptionSession.Kind",
        "AttachmentKindEnum": "visits.models.ReceptionAttachment.Kind",
        "SatisfactionEnum": "suggestions.models.Ticket.Satisfaction",
        "MotionSatisfactionEnum": "motions.models.Satisfaction",
        "DeputySuggestionStatusEnum": "motions.models.DeputySuggestion.Status",
        "SupervisionItemStatusEnum": "motions.models.SupervisionItem.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "liaison.api.strict_query_schema",
        "liaison.api.document_unavailable",
    ],
}
# Sync: tombstones of deleted records are kept this many days (manage.py prune_tombstones);
# a client whose cursor is older gets 410 Gone and resyncs from scratch.
SYNC_TOMBSTONE_DAYS = env.int("SYNC_TOMBSTONE_DAYS", default=30)
# Stored responses to POSTs with an Idempotency-Key (at least 24 hours).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=48)

# --- pghistory (audit trail) --------------------------------------------------------
# Triggers are installed on PostgreSQL only; the SQLite demo keeps no audit trail.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=400)  # at least six months (CSL art. 21)
# The events pages in the admin mask citizens' personal data (accounts/admin.py).
PGHISTORY_ADMIN_CLASS = "accounts.admin.EventsAdmin"

# --- dashboards ------------------------------------------------------------------------
# How many times a year each deputy is expected to enter a station to receive citizens
# (进站接待); a deputy's dashboard shows their entries against it. Many places ask for at
# least two a year; set the local rule here.
DEPUTY_ENTRIES_EXPECTED_PER_YEAR = env.int("DEPUTY_ENTRIES_EXPECTED_PER_YEAR", default=2)

# --- logs: one JSON object a line, each with the request id -------------------------------
# The request id: nginx's $request_id in X-Request-ID (deploy/nginx), else made here; returned
# in the response's X-Request-ID and carried into Celery tasks and outbox messages
# (liaison/requestid.py). LOG_FORMAT=text for a terminal (the default with DEBUG on).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,  # anything but a UUID (hex or dashed) is replaced by a new id
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [],  # Celery: liaison/requestid.py (see there why not django-guid's)
}
# /metrics (liaison/metrics.py): Prometheus scrapes gunicorn on loopback, or from elsewhere
# with "Authorization: Bearer $METRICS_TOKEN"; nginx never serves it.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "liaison.requestid.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
            "timestamp": "time",  # ISO 8601 in UTC, whatever the host's zone
            "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        # Django's own loggers report once, through this handler (not also through Django's default one).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # the worker's own lines ("ready", a task received) and each task's start and end
        "celery": {"level": "INFO"},
        "liaison.tasks": {"level": "INFO"},
    },
}
