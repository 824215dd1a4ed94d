"""Defining, changing and removing custom fields: admin work, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.customfields.models import CustomField
from lethe.vault import gate
from lethe.vault.policy import Actor, Purpose


def _record(actor: Actor, action: Action, field: CustomField, **detail) -> None:
    log.record(
        actor,
        action,
        record_kind="custom_field",
        record_id=field.pk,
        purpose=Purpose.ADMINISTRATION,
        detail={"field": str(field), "personal": field.personal, **detail},
    )


@transaction.atomic
def create(actor: Actor, form) -> CustomField:
    field = form.save()
    _record(actor, Action.CREATE, field, type=field.type)
    return field


@transaction.atomic
def change(actor: Actor, form) -> CustomField:
    field = form.save()
    _record(actor, Action.UPDATE, field, changed=sorted(form.changed_data))
    return field


@transaction.atomic
def archive(actor: Actor, field: CustomField, archived: bool) -> CustomField:
    """Hide a field from forms and output (values are kept) or bring it back."""
    if (field.archived_at is not None) != archived:
        field.archived_at = timezone.now() if archived else None
        field.save(update_fields=["archived_at"])
        _record(actor, Action.ARCHIVE if archived else Action.UPDATE, field, archived=archived)
    return field


@transaction.atomic
def delete(actor: Actor, field: CustomField) -> None:
    """Remove a field and every value of it (for a personal field, in the vault too)."""
    if field.personal:
        gate.forget_field(actor, field.vault_name)
    _record(actor, Action.DELETE, field, values=field.values.count())
    field.delete()
