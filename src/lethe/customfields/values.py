"""Cleaning, storing and reading custom field values.

Non-personal values are `CustomValue` rows; personal ones are vault fields named
`cf.<key>`, written and read through the gate by the entity's own code with the
names this module gives it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping

from lethe.customfields.models import CustomField, CustomValue
from lethe.vault import fields as vault_fields
from lethe.vault.fields import Category

MAX_TEXT = 1000
PREFIX = "cf."


class CustomFieldError(ValueError):
    """A custom value that does not fit its field; `field` is its name in the API."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _text(value: object, definition: CustomField) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters")
    return value


def _number(value: object, definition: CustomField) -> int | float:
    if isinstance(value, str):
        try:
            # "1 200,50" as Swedes write it: spaces (any kind) group digits, comma decimals
            value = float("".join(value.split()).replace(",", "."))
        except ValueError:
            raise ValueError("must be a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a number")
    if abs(value) >= 1e15:
        raise ValueError("is too large")
    return int(value) if float(value).is_integer() else float(value)


def _date(value: object, definition: CustomField) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("must be a date (YYYY-MM-DD)") from None


def _choice(value: object, definition: CustomField) -> str:
    if value not in definition.choices:
        raise ValueError(f"must be one of: {', '.join(definition.choices)}")
    return value


TRUE, FALSE = {"true", "yes", "ja", "1", "on"}, {"false", "no", "nej", "0", "off"}


def _boolean(value: object, definition: CustomField) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise ValueError("must be true or false")


CLEANERS = {
    CustomField.Type.TEXT: _text,
    CustomField.Type.NUMBER: _number,
    CustomField.Type.DATE: _date,
    CustomField.Type.CHOICE: _choice,
    CustomField.Type.BOOLEAN: _boolean,
}


def clean_value(definition: CustomField, value: object) -> object:
    """Return the value to store (None: remove), or raise ValueError."""
    if value is None or value == "":
        return None
    return CLEANERS[definition.type](value, definition)


_personal_cache: dict[str, vault_fields.PersonalField] = {}


def _personal_field(definition: CustomField) -> vault_fields.PersonalField:
    def clean(value: object) -> object:
        cleaned = clean_value(definition, value)
        if cleaned is None:
            raise ValueError("must not be empty")
        return cleaned

    return vault_fields.PersonalField(definition.vault_name, Category(definition.category), clean)


def resolve_personal(name: str) -> vault_fields.PersonalField | None:
    """The vault's resolver: the personal field `cf.<key>` an admin defined on contacts."""
    if not name.startswith(PREFIX):
        return None
    if name not in _personal_cache:
        definition = CustomField.objects.filter(
            entity=CustomField.Entity.CONTACT, personal=True, key=name[len(PREFIX) :]
        ).first()
        if definition is None:
            return None
        # Only what cannot change is cached: key, type and category are fixed; choices
        # are checked again on every write by clean() below.
        _personal_cache[name] = _personal_field(definition)
    return _personal_cache[name]


def definitions(entity: str) -> list[CustomField]:
    """Return the entity's active custom fields, in order."""
    return list(CustomField.objects.filter(entity=entity, archived_at__isnull=True))


def personal_names(entity: str, defs: Iterable[CustomField] | None = None) -> list[str]:
    """Return the vault names of the entity's personal custom fields (to read them)."""
    defs = definitions(entity) if defs is None else defs
    return [d.vault_name for d in defs if d.personal]


def clean(entity: str, data: Mapping[str, object] | None) -> tuple[dict, dict]:
    """Split and clean `{key: value}`: (non-personal {definition: value}, personal {name: value}).

    A value of None (or "") removes it. Raises CustomFieldError naming `custom.<key>`.
    """
    if not data:
        return {}, {}
    if not isinstance(data, Mapping):
        raise CustomFieldError("custom", "must be an object of field keys and values")
    by_key = {d.key: d for d in definitions(entity)}
    business, personal = {}, {}
    for key, value in data.items():
        definition = by_key.get(key)
        if definition is None:
            raise CustomFieldError(f"custom.{key}", f"no such custom field on {entity}s")
        try:
            cleaned = clean_value(definition, value)
        except ValueError as exc:
            raise CustomFieldError(f"custom.{key}", str(exc)) from None
        if definition.personal:
            personal[definition.vault_name] = cleaned
        else:
            business[definition] = cleaned
    return business, personal


def save(object_id: int, business: Mapping[CustomField, object]) -> dict[str, tuple]:
    """Store non-personal values of one record; return {"custom.<key>": (old, new)} changed."""
    existing = {
        v.field_id: v
        for v in CustomValue.objects.filter(field__in=list(business), object_id=object_id)
    }
    changes = {}
    for definition, value in business.items():
        row = existing.get(definition.pk)
        old = row.value if row else None
        if old == value:
            continue
        if value is None:
            row.delete()
        elif row is None:
            CustomValue.objects.create(field=definition, object_id=object_id, value=value)
        else:
            row.value = value
            row.save(update_fields=["value"])
        changes[f"custom.{definition.key}"] = (old, value)
    return changes


def read(entity: str, object_ids: Iterable[int]) -> dict[int, dict[str, object]]:
    """Return the non-personal custom values of records, {id: {key: value}}, in one query."""
    ids = list(object_ids)
    result: dict[int, dict[str, object]] = {i: {} for i in ids}
    if not ids:
        return result
    rows = CustomValue.objects.filter(
        field__entity=entity, field__archived_at__isnull=True, object_id__in=ids
    ).values_list("object_id", "field__key", "value")
    for object_id, key, value in rows:
        result[object_id][key] = value
    return result


def forget(entity: str, object_ids: Iterable[int]) -> None:
    """Drop the non-personal values of deleted records."""
    CustomValue.objects.filter(field__entity=entity, object_id__in=list(object_ids)).delete()


def move_contact_values(kept, merged) -> None:
    """Merge hook: the merged contact's non-personal custom values go to the kept one,
    where it has none of its own. (Personal ones are vault fields: the merge chooses
    among them like any other personal field.)"""
    taken = set(
        CustomValue.objects.filter(
            field__entity=CustomField.Entity.CONTACT, object_id=kept.pk
        ).values_list("field_id", flat=True)
    )
    theirs = CustomValue.objects.filter(
        field__entity=CustomField.Entity.CONTACT, object_id=merged.pk
    )
    theirs.exclude(field_id__in=taken).update(object_id=kept.pk)
    theirs.filter(field_id__in=taken).delete()


def delete_contact_values(contact) -> None:
    """Deletion hook: a deleted contact's non-personal custom values go too."""
    forget(CustomField.Entity.CONTACT, [contact.pk])
