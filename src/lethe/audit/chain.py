"""The hash chain: canonical encoding of an event and the hash that links it to the last.

hash(n) = SHA-256(hash(n-1) || canonical(n)), with hash(0) = 32 zero bytes.
The canonical encoding is a JSON array of the event's fields in a fixed order
(ASCII only, no spaces, keys of `detail` sorted), so anyone can recompute it.
"""

from __future__ import annotations

import datetime
import hashlib
import json

GENESIS = bytes(32)

# The order of fields in the canonical encoding; changing it breaks every old chain.
FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "outcome",
    "subjects",
    "record_kind",
    "record_id",
    "categories",
    "denied_categories",
    "purpose",
    "case_id",
    "request_id",
    "client_addr",
    "detail",
)

_encoder = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), sort_keys=True)


def timestamp(at: datetime.datetime) -> str:
    """Return the canonical form of an event time (UTC, microseconds)."""
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values) -> bytes:
    """Return the canonical bytes of an event given its FIELDS values in order.

    The time may be given as a datetime or already in its canonical text form.
    """
    values = list(values)
    if not isinstance(values[1], str):
        values[1] = timestamp(values[1])
    return _encoder.encode(values).encode("ascii")


def link(prev_hash: bytes, encoded: bytes) -> bytes:
    """Return the chain hash of an event from the previous hash and its encoding."""
    return hashlib.sha256(bytes(prev_hash) + encoded).digest()
