"""Keyed hashes of e-mail and client addresses: the portal never stores either in plaintext.

The key is derived from the index key (kept outside the databases, like the blind
indexes' and the suppression list's keys), so a digest cannot be tested against a
guess without it, and stays the same across restarts and secret-key changes.
"""

from __future__ import annotations

import hmac
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from lethe.vault import keyring, normalize


@cache
def _key(index_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lethe-portal|v1").derive(
        index_key
    )


def digest(kind: str, value: str) -> str:
    """Return the keyed hash of one value of `kind` ("email", "address")."""
    key = _key(keyring.load_index_key(settings.CONFIG.index_key_file))
    return hmac.new(key, f"{kind}|{value}".encode(), "sha256").hexdigest()


def email(address: str) -> str:
    """Return the keyed hash of an e-mail address, normalised as the blind index does."""
    try:
        normal = normalize.email(address)
    except normalize.InvalidValue:
        normal = normalize.email_key(address)
    return digest("email", normal)


def client(address: str) -> str:
    return digest("client", address)
