"""Key administration for commands and health checks; nothing here hands out key bytes.

Code outside the vault uses this module (and the gate), never the key modules
themselves: a test fails if it does. Importing it needs no Django set-up, so the
command line can check the key files before anything else runs.
"""

from __future__ import annotations

import hashlib

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


def sign(message: bytes) -> tuple[bytes, str]:
    """Sign `message` with the audit signing key; return (signature, key id)."""
    from django.conf import settings

    key = keyring.load_signing_key(settings.CONFIG.audit_key_file)
    return key.sign(message), key_id(audit_public_key())


def audit_public_key() -> bytes:
    """Return the raw Ed25519 public key that verifies audit checkpoints."""
    from django.conf import settings

    return keyring.load_signing_key(settings.CONFIG.audit_key_file).public_key().public_bytes_raw()


def key_id(public_key: bytes) -> str:
    """Return a short id naming a public key (the first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


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
