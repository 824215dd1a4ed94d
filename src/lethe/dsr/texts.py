"""Free text of requests and break-glass accesses, sealed under their own record key.

The texts (identifiers given by the requester, corrections asked for, notes and
reasons) may name people, so they are vault Documents (SPEC I1); they open only for
callers that have already passed the register's access rule (dpo inside the case).
"""

from __future__ import annotations

import json

from lethe.vault import documents
from lethe.vault.gate import Erased
from lethe.vault.models import Document, RecordKey
from lethe.vault.policy import Actor, Purpose

PURPOSE = Purpose.DATA_SUBJECT_REQUEST


def new_key() -> RecordKey:
    return documents.new_record_key("dsr")


def seal(actor: Actor, key: RecordKey, kind: str, text: str) -> Document | None:
    """Seal one text (None for an empty one)."""
    if not text:
        return None
    return documents.seal(actor, PURPOSE, [(key, kind, text)])[0]


def seal_json(actor: Actor, key: RecordKey, kind: str, data: dict) -> Document:
    return documents.seal(actor, PURPOSE, [(key, kind, json.dumps(data, sort_keys=True))])[0]


def open_texts(actor: Actor, docs) -> dict:
    """Return {document id: text, or "" when erased} for these documents."""
    docs = [d for d in docs if d is not None]
    if not docs:
        return {}
    opened = documents.open_many(actor, PURPOSE, docs)
    return {k: ("" if isinstance(v, Erased) else v) for k, v in opened.items()}


def open_json(actor: Actor, doc: Document | None) -> dict:
    if doc is None:
        return {}
    text = open_texts(actor, [doc]).get(doc.id, "")
    return json.loads(text) if text else {}
