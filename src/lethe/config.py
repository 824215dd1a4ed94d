"""Read Lethe's configuration from the environment (SPEC, "Configuration").

Everything Lethe needs to know about its installation comes from LETHE_* variables,
read once here. Settings, the command line and the WSGI entry point all use
`load()`, so a bad configuration stops every way in with the same one-line message.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ENVIRONMENTS = ("production", "development", "test")

# Where sealed attachment files are kept; an S3-compatible store can join this list.
ATTACHMENT_STORES = ("file",)
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# Where e-mail (password-reset and portal links) goes: files in <data dir>/outbox,
# stderr, or a mail server (LETHE_EMAIL_HOST and friends).
EMAIL_BACKENDS = ("file", "console", "smtp")

# A production secret key must be at least this long; Django's own deploy check
# asks for 50 characters with at least 5 distinct ones.
MIN_SECRET_KEY_LENGTH = 50


class ConfigError(Exception):
    """A configuration problem that stops Lethe; its message is one line for the user."""


@dataclass(frozen=True)
class Config:
    """The installation's settings, as read from the environment."""

    env: str
    data_dir: Path
    database_url: str
    keystore_url: str
    master_key_file: Path
    index_key_file: Path
    audit_key_file: Path
    audit_checkpoint_every: int
    audit_checkpoint_minutes: int
    audit_retention_years: int
    secret_key: str | None
    debug: bool
    tls_cert: Path | None
    tls_key: Path | None
    trusted_proxy: bool
    allowed_hosts: tuple[str, ...]
    import_max_bytes: int = 20 * 1024 * 1024
    attachment_store: str = "file"
    attachment_max_bytes: int = ATTACHMENT_MAX_BYTES
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    email_backend: str = "file"
    email_from: str = "lethe@localhost"
    email_host: str = ""
    email_port: int = 587
    email_user: str = ""
    email_password: str = field(default="", repr=False)
    email_tls: bool = True
    portal_link_hours: int = 24
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the client.
    trusted_proxies: tuple[str, ...] = ()
    # The controller and its data protection officer, as the records of processing
    # (Art. 30) and the privacy notice (Art. 13) name them: the organisation's
    # business contact details, never a private person's.
    controller_name: str = ""
    controller_contact: str = ""
    dpo_contact: str = ""
    financial_year_end: tuple[int, int] = (12, 31)  # (month, day): the calendar year
    consent_double_opt_in: bool = True
    consent_link_hours: int = 48

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


def _flag(environ: dict[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _int(environ: dict[str, str], name: str, default: int, *, minimum: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return number


def _text(environ: dict[str, str], name: str, *, limit: int = 500) -> str:
    value = " ".join(environ.get(name, "").split())
    if len(value) > limit:
        raise ConfigError(f"{name} must be at most {limit} characters")
    return value


def _path(environ: dict[str, str], name: str) -> Path | None:
    value = environ.get(name, "").strip()
    return Path(value).expanduser().absolute() if value else None


def _networks(environ: dict[str, str], name: str) -> tuple[str, ...]:
    """Return the IP addresses or networks listed (commas or spaces) in `name`."""
    found = []
    for item in environ.get(name, "").replace(",", " ").split():
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks (CIDR), not {item!r}"
            ) from None
    return tuple(found)


def _month_day(environ: dict[str, str], name: str, default: tuple[int, int]) -> tuple[int, int]:
    """Read a day of the year written MM-DD (a day every year has: not 02-29)."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    month, _, day = value.partition("-")
    try:
        date(2001, int(month), int(day))  # not a leap year
    except ValueError:
        raise ConfigError(f"{name} must be a day of the year as MM-DD, not {value!r}") from None
    return int(month), int(day)


def load(environ: dict[str, str] | None = None) -> Config:
    """Return the configuration described by `environ` (default: os.environ)."""
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("LETHE_ENV", "development").strip() or "development"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LETHE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    data_dir = _path(environ, "LETHE_DATA_DIR") or Path("lethe-data").absolute()
    tls_cert = _path(environ, "LETHE_TLS_CERT")
    tls_key = _path(environ, "LETHE_TLS_KEY")
    if (tls_cert is None) != (tls_key is None):
        raise ConfigError("LETHE_TLS_CERT and LETHE_TLS_KEY must be set together")
    hosts = environ.get("LETHE_ALLOWED_HOSTS", "").strip()
    store = environ.get("LETHE_ATTACHMENT_STORE", "").strip() or "file"
    if store not in ATTACHMENT_STORES:
        raise ConfigError(
            f"LETHE_ATTACHMENT_STORE must be one of {', '.join(ATTACHMENT_STORES)}, not {store!r}"
        )
    email_backend = environ.get("LETHE_EMAIL_BACKEND", "").strip() or "file"
    if email_backend not in EMAIL_BACKENDS:
        raise ConfigError(
            f"LETHE_EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}, not {email_backend!r}"
        )
    email_host = environ.get("LETHE_EMAIL_HOST", "").strip()
    if email_backend == "smtp" and not email_host:
        raise ConfigError("LETHE_EMAIL_BACKEND=smtp needs LETHE_EMAIL_HOST")
    config = Config(
        env=env,
        data_dir=data_dir,
        database_url=environ.get("LETHE_DATABASE_URL", "").strip()
        or f"sqlite:///{data_dir / 'lethe.sqlite3'}",
        keystore_url=environ.get("LETHE_KEYSTORE_URL", "").strip()
        or f"sqlite:///{data_dir / 'keystore.sqlite3'}",
        master_key_file=_path(environ, "LETHE_MASTER_KEY_FILE") or data_dir / "master.key",
        index_key_file=_path(environ, "LETHE_INDEX_KEY_FILE") or data_dir / "index.key",
        audit_key_file=_path(environ, "LETHE_AUDIT_KEY_FILE") or data_dir / "audit-signing.key",
        audit_checkpoint_every=_int(environ, "LETHE_AUDIT_CHECKPOINT_EVERY", 10_000, minimum=1),
        audit_checkpoint_minutes=_int(environ, "LETHE_AUDIT_CHECKPOINT_MINUTES", 60, minimum=1),
        audit_retention_years=_int(environ, "LETHE_AUDIT_RETENTION_YEARS", 10, minimum=1),
        secret_key=environ.get("LETHE_SECRET_KEY") or None,
        debug=_flag(environ, "LETHE_DEBUG"),
        tls_cert=tls_cert,
        tls_key=tls_key,
        trusted_proxy=_flag(environ, "LETHE_TRUSTED_PROXY"),
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip())
        or ("localhost", "127.0.0.1", "[::1]"),
        import_max_bytes=_int(environ, "LETHE_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1),
        attachment_store=store,
        attachment_max_bytes=_int(
            environ, "LETHE_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES, minimum=1
        ),
        session_idle_minutes=_int(environ, "LETHE_SESSION_IDLE_MINUTES", 30, minimum=1),
        session_max_hours=_int(environ, "LETHE_SESSION_MAX_HOURS", 12, minimum=1),
        email_backend=email_backend,
        email_from=environ.get("LETHE_EMAIL_FROM", "").strip() or "lethe@localhost",
        email_host=email_host,
        email_port=_int(environ, "LETHE_EMAIL_PORT", 587, minimum=1),
        email_user=environ.get("LETHE_EMAIL_USER", "").strip(),
        email_password=environ.get("LETHE_EMAIL_PASSWORD", ""),
        email_tls=_flag(environ, "LETHE_EMAIL_TLS") if "LETHE_EMAIL_TLS" in environ else True,
        portal_link_hours=_int(environ, "LETHE_PORTAL_LINK_HOURS", 24, minimum=1),
        trusted_proxies=_networks(environ, "LETHE_TRUSTED_PROXIES"),
        controller_name=_text(environ, "LETHE_CONTROLLER_NAME"),
        controller_contact=_text(environ, "LETHE_CONTROLLER_CONTACT"),
        dpo_contact=_text(environ, "LETHE_DPO_CONTACT"),
        financial_year_end=_month_day(environ, "LETHE_FINANCIAL_YEAR_END", (12, 31)),
        # The public consent form asks the person to confirm by e-mail unless turned off.
        consent_double_opt_in=_flag(environ, "LETHE_CONSENT_DOUBLE_OPT_IN")
        if environ.get("LETHE_CONSENT_DOUBLE_OPT_IN", "").strip()
        else True,
        consent_link_hours=_int(environ, "LETHE_CONSENT_LINK_HOURS", 48, minimum=1),
    )
    if config.production:
        check_production(config)
    return config


def check_production(config: Config) -> None:
    """Refuse a production configuration with debug on or without a real secret key."""
    if config.debug:
        raise ConfigError("LETHE_ENV=production refuses to start with LETHE_DEBUG on")
    key = config.secret_key or ""
    if len(key) < MIN_SECRET_KEY_LENGTH or key.startswith("django-insecure") or len(set(key)) < 5:
        raise ConfigError(
            "LETHE_ENV=production needs LETHE_SECRET_KEY: a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (the default is not allowed)"
        )


def check_serving(config: Config, *, tls: bool) -> None:
    """Refuse to serve production traffic without TLS or an explicit trusted proxy (SPEC I8)."""
    if config.production and not tls and not config.trusted_proxy:
        raise ConfigError(
            "LETHE_ENV=production needs TLS (LETHE_TLS_CERT and LETHE_TLS_KEY) or, behind a "
            "proxy that terminates TLS, LETHE_TRUSTED_PROXY=1"
        )


def ensure_data_dir(config: Config) -> Path:
    """Create the data dir with mode 0700 if it does not exist yet."""
    path = config.data_dir
    if not path.exists():
        try:
            path.mkdir(mode=0o700, parents=True)
        except OSError as exc:
            raise ConfigError(f"cannot create data dir {path}: {exc.strerror}") from None
        path.chmod(0o700)
    elif not path.is_dir():
        raise ConfigError(f"data dir {path} is not a directory")
    return path


def development_secret_key(config: Config) -> str:
    """Return this data dir's own secret key, created on first use (never a shared default)."""
    path = config.data_dir / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    ensure_data_dir(config)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
