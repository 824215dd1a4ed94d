"""Duplicate warnings on create: existing contacts sharing an e-mail, phone or identity number.

The check runs as a system job (the importer's batched `gate.match`) so that it finds
contacts the user may not read: it answers only which contacts match and on which
field, never a value. The audit event names the user who asked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lethe.contacts.models import Contact
from lethe.vault import fields, gate
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Purpose, Role, may_write

IDENTIFIERS = ("email", "phone", "identity_number")


@dataclass(frozen=True)
class Duplicate:
    """An existing record that shares an identifier with the new data."""

    id: int
    matched_on: str

    def as_dict(self) -> dict:
        return {"id": self.id, "matched_on": self.matched_on}


def checker(actor: Actor) -> Actor:
    """Return the system actor that runs a duplicate check on behalf of `actor`."""
    return Actor(
        "system",
        f"duplicates:{actor.label}"[:80],
        frozenset({Role.SYSTEM}),
        request_id=actor.request_id,
        client_addr=actor.client_addr,
    )


def find(
    actor: Actor,
    personal: dict,
    *,
    purpose: Purpose = Purpose.CUSTOMER_RELATIONSHIP,
    exclude: int | None = None,
) -> list[Duplicate]:
    """Return the contacts whose identifiers meet those in `personal` (raises InvalidField).

    `personal` maps field names to values as the API takes them; they are cleaned here,
    so a bad value is reported naming its field before anything else happens. An
    identifier the actor may not write for `purpose` is not looked up: the write will be refused,
    and the check must not tell them whether someone has it.
    """
    system = checker(actor)
    found: dict[int, str] = {}
    for name in IDENTIFIERS:
        if personal.get(name) in (None, "", []):
            continue
        field = fields.get(name)
        if not may_write(
            actor, purpose, DEFAULT_SCOPE, [uuid.uuid4()], {field.category}, new_subjects=True
        ):
            continue
        terms = field.index_terms(field.cleaned(personal[name]))
        matches = gate.match(system, name, terms, Purpose.CUSTOMER_RELATIONSHIP)
        subjects = set().union(*matches.values()) if matches else set()
        if not subjects:
            continue
        contacts = Contact.objects.filter(subject_id__in=subjects)
        if exclude is not None:
            contacts = contacts.exclude(pk=exclude)
        for contact_id in contacts.values_list("pk", flat=True):
            found.setdefault(contact_id, name)
    return [Duplicate(pk, on) for pk, on in sorted(found.items())]
