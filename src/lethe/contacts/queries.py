"""Finding contacts: the search box and list filters, shared by the API and the pages."""

from __future__ import annotations

import contextlib

from lethe.contacts.models import Contact
from lethe.vault import gate
from lethe.vault.errors import InvalidField
from lethe.vault.policy import Actor, Purpose, default_purpose


class FilterError(ValueError):
    """A filter value that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def search(actor: Actor, purpose: Purpose, q: str) -> set:
    """Return the subjects matching a search box query, through the blind indexes.

    An e-mail address, a number (identity number or phone) or names (prefixes).
    """
    q = q.strip()
    if "@" in q:
        return set(gate.find(actor, "email", q, purpose))
    digits = "".join(c for c in q if c.isdigit())
    if len(digits) >= 6 and len(digits) >= len(q.replace(" ", "").replace("-", "")) - 1:
        found = set()
        for field in ("identity_number", "phone"):
            with contextlib.suppress(InvalidField):  # a number may be either, or neither
                found |= set(gate.find(actor, field, q, purpose))
        return found
    return set(gate.find(actor, "first_name", q, purpose)) | set(
        gate.find(actor, "last_name", q, purpose)
    )


# Sort orders of the list: only business fields, since names are sealed (sorting by a
# name would mean decrypting every contact); name search covers finding by name.
SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "updated": ("updated_at", "id"),
    "stage": ("stage", "-created_at", "-id"),
    "company": ("company__name", "-created_at", "-id"),
}


def filtered(
    actor: Actor,
    purpose: str = "",
    q: str = "",
    owner=None,
    stage: str = "",
    company=None,
    tag: str = "",
    archived: bool = False,
    sort: str = "",
):
    """Return (contacts, purpose) for the filters, or raise FilterError naming the bad one."""
    if sort and sort not in SORTS:
        raise FilterError("sort", f"sort by one of: {', '.join(SORTS)}")
    if stage and stage not in Contact.Stage.values:
        raise FilterError("stage", f"one of: {', '.join(Contact.Stage.values)}")
    try:
        purpose = Purpose(purpose) if purpose else default_purpose(actor)
    except ValueError:
        raise FilterError("purpose", "not a known purpose") from None
    contacts = Contact.objects.filter(archived_at__isnull=not archived)
    if q.strip():
        try:
            contacts = contacts.filter(subject_id__in=search(actor, purpose, q))
        except InvalidField as exc:
            raise FilterError("q", exc.message) from None
    if owner is not None:
        contacts = contacts.filter(owner_id=owner)
    if stage:
        contacts = contacts.filter(stage=stage)
    if company is not None:
        contacts = contacts.filter(company_id=company)
    if tag:
        contacts = contacts.filter(tags__name=tag)
    return contacts.order_by(*SORTS[sort or "-created"]), purpose
