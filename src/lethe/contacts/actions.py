"""The write path for contacts: the vault holds the person, this app the CRM record.

Each action is one transaction: the subject's values, the contact row and their
audit events are written together or not at all.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.models import Contact
from lethe.core import history
from lethe.core.tags import add_tags_many, set_tags
from lethe.customfields import values as customfields
from lethe.dsr import suppression
from lethe.vault import gate
from lethe.vault.policy import Actor, Purpose

BUSINESS_FIELDS = ["company", "owner", "stage", "source", "obtained_at"]


def _record(actor: Actor, action: Action, contact: Contact, changed=()) -> None:
    log.record(
        actor,
        action,
        record_kind="contact",
        record_id=contact.pk,
        subjects=[contact.subject_id],
        purpose=Purpose.CUSTOMER_RELATIONSHIP,
        detail={"fields": sorted(changed)},
    )


@transaction.atomic
def create_contact(
    actor: Actor, purpose: Purpose, personal: dict, data: dict, owner=None
) -> Contact:
    """Create a person in the vault and their contact record (cleaned business data).

    A person erased at their request (their e-mail or phone on the suppression list)
    is refused with Suppressed, naming the field: never silently brought back.
    """
    suppression.check(personal)
    subject = gate.create_subject(actor, purpose, personal)
    contact = Contact(subject=subject, **{f: data[f] for f in BUSINESS_FIELDS if f in data})
    if contact.owner is None:
        contact.owner = owner
    if contact.obtained_at is None:
        contact.obtained_at = timezone.localdate()
    contact.save()
    set_tags(contact, data.get("tags", []))
    custom = customfields.save(contact.pk, data.get("custom", {}))
    _record(actor, Action.CREATE, contact, [*(f for f in BUSINESS_FIELDS if data.get(f)), *custom])
    return contact


@transaction.atomic
def create_contacts(
    actor: Actor, purpose: Purpose, items: list[tuple[dict, dict]], owner=None
) -> list[Contact]:
    """Create many people and their contact records as one batch (imports, demo data)."""
    refused = suppression.refused([personal for personal, _ in items])
    if refused:
        raise suppression.Suppressed(next(iter(refused.values())), suppression.ERASED_MESSAGE)
    subjects = gate.create_subjects(actor, purpose, [personal for personal, _ in items])
    today = timezone.localdate()
    contacts = []
    for subject, (_, data) in zip(subjects, items, strict=True):
        contact = Contact(subject=subject, **{f: data[f] for f in BUSINESS_FIELDS if f in data})
        contact.owner = contact.owner or owner
        contact.obtained_at = contact.obtained_at or today
        contacts.append(contact)
    Contact.objects.bulk_create(contacts)
    add_tags_many(contacts, [data.get("tags") or [] for _, data in items])
    log.record(
        actor,
        Action.CREATE,
        record_kind="contact",
        subjects=[s.id for s in subjects],
        purpose=purpose,
        detail={"contacts": len(contacts)},
    )
    return contacts


@transaction.atomic
def update_contact(
    actor: Actor, purpose: Purpose, contact: Contact, personal: dict, data: dict
) -> Contact:
    """Change personal fields (through the gate) and business fields of a contact."""
    suppression.check(personal)
    if personal:
        gate.write(actor, contact.subject, personal, purpose)
    changed = [f for f in BUSINESS_FIELDS if f in data and getattr(contact, f) != data[f]]
    changes = {name: (getattr(contact, name), data[name]) for name in changed}
    for name in changed:
        setattr(contact, name, data[name])
    if "company" in changed and contact.pk:
        previous = Contact.objects.get(pk=contact.pk).company
        if previous is not None:
            contact.past_companies.add(previous)
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
    before = sorted(contact.tags.values_list("name", flat=True)) if "tags" in data else None
    if "tags" in data and before != sorted(data["tags"]):
        set_tags(contact, data["tags"])
        changed.append("tags")
        changes["tags"] = (before, data["tags"])
    custom = customfields.save(contact.pk, data.get("custom", {}))
    changed.extend(custom)
    changes.update(custom)
    if changed:
        history.record(actor, "contact", contact.pk, changes)
        _record(actor, Action.UPDATE, contact, changed)
    return contact


@transaction.atomic
def archive_contact(actor: Actor, contact: Contact) -> Contact:
    """Archive (deactivate) a contact; reversible, and not an erasure."""
    if history.set_archived(actor, contact, "contact", True):
        _record(actor, Action.ARCHIVE, contact)
    return contact


@transaction.atomic
def restore_contact(actor: Actor, contact: Contact) -> Contact:
    """Bring an archived contact back."""
    if history.set_archived(actor, contact, "contact", False):
        _record(actor, Action.UPDATE, contact, ["archived_at"])
    return contact
