"""Consent changes recorded by staff for a contact: one action for grants and withdrawals.

The API and the contact page both call `record_change` with the same fields, so
withdrawing never takes more than granting (Art. 7(3)). Only who may work with the
person's data (sales or support owning the contact, or Lethe's own jobs) records.
"""

from __future__ import annotations

from django.db import transaction

from lethe.consent import ledger, notices
from lethe.consent.models import ConsentEvent, State
from lethe.contacts.models import Contact
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Decision, Role, default_purpose

RECORDERS = frozenset({Role.SALES, Role.SUPPORT})


def may_record(actor: Actor, contact: Contact) -> bool:
    """Return whether the actor may record consent changes for this contact's person."""
    if Role.SYSTEM in actor.roles:
        return True
    if not actor.roles & RECORDERS:
        return False
    subject = contact.subject_id
    return bool(Decision(actor, default_purpose(actor), DEFAULT_SCOPE, [subject]).allowed(subject))


@transaction.atomic
def record_change(
    actor: Actor, contact: Contact, purpose: object, state: object, channel: object, notice: object
) -> ConsentEvent:
    """Record one grant or withdrawal for the contact's person; raise ConsentError naming
    the bad field. A withdrawal needs no notice; a given one is kept as evidence."""
    ledger.check(purpose, state, channel)
    text = None
    if notice not in (None, "") or state == State.GRANTED:
        try:
            text = notices.resolve(notice)
        except notices.NoticeError as exc:
            raise ledger.ConsentError("notice", str(exc)) from None
    return ledger.record(actor, [contact.subject], purpose, state, channel, text)[0]


def overview(contact: Contact) -> dict:
    """Return the contact's ledger (oldest first) and current state per purpose."""
    events = ledger.history(contact.subject_id)
    current: dict[str, ConsentEvent] = {}
    for event in events:
        current[event.purpose] = event
    return {"events": events, "current": current}
