"""AES-256-GCM envelopes for field values and for wrapping data keys.

Envelope layout (version 1): 1 byte version | 12 byte nonce | ciphertext and 16 byte tag.
The associated data binds the envelope version and the value's place (table, column,
row), so a ciphertext copied to another row or column fails authentication.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lethe.vault.errors import IntegrityError

ENVELOPE_V1 = 1
NONCE_BYTES = 12
KEY_BYTES = 32


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=256)


def _place(version: int, table: str, column: str, row: str) -> bytes:
    return f"lethe-envelope|{version}|{table}|{column}|{row}".encode()


def cipher(key: bytes) -> AESGCM:
    """Return a cipher for one data key, to seal or open many values of one subject."""
    return AESGCM(key)


def seal(key: bytes | AESGCM, plaintext: bytes, *, table: str, column: str, row: str) -> bytes:
    """Encrypt `plaintext` for one place (table, column, row) with a fresh nonce."""
    nonce = os.urandom(NONCE_BYTES)
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    body = aead.encrypt(nonce, plaintext, _place(ENVELOPE_V1, table, column, row))
    return bytes([ENVELOPE_V1]) + nonce + body


def open_(key: bytes | AESGCM, envelope: bytes, *, table: str, column: str, row: str) -> bytes:
    """Decrypt an envelope sealed for this place, or raise IntegrityError."""
    envelope = bytes(envelope)
    if len(envelope) < 1 + NONCE_BYTES + 16 or envelope[0] != ENVELOPE_V1:
        raise IntegrityError(f"{table}.{column} of {row}: not a Lethe envelope")
    nonce, body = envelope[1 : 1 + NONCE_BYTES], envelope[1 + NONCE_BYTES :]
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return aead.decrypt(nonce, body, _place(envelope[0], table, column, row))
    except InvalidTag:
        raise IntegrityError(
            f"{table}.{column} of {row}: ciphertext failed authentication "
            "(altered, or copied from another row or column)"
        ) from None


def _wrap_context(subject: str, scope: str, kek_version: int) -> bytes:
    return f"lethe-datakey|1|{subject}|{scope}|{kek_version}".encode()


def wrap(kek: bytes, data_key: bytes, *, subject: str, scope: str, kek_version: int) -> bytes:
    """Wrap a data key under a KEK, bound to its subject, scope and KEK version."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _wrap_context(subject, scope, kek_version))


def unwrap(kek: bytes, wrapped: bytes, *, subject: str, scope: str, kek_version: int) -> bytes:
    """Unwrap a data key, or raise IntegrityError if it is not the key of this place."""
    wrapped = bytes(wrapped)
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES],
            wrapped[NONCE_BYTES:],
            _wrap_context(subject, scope, kek_version),
        )
    except InvalidTag:
        raise IntegrityError(
            f"data key {subject}/{scope} failed authentication under KEK v{kek_version}"
        ) from None
