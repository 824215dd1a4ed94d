"""Custom values on record pages: (label, value) in the admin's order."""

from __future__ import annotations

from collections.abc import Mapping

from lethe.customfields import values
from lethe.customfields.models import CustomField


def rows(entity: str, object_id: int, personal: Mapping[str, object] | None = None) -> list:
    """Return [(label, value)] of the record's active custom fields.

    `personal` holds the gate's answer for the personal ones (`cf.<key>` names): the
    value, a Masked or ERASED. Fields without a value are left out.
    """
    stored = values.read(entity, [object_id])[object_id]
    personal = personal or {}
    shown = []
    for definition in values.definitions(entity):
        if definition.personal:
            value = personal.get(definition.vault_name)
        else:
            value = stored.get(definition.key)
        if value is None:
            continue
        if definition.type == CustomField.Type.BOOLEAN and isinstance(value, bool):
            value = "yes" if value else "no"
        shown.append((definition.label, value))
    return shown
