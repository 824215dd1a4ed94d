"""Rectification (Art. 16): correct or complete a person's data as they asked.

The corrections (personal field -> new value: any personal field of a contact,
including personal custom fields, `custom.<key>`) are given with the request and
sealed under the request's record key (lethe.dsr.texts), never stored in plaintext;
only the field names are kept open. Fulfilling the request writes them to each
confirmed subject through the gate, as the DPO inside the request's case: the old
values go to the record history (sealed under the person's key, masked for roles that
may not read them) and the gate's audit event names the fields. The recipients that
received the person's data are then listed to be told (Art. 19).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lethe.contacts.models import PERSONAL_FIELDS
from lethe.customfields import values as customfields
from lethe.dsr import recipients, register, texts
from lethe.dsr.fulfilment import handles
from lethe.dsr.models import Rectification, Request
from lethe.dsr.rights_common import PURPOSE, check_acting, subjects_of
from lethe.vault import fields, gate
from lethe.vault.errors import InvalidField, SubjectErased
from lethe.vault.policy import Actor

KIND = "dsr.corrections"
CUSTOM = "custom."


def api_name(vault_name: str) -> str:
    """Return a vault field's name as the API and pages call it (`cf.x` -> `custom.x`)."""
    if vault_name.startswith(customfields.PREFIX):
        return CUSTOM + vault_name[len(customfields.PREFIX) :]
    return vault_name


def field_choices() -> list[tuple[str, str]]:
    """Return (name, label) of every personal field a correction may change."""
    choices = [(name, name.replace("_", " ").capitalize()) for name in PERSONAL_FIELDS]
    for definition in customfields.definitions("contact"):
        if definition.personal:
            choices.append((CUSTOM + definition.key, definition.label))
    return choices


def _error(name: str, message: str) -> ValidationError:
    return ValidationError({f"corrections.{name}": message})


def clean(corrections: object) -> dict[str, object]:
    """Return {vault field name: cleaned value, or None to drop that correction}.

    Raises ValidationError naming `corrections` or `corrections.<field>`.
    """
    if not isinstance(corrections, Mapping) or not corrections:
        raise ValidationError({"corrections": "give at least one field and its corrected value"})
    cleaned: dict[str, object] = {}
    for name, value in corrections.items():
        if not isinstance(name, str):
            raise ValidationError({"corrections": "field names must be text"})
        if name.startswith(CUSTOM):
            try:
                business, personal = customfields.clean("contact", {name[len(CUSTOM) :]: value})
            except customfields.CustomFieldError as exc:
                raise _error(name, exc.message) from None
            if business:
                raise _error(name, "not a personal field: correct it on the contact")
            vault_name = next(iter(personal))
            value = personal[vault_name]
        elif name in PERSONAL_FIELDS:
            vault_name = name
        else:
            raise _error(name, "not a personal field of a contact")
        if value is None or value == "":
            cleaned[vault_name] = None
            continue
        try:
            cleaned[vault_name] = fields.get(vault_name).cleaned(value)
        except InvalidField as exc:
            raise _error(name, exc.message) from None
    return cleaned


def corrections(actor: Actor, request: Request) -> dict[str, object]:
    """Return the corrections given with the request, {api field name: value}."""
    rectification = Rectification.objects.filter(request=request).first()
    if rectification is None:
        return {}
    return texts.open_json(actor, rectification.corrections)


def add_corrections(actor: Actor, request: Request, given: object) -> dict[str, object]:
    """Add (or replace, or with null drop) corrections of an open rectification request.

    Returns all the request's corrections, {api field name: value}.
    """
    check_acting(actor, request, [Request.Kind.RECTIFICATION])
    if not request.is_open:
        raise ValidationError({"status": "the request is closed"})
    cleaned = clean(given)
    with transaction.atomic():
        rectification, _ = Rectification.objects.select_for_update().get_or_create(request=request)
        if rectification.applied_at is not None:
            raise ValidationError({"corrections": "already applied; open a new request"})
        current = texts.open_json(actor, rectification.corrections)
        for vault_name, value in cleaned.items():
            if value is None:
                current.pop(api_name(vault_name), None)
            else:
                current[api_name(vault_name)] = value
        old = rectification.corrections
        rectification.corrections = (
            texts.seal_json(actor, request.record_key, KIND, current) if current else None
        )
        rectification.fields = sorted(current)
        rectification.save()
        if old is not None:
            old.delete()
        register.step(
            actor,
            request,
            "corrections_given",
            fields=sorted(api_name(n) for n in cleaned),
        )
    return current


def _vault_values(current: dict[str, object]) -> dict[str, object]:
    values = {}
    for name, value in current.items():
        vault_name = customfields.PREFIX + name[len(CUSTOM) :] if name.startswith(CUSTOM) else name
        values[vault_name] = value
    return values


@handles(Request.Kind.RECTIFICATION)
def rectify(actor: Actor, request: Request) -> dict:
    """Write the corrections to each confirmed subject through the gate (safe to run again)."""
    check_acting(actor, request, [Request.Kind.RECTIFICATION], in_case=True)
    current = corrections(actor, request)
    if not current:
        raise ValidationError({"corrections": "give the corrections first"})
    subjects = subjects_of(request)
    values = _vault_values(current)
    written, erased = 0, 0
    with transaction.atomic():
        for subject in subjects:
            try:
                gate.write(actor, subject, values, PURPOSE)
            except InvalidField as exc:
                raise _error(api_name(exc.field), exc.message) from None
            except SubjectErased:
                erased += 1
                continue
            written += 1
        Rectification.objects.filter(request=request).update(
            applied_at=timezone.now(), applied_by=actor.label
        )
        register.step(
            actor,
            request,
            "rectified",
            subjects=[s.pk for s in subjects],
            fields=sorted(current),
            rectified=written,
        )
        notify = recipients.to_notify(request, actor)
    return {
        "rectified": written,
        "erased": erased,
        "fields": sorted(current),
        "recipients_to_notify": len(notify),
    }
