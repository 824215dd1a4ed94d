"""Django settings for Lethe, all derived from the LETHE_* environment (see lethe.config)."""

from __future__ import annotations

import dj_database_url

from lethe import config as lethe_config

CONFIG = lethe_config.load()
lethe_config.ensure_data_dir(CONFIG)

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key or lethe_config.development_secret_key(CONFIG)
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "lethe.core",
    "lethe.accounts",
    "lethe.audit",
    "lethe.companies",
    "lethe.contacts",
    "lethe.deals",
    "lethe.activities",
    "lethe.customfields",
    "lethe.imports",
    "lethe.attachments",
    "lethe.search",
    "lethe.dsr",
    "lethe.jobs",
    "lethe.retention",
    "lethe.portal",
    "lethe.purposes",
    "lethe.holds",
    "lethe.consent",
    "lethe.vault",
    "lethe.vault.keystore",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lethe.accounts.middleware.SessionLimitsMiddleware",
    "lethe.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lethe.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "lethe.urls"
WSGI_APPLICATION = "lethe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lethe.dsr.breakglass.context",
            ],
        },
    },
]


def _database(url: str, name: str, *, secure_delete: bool = False) -> dict:
    """Return a Django DATABASES entry for `url` with Lethe's connection settings."""
    db = dj_database_url.parse(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        pragmas = ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"]
        if secure_delete:
            # Overwrite deleted content, so that a shredded data key does not linger
            # in free pages of the keystore file.
            pragmas.append("PRAGMA secure_delete=ON")
        db["OPTIONS"] = {
            "init_command": "; ".join(pragmas),
            "timeout": 20,  # busy timeout, seconds
            "transaction_mode": "IMMEDIATE",
        }
        # Tests run on real files (not :memory:) so they can scan the bytes on disk.
        db["TEST"] = {"NAME": str(CONFIG.data_dir / f"test-{name}.sqlite3")}
    elif db["ENGINE"] == "django.db.backends.postgresql":
        db["CONN_MAX_AGE"] = 60
        db["CONN_HEALTH_CHECKS"] = True
    else:
        raise lethe_config.ConfigError(f"unsupported database URL for {name}: {db['ENGINE']}")
    return db


DATABASES = {
    "default": _database(CONFIG.database_url, "lethe"),
    "keystore": _database(CONFIG.keystore_url, "keystore", secure_delete=True),
}
DATABASE_ROUTERS = ["lethe.vault.keystore.router.KeystoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password reset by e-mail: links are single-use and expire after an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60
EMAIL_BACKEND = {
    "file": "lethe.accounts.mail.PrivateFileBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}[CONFIG.email_backend]
EMAIL_FILE_PATH = CONFIG.data_dir / "outbox"
DEFAULT_FROM_EMAIL = CONFIG.email_from
# SMTP (LETHE_EMAIL_BACKEND=smtp): STARTTLS unless LETHE_EMAIL_TLS=0; a bounded timeout
# so a slow mail server cannot hold a web worker.
EMAIL_HOST = CONFIG.email_host
EMAIL_PORT = CONFIG.email_port
EMAIL_HOST_USER = CONFIG.email_user
EMAIL_HOST_PASSWORD = CONFIG.email_password
EMAIL_USE_TLS = CONFIG.email_tls
EMAIL_TIMEOUT = 20

# The public consent form (lethe.consent): confirm by e-mail link, valid this long.
LETHE_CONSENT_DOUBLE_OPT_IN = CONFIG.consent_double_opt_in
LETHE_CONSENT_LINK_HOURS = CONFIG.consent_link_hours
# TOTP second factor (django-otp): the name authenticator apps show for the account.
OTP_TOTP_ISSUER = "Lethe"

LANGUAGE_CODE = "en"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.data_dir / "static"
STATIC_ROOT.mkdir(mode=0o700, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Attachment uploads stay in memory (never a plaintext temporary file); others as usual.
FILE_UPLOAD_HANDLERS = [
    "lethe.attachments.uploads.AttachmentUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Sessions: HttpOnly, SameSite, Secure when served over TLS; they end after
# LETHE_SESSION_IDLE_MINUTES without a request, and LETHE_SESSION_MAX_HOURS after the
# log-in whatever happens (lethe.accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = CONFIG.session_idle_minutes * 60
SESSION_SAVE_EVERY_REQUEST = True
LETHE_SESSION_MAX_AGE = CONFIG.session_max_hours * 3600
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CONFIG.tls or CONFIG.trusted_proxy
SECURE_SSL_REDIRECT = CONFIG.production
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only requests from these proxies have their X-Forwarded-For read for the client's
# address (log-in throttle, audit log): lethe.core.clientaddr.
LETHE_TRUSTED_PROXIES = list(CONFIG.trusted_proxies)
if CONFIG.trusted_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SecurityMiddleware sends HSTS only on requests that arrived over TLS.
SECURE_HSTS_SECONDS = 365 * 24 * 3600
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading commits the operator's whole domain to HTTPS in browsers; that is the
# operator's decision, not Lethe's, so the deploy check's W021 is silenced.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Application logs go to stderr and never carry personal data: the vault logs
# pseudonyms only, and request bodies are never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {"lethe": {"level": "INFO", "propagate": True}},
}

# Background jobs go through a queue in the main database (lethe.jobs; `lethe worker`).
# Job arguments are ids and pseudonyms only, never personal data (SPEC I1).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
