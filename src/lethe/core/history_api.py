"""The shape of a record's history in the API, shared by companies, contacts and deals."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema

from lethe.core import history


class ChangeOut(Schema):
    field: str
    changed_at: datetime.datetime
    changed_by: str
    personal: bool
    old: Any
    new: Any


class HistoryOut(Schema):
    results: list[ChangeOut]


def business_changes(kind: str, record_id: int) -> list[dict]:
    """Return the business-field changes of one record as API rows, newest first."""
    return [
        {
            "field": change.field,
            "changed_at": change.changed_at,
            "changed_by": change.changed_by,
            "personal": False,
            "old": change.old,
            "new": change.new,
        }
        for change in history.entries(kind, record_id)
    ]
