"""Django settings for Co-produce, read from the environment.

Every value a deployment may change is an environment variable, read through
the typed helpers in `coproduce.env`, which refuse a bad value at start-up.
The README lists them all.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from coproduce.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("COPRODUCE_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
# Set only by the test suite and the benchmarks: lets them run with DEBUG off on a fast,
# weak password hasher. Never set it on a server people use.
TEST_RUN = env_bool("TEST_RUN", False)
DEFAULT_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
# Keys the hash that lets a voter find their own secret ballot again while voting is
# open. Kept apart from SECRET_KEY (which signs reset and unsubscribe links), so that
# leaking or rotating one never touches the other. To rotate it, put the old key in
# BALLOT_SECRET_KEY_FALLBACKS: ballots cast under it can still be found and changed.
BALLOT_SECRET_KEY = env_str("BALLOT_SECRET_KEY", "" if not DEBUG else SECRET_KEY + ":ballots")
BALLOT_SECRET_KEY_FALLBACKS = env_list("BALLOT_SECRET_KEY_FALLBACKS", [])
SITE_URL = env_str("SITE_URL", DEFAULT_SITE_URL)


def _refuse_unsafe_production_settings() -> None:
    """With DEBUG off, refuse to start on settings that would put people at risk."""
    if DEBUG:
        return
    problems = []
    if SECRET_KEY == DEFAULT_SECRET_KEY:
        problems.append(
            "SECRET_KEY is the development default. Set SECRET_KEY to a long random value "
            "(or DEBUG=true on your own machine)."
        )
    elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        problems.append("SECRET_KEY is too short: use at least 50 random characters.")
    if not BALLOT_SECRET_KEY:
        problems.append(
            "Set BALLOT_SECRET_KEY to a long random value of its own (not SECRET_KEY): "
            "it keys the hash of secret ballots."
        )
    elif BALLOT_SECRET_KEY == SECRET_KEY or BALLOT_SECRET_KEY in BALLOT_SECRET_KEY_FALLBACKS:
        problems.append("BALLOT_SECRET_KEY must differ from SECRET_KEY and from its fallbacks.")
    elif len(BALLOT_SECRET_KEY) < 50:
        problems.append("BALLOT_SECRET_KEY is too short: use at least 50 random characters.")
    if SITE_URL == DEFAULT_SITE_URL:
        problems.append(
            "Set SITE_URL to the portal's public address (https://...): links in emails "
            "would otherwise point to 127.0.0.1."
        )
    if not env_bool("HTTPS", True) and not env_bool("ALLOW_HTTP", False):
        problems.append(
            "HTTPS is off with DEBUG off: passwords and sign-in cookies would cross the "
            "network unprotected. Serve the portal over HTTPS, or, on a closed test network "
            "only, say so explicitly with ALLOW_HTTP=true."
        )
    if problems:
        raise ImproperlyConfigured("Refusing to start:\n- " + "\n- ".join(problems))


_refuse_unsafe_production_settings()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Co-produce")

INSTALLED_APPS = [
    "coproduce",
    "participants",
    "projects",
    "decisions",
    "delivery",
    "meetings",
    "payments",
    "evidence",
    "trail",
    "coproduce.site",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "pgtrigger",
]

MIDDLEWARE = [
    "coproduce.audit.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coproduce.middleware.UserTimezoneMiddleware",
    "coproduce.middleware.ContentSecurityPolicyMiddleware",
    "coproduce.middleware.PrivatePagesMiddleware",
    "participants.middleware.IdleSignOutMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "coproduce.middleware.RefusalMiddleware",
]

ROOT_URLCONF = "coproduce.site.urls"
WSGI_APPLICATION = "coproduce.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coproduce.context_processors.site",
                "participants.context_processors.notifications",
            ],
        },
    },
]
FORM_RENDERER = "coproduce.forms.NHSFormRenderer"

# --- Database ---------------------------------------------------------------

if env_str("DATABASE_URL", ""):
    DATABASES = {"default": environ.Env.db_url_config(env_str("DATABASE_URL"))}
elif DEBUG or env_bool("COPRODUCE_EMBEDDED_DATABASE", False):
    from coproduce.embedded_db import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(VAR_DIR / "pgdata")}
else:
    raise ImproperlyConfigured(
        "Set DATABASE_URL (for example postgres://user:password@host:5432/coproduce). "
        "The embedded database is only for development (DEBUG=true) and tests."
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The development server runs each request in a thread of its own that then ends: a
# connection kept open for the next request would be left behind by that thread, and a
# burst of requests would use up PostgreSQL's connections. Production workers live long
# and keep theirs (checked before reuse).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60)
# The statements on every page's and every cast's path are prepared once per connection
# (coproduce/rows.py). Set false behind a pooler that gives each transaction another
# server connection (PgBouncer in transaction mode).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Co-produce runs on PostgreSQL only: DATABASE_URL must be postgres://."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits live here: share it between processes) ----

_redis_cache_url = env_str("REDIS_CACHE_URL", "")
if _redis_cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_cache_url,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- People and sign-in -----------------------------------------------------

AUTH_USER_MODEL = "participants.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env_list(
    "PASSWORD_HASHERS",
    [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)
# Hashers that take no real work to reverse: fine for a test run, never for people.
WEAK_PASSWORD_HASHERS = {
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
    "django.contrib.auth.hashers.SHA1PasswordHasher",
    "django.contrib.auth.hashers.CryptPasswordHasher",
}
if not DEBUG and not TEST_RUN and WEAK_PASSWORD_HASHERS & set(PASSWORD_HASHERS[:1]):
    raise ImproperlyConfigured(
        f"Refusing to start: PASSWORD_HASHERS starts with {PASSWORD_HASHERS[0]}, which "
        "protects no password. Leave PASSWORD_HASHERS unset (PBKDF2) or use Argon2."
    )
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Projects are invite-only: open sign-up stays off unless a deployment turns it on.
OPEN_SIGNUP = env_bool("OPEN_SIGNUP", False)

ACCOUNT_ADAPTER = "participants.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "participants.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Ten minutes rather than allauth's three: finding an email can take a while.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Changing an email address (like two-factor settings, which allauth always guards)
# asks for the password or a code again first.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Where people are signed in: listed on "Sign-in and security" (allauth.usersessions).
USERSESSIONS_TRACK_ACTIVITY = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, kept on and written out so they are visible here.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_PREVENT_ENUMERATION = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Accept the code before and after the current one too: people who type slowly, or
# whose phone's clock is a little off, are not refused (RFC 6238 allows one step).
MFA_TOTP_TOLERANCE = 1

GUARDIAN_MONKEY_PATCH_USER = False
# Nobody signed out holds any right, so guardian needs no stand-in anonymous user row.
ANONYMOUS_USER_NAME = None

# --- Email ------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Co-produce <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env_str("EMAIL_URL", "")
if _email_url:
    globals().update(environ.Env.email_url_config(_email_url))
elif DEBUG:
    EMAIL_BACKEND = "coproduce.mail.DevelopmentEmailBackend"
else:
    raise ImproperlyConfigured(
        "Set EMAIL_URL (for example smtp+tls://user:password@smtp.example.org:587): "
        "people sign in with codes sent by email."
    )
EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Background work (Celery) -----------------------------------------------

CELERY_FILESYSTEM_BROKER_DIR = Path(
    env_str("CELERY_FILESYSTEM_BROKER_DIR", str(VAR_DIR / "celery-broker"))
)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
AUDIT_EXPORT_STREAM_LIMIT = env_int("AUDIT_EXPORT_STREAM_LIMIT", 5000)
# `seed_demo` (run by `make run`): minutes until the demo vote closes by itself.
DEMO_VOTE_MINUTES = env_int("DEMO_VOTE_MINUTES", 5)
AUDIT_VERIFY_IN_REQUEST_LIMIT = env_int("AUDIT_VERIFY_IN_REQUEST_LIMIT", 100000)
# How long personal data is kept (docs/data-protection.md), in days: an invitation that
# expired or was withdrawn keeps its email address this long; a read notification; who
# voted (participation, never what) after the project closes.
RETENTION_INVITATION_EMAIL_DAYS = env_int("RETENTION_INVITATION_EMAIL_DAYS", 30)
RETENTION_READ_NOTIFICATIONS_DAYS = env_int("RETENTION_READ_NOTIFICATIONS_DAYS", 365)
RETENTION_PARTICIPATION_AFTER_CLOSE_DAYS = env_int("RETENTION_PARTICIPATION_AFTER_CLOSE_DAYS", 365)
for _name in (
    "RETENTION_INVITATION_EMAIL_DAYS",
    "RETENTION_READ_NOTIFICATIONS_DAYS",
    "RETENTION_PARTICIPATION_AFTER_CLOSE_DAYS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1 (days).")
CELERY_BEAT_SCHEDULE = {
    "delete-expired-audit-exports": {
        "task": "trail.tasks.audit_exports_delete_expired",
        "schedule": 60 * 60,
    },
    "verify-audit-chains": {
        "task": "trail.tasks.audit_chains_verify",
        "schedule": 60 * 60 * 24,
    },
    "send-voting-reminders": {"task": "decisions.tasks.voting_reminders_due", "schedule": 60 * 5},
    "send-notification-emails-missed": {
        "task": "participants.tasks.notifications_email_unsent",
        "schedule": 60 * 5,
    },
    "send-daily-notification-emails": {
        "task": "participants.tasks.notification_digests_send",
        "schedule": crontab(hour=17, minute=0),
    },
    # Responses and delivery actions: reminders before and after they are due, and any
    # recommendations a closed vote has not yet made (idempotent).
    "delivery-reminders": {
        "task": "delivery.tasks.delivery_reminders_due",
        "schedule": crontab(minute=15),
    },
    # Stages open and close on time: checked twice a minute.
    "advance-stages": {"task": "decisions.tasks.stages_advance_due", "schedule": 30.0},
    # A stage's pulse is sent if its stage's close did not send it, and closes (its
    # answers, and the stage's anonymous reflections, sealed) a fortnight after it was sent.
    "pulses": {"task": "evidence.tasks.pulses_due", "schedule": 60 * 15},
    "personal-data-retention": {
        "task": "coproduce.site.tasks.personal_data_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    "clear-expired-sessions": {
        "task": "coproduce.tasks.sessions_clear_expired",
        "schedule": 60 * 60 * 6,
    },
}

# --- Language, time ---------------------------------------------------------

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_USER_TIME_ZONE = "Europe/London"

# --- Static files -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
_static_manifest = env_bool("STATIC_MANIFEST", not DEBUG)
# Without collected files (development, tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG or not _static_manifest
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _static_manifest
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------

_https = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = _https and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _https)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
# A sign-in left without a request this long ends (on top of SESSION_COOKIE_AGE).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be 1 or more.")
X_FRAME_OPTIONS = "DENY"
# No outside requests and no inline code: fonts, images and scripts are our own.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # Never the SQL: its parameters would put what was voted (and who) into the logs,
        # whatever LOG_LEVEL says. Django writes SQL at DEBUG only.
        "django.db.backends": {"level": "INFO"},
    },
}
