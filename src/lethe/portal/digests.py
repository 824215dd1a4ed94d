"""Keyed hashes of e-mail and client addresses: the portal never stores either in plaintext.

The key is derived from the index key (kept outside the databases, like the blind
indexes' and the suppression list's keys), so a digest cannot be tested against a
guess without it, and stays the same across restarts and secret-key changes.
"""

from __future__ import annotations

from lethe.vault import gate, normalize


def digest(kind: str, value: str) -> str:
    """Return the keyed hash of one value of `kind` ("email", "address")."""
    return gate.keyed_digest("portal", f"{kind}|{value}")


def email(address: str) -> str:
    """Return the keyed hash of an e-mail address, normalised as the blind index does."""
    try:
        normal = normalize.email(address)
    except normalize.InvalidValue:
        normal = normalize.email_key(address)
    return digest("email", normal)


def client(address: str) -> str:
    return digest("client", address)
