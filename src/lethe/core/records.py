"""Record keys of business records: the vault key that seals a company's or deal's texts.

A record gets its key on first use and loses it (with every text and file sealed
under it) when it is deleted: `forget()`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from lethe.core.models import RecordKeyLink
from lethe.vault import documents
from lethe.vault.models import RecordKey
from lethe.vault.policy import Actor


def keys_for(kind: str, ids: Iterable[int]) -> dict[int, RecordKey]:
    """Return the record key of each record of `kind`, creating the missing ones in a batch."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    with transaction.atomic():
        found = {
            link.object_id: link.key
            for link in RecordKeyLink.objects.filter(kind=kind, object_id__in=ids).select_related(
                "key"
            )
        }
        missing = [i for i in ids if i not in found]
        if missing:
            new = documents.new_record_keys(kind, len(missing))
            RecordKeyLink.objects.bulk_create(
                RecordKeyLink(kind=kind, object_id=i, key=k)
                for i, k in zip(missing, new, strict=True)
            )
            found.update(zip(missing, new, strict=True))
    return found


def key_for(kind: str, object_id: int) -> RecordKey:
    """Return the record key of one record, creating it if needed."""
    return keys_for(kind, [object_id])[object_id]


def forget(actor: Actor, kind: str, ids: Iterable[int], *, reason: str = "record_deleted") -> int:
    """Destroy the keys of deleted records: their sealed texts and files become unreadable."""
    links = list(
        RecordKeyLink.objects.filter(kind=kind, object_id__in=list(ids)).select_related("key")
    )
    return documents.shred_records(actor, [link.key for link in links], reason=reason)
