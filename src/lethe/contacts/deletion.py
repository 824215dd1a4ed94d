"""Deleting a contact: the record goes and the person's data with it.

A contact is a person, so deleting one is an erasure of what we hold about them in
the CRM: their activities (whose text is sealed under their key), their files, their
custom values and record history, their deal roles, and finally their key, shredded,
so that every sealed copy (backups included) is unreadable. Deals, companies and other
people's activities stay; other people's texts that @mention them will show
"[erased person]". Other apps add their part with `on_delete`.

This is the business's own clean-up (a duplicate, a record nobody needs); a data
subject's erasure request, with its plan, evidence and certificate, is the privacy
console's job and reuses this.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.models import Contact
from lethe.core import history
from lethe.vault import gate
from lethe.vault.errors import AccessDenied
from lethe.vault.fields import Category
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Purpose, Role, may_write

Hook = Callable[[Contact], None]
_hooks: list[Hook] = []


def on_delete(callback: Hook) -> Hook:
    """Call `callback(contact)` inside every contact deletion, before the contact goes."""
    if callback not in _hooks:
        _hooks.append(callback)
    return callback


def may_delete(actor: Actor, purpose: Purpose, contact: Contact) -> bool:
    """Return whether `actor` may delete the contact (who may change the person's data)."""
    return may_write(actor, purpose, DEFAULT_SCOPE, [contact.subject_id], {Category.NAME})


def delete_contact(
    actor: Actor, purpose: Purpose, contact: Contact, *, reason: str = "contact_deleted"
) -> None:
    """Delete the contact and erase the person; only who may write their data may.

    `reason` is the code the erasure is audited with (an erasure request passes its own).
    """
    if not may_delete(actor, purpose, contact):
        raise AccessDenied("you may delete only contacts whose personal data you may change")
    # A restricted person's data is kept as it is (Art. 18): an erasure request may end it.
    gate.refuse_restricted(actor, [contact.subject_id], [], purpose)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        for hook in list(_hooks):
            hook(contact)
        history.forget("contact", [contact.pk])
        log.record(
            actor,
            Action.DELETE,
            record_kind="contact",
            record_id=contact.pk,
            subjects=[contact.subject_id],
            purpose=purpose,
            detail={"erased": True},
        )
        subject = contact.subject
        contact.delete()
        # Last: the keystore's change is not undone with this transaction.
        eraser = Actor("system", "delete", frozenset({Role.SYSTEM}), request_id=actor.request_id)
        gate.shred(eraser, subject, reason=reason)
