"""Record history of business fields: who changed which field when, from what to what.

The write actions of companies, contacts and deals call `record()` with the values
before and after. Values are stored as JSON: related records by id, dates as ISO
text, amounts as text. Personal fields never come here (the vault keeps their old
values sealed); `entries()` gives the changes of one record, newest first.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping

from django.db import models
from django.utils import timezone

from lethe.core.models import Change
from lethe.vault.policy import Actor


def _json(value: object) -> object:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_json(v) for v in value)
    return value


def record(actor: Actor, kind: str, record_id: int, changes: Mapping[str, tuple]) -> None:
    """Store one Change per field: `changes` maps a field to (old value, new value)."""
    now = timezone.now()
    Change.objects.bulk_create(
        Change(
            record_kind=kind,
            record_id=record_id,
            field=field,
            old=_json(old),
            new=_json(new),
            changed_at=now,
            changed_by=actor.label,
        )
        for field, (old, new) in changes.items()
        if _json(old) != _json(new)
    )


def entries(kind: str, record_id: int, *, limit: int = 200) -> list[Change]:
    """Return the changes of one record, newest first."""
    return list(Change.objects.filter(record_kind=kind, record_id=record_id)[:limit])


def forget(kind: str, record_ids) -> None:
    """Drop the history of deleted records."""
    Change.objects.filter(record_kind=kind, record_id__in=list(record_ids)).delete()


def set_archived(actor: Actor, obj, kind: str, archived: bool) -> bool:
    """Archive (or restore) a record with an `archived_at` field, and keep the change.

    Archiving is a reversible business action, not an erasure. Returns whether anything
    changed, so the caller records its audit event only then.
    """
    if (obj.archived_at is not None) == archived:
        return False
    old = obj.archived_at
    obj.archived_at = timezone.now() if archived else None
    obj.save(update_fields=["archived_at", "updated_at"])
    record(actor, kind, obj.pk, {"archived_at": (old, obj.archived_at)})
    return True
