"""Refuse to run development or test mode on a database that holds production data (SPEC I5)."""

from django.db import DatabaseError

from lethe.config import Config, ConfigError
from lethe.core.models import Installation


def data_kind() -> str | None:
    """Return this database's marker, or None before `lethe init` has made one."""
    try:
        row = Installation.objects.filter(pk=1).values_list("data_kind", flat=True).first()
    except DatabaseError:  # not migrated yet
        return None
    return row


def check(config: Config) -> None:
    """Raise ConfigError if the environment and the data kind do not go together."""
    kind = data_kind()
    if kind == Installation.DataKind.PRODUCTION and not config.production:
        raise ConfigError(
            f"LETHE_ENV={config.env} refuses to run on a database marked as production data; "
            "use an anonymised clone (`lethe clone --anonymize`) for development"
        )
    if kind in (Installation.DataKind.SYNTHETIC, Installation.DataKind.ANONYMISED) and (
        config.production
    ):
        raise ConfigError(
            f"this database is marked {kind}; LETHE_ENV=production refuses to run on it"
        )


def mark(config: Config) -> str:
    """Mark a new database with the kind of data its environment implies; return it."""
    kind = (
        Installation.DataKind.PRODUCTION if config.production else Installation.DataKind.SYNTHETIC
    )
    row, _ = Installation.objects.get_or_create(pk=1, defaults={"data_kind": kind})
    return row.data_kind
