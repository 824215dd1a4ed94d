"""Changing the purposes registry and the manual data-map entries: versioned and audited.

Every purpose change writes a new PurposeVersion with a full snapshot, an audit event
and, when the public notice's text changes with it, a new notice version, all in
one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.purposes import notice
from lethe.purposes.models import ManualEntry, Purpose, PurposeVersion
from lethe.vault.policy import Actor
from lethe.vault.policy import Purpose as VaultPurpose

# The items of a purpose that make up its record (and its versions' snapshots).
RECORD_FIELDS = [
    "key",
    "name",
    "description",
    "legal_basis",
    "legal_basis_detail",
    "legitimate_interest",
    "subject_categories",
    "data_categories",
    "recipients",
    "transfers",
    "transfer_safeguards",
    "retention",
    "retention_months",
    "security_measures",
    "joint_controller",
    "data_source",
    "provision",
    "in_notice",
    "position",
]


def snapshot(purpose: Purpose) -> dict[str, Any]:
    """Return the purpose's record as plain JSON values."""
    return {name: getattr(purpose, name) for name in RECORD_FIELDS}


def _record(actor: Actor, action: Action, kind: str, ident, **detail) -> None:
    log.record(
        actor,
        action,
        record_kind=kind,
        record_id=str(ident),
        purpose=VaultPurpose.ACCOUNTABILITY,
        detail=detail,
    )


@transaction.atomic
def create_purpose(actor: Actor, data: dict[str, Any]) -> Purpose:
    """Add a purpose (validated data from PurposeForm) as its version 1."""
    now = timezone.now()
    purpose = Purpose(**{n: data[n] for n in RECORD_FIELDS}, created_at=now, updated_at=now)
    purpose.version = 1
    purpose.save()
    PurposeVersion.objects.create(
        purpose=purpose,
        number=1,
        snapshot=snapshot(purpose),
        changed=RECORD_FIELDS,
        changed_by=actor.label,
        changed_at=now,
    )
    _record(actor, Action.CREATE, "purpose", purpose.key, version=1)
    notice.publish(actor)
    return purpose


@transaction.atomic
def change_purpose(actor: Actor, purpose: Purpose, data: dict[str, Any]) -> Purpose:
    """Change a purpose (its key stays); a change that changes nothing writes nothing."""
    current = Purpose.objects.select_for_update().get(pk=purpose.pk)
    changed = [
        n for n in RECORD_FIELDS if n != "key" and n in data and getattr(current, n) != data[n]
    ]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, data[name])
    current.version += 1
    current.updated_at = timezone.now()
    current.save(update_fields=[*changed, "version", "updated_at"])
    PurposeVersion.objects.create(
        purpose=current,
        number=current.version,
        snapshot=snapshot(current),
        changed=changed,
        changed_by=actor.label,
        changed_at=current.updated_at,
    )
    _record(actor, Action.UPDATE, "purpose", current.key, version=current.version, changed=changed)
    notice.publish(actor)
    return current


@transaction.atomic
def save_entry(actor: Actor, form) -> ManualEntry:
    """Create or change a manual data-map entry from a valid ManualEntryForm."""
    creating = form.instance.pk is None
    changed = sorted(form.changed_data)
    entry = form.save(commit=False)
    entry.updated_at = timezone.now()
    entry.save()
    form.save_m2m()
    _record(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "data_map_entry",
        entry.pk,
        **({} if creating else {"changed": changed}),
    )
    return entry


@transaction.atomic
def delete_entry(actor: Actor, entry: ManualEntry) -> None:
    """Remove a manual data-map entry."""
    _record(actor, Action.DELETE, "data_map_entry", entry.pk)
    entry.delete()
