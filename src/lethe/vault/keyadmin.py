"""Key administration for commands and health checks; nothing here hands out key bytes.

Code outside the vault uses this module (and the gate), never the key modules
themselves: a test fails if it does. Importing it needs no Django set-up, so the
command line can check the key files before anything else runs.
"""

from __future__ import annotations

from lethe.config import Config
from lethe.vault import keyring
from lethe.vault.errors import KeyFileError


def check_files(config: Config) -> None:
    """Raise KeyFileError (one line) unless both key files are present, private and intact."""
    keyring.check(config)


def initialise(config: Config) -> list[str]:
    """Create the key files that are missing; return their paths."""
    from lethe.vault import keys

    return keys.initialise(config)


def status():
    """Return the KEK versions and data-key counts (a lethe.vault.keys.Status)."""
    from lethe.vault import keys

    return keys.status()


def rotate(**callbacks):
    """Rotate the KEK, or resume an interrupted rotation (see lethe.vault.keys.rotate)."""
    from lethe.vault import keys

    return keys.rotate(**callbacks)


def health(config: Config) -> dict[str, str]:
    """Return a problem per failing part (key files, each database); empty when healthy."""
    from django.db import connections

    problems = {}
    try:
        keyring.check(config)
    except KeyFileError as exc:
        problems["keys"] = str(exc)
    for alias in ("default", "keystore"):
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # any failure means unhealthy
            problems[alias] = type(exc).__name__
    return problems
