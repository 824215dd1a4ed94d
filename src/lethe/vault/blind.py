"""Blind indexes: truncated HMAC-SHA256 of normalised terms, for look-up without plaintext.

Each index kind has its own key, derived with HKDF from the index key (a key file of
its own, apart from the KEK). Values are truncated so that, at the design scale,
every index value is expected to be shared by at least MIN_COINCIDENCE rows: a stolen
index cannot tell which of those rows holds a guessed value. See docs/privacy-model.md.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lethe.vault import keyring
from lethe.vault.fields import Index

# The scale Lethe is designed for (SPEC "Scale").
DESIGN_SUBJECTS = 1_000_000
# Expected rows per index value at that scale (CipherSweet's planner aims for >= 2).
MIN_COINCIDENCE = 2


@dataclass(frozen=True)
class IndexPlan:
    """How many index rows one subject adds on average, and the bits kept per value."""

    rows_per_subject: float

    @property
    def rows(self) -> float:
        return DESIGN_SUBJECTS * self.rows_per_subject

    @property
    def bits(self) -> int:
        """Largest truncation that keeps rows / 2**bits >= MIN_COINCIDENCE."""
        return math.floor(math.log2(self.rows / MIN_COINCIDENCE))

    @property
    def expected_coincidence(self) -> float:
        return self.rows / 2**self.bits


PLANS: dict[Index, IndexPlan] = {
    # One identity number per subject at most.
    Index.PERSONNUMMER: IndexPlan(rows_per_subject=1.0),
    # Most contacts have one e-mail address and one phone number; a few have more.
    Index.EMAIL: IndexPlan(rows_per_subject=1.0),
    Index.PHONE: IndexPlan(rows_per_subject=1.0),
    # First and last name: whole words plus prefixes of 3+ letters, about 12 terms.
    Index.NAME: IndexPlan(rows_per_subject=12.0),
}


@cache
def _derived_key(index_key: bytes, index: Index) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"lethe-blind-index|v1|{index.value}".encode(),
    ).derive(index_key)


class Indexer:
    """Computes blind index values with the installation's index key."""

    def __init__(self, index_key: bytes):
        self._keys = {index: _derived_key(index_key, index) for index in Index}
        self._shifts = {index: 32 - PLANS[index].bits for index in Index}

    def value(self, index: Index, term: str) -> int:
        """Return the truncated index value of one normalised term."""
        digest = hmac.digest(self._keys[index], term.encode(), "sha256")
        return int.from_bytes(digest[:4], "big") >> self._shifts[index]


def indexer() -> Indexer:
    """Return an Indexer with the configured index key."""
    from django.conf import settings

    return Indexer(keyring.load_index_key(settings.CONFIG.index_key_file))


@cache
def _suppression_key(index_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lethe-suppression|v1"
    ).derive(index_key)


def suppression_digest(kind: str, normal: str) -> str:
    """Return the full keyed hash (hex) of a normalised e-mail address or phone number.

    Not truncated, unlike an index value: a suppression entry must match its person only.
    Its key is derived from the index key, apart from every index kind's.
    """
    from django.conf import settings

    key = _suppression_key(keyring.load_index_key(settings.CONFIG.index_key_file))
    return hmac.new(key, f"{kind}|{normal}".encode(), "sha256").hexdigest()
