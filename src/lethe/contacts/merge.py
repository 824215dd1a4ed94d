"""Merging two contacts of one person: everything moves onto the kept one, the other is erased.

One transaction: the chosen personal values are written to the kept subject through
the gate; e-mails and phones are united; deals, past companies, tags and the record
history move over; the hooks registered with `on_merge` move what other apps link
to the contact; then the other contact is deleted and its subject's key shredded.
A failure anywhere leaves both contacts as they were.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.models import PERSONAL_FIELDS, Contact
from lethe.core import history
from lethe.core.models import Change
from lethe.deals.models import DealContact
from lethe.vault import gate
from lethe.vault.errors import AccessDenied
from lethe.vault.models import Subject
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Decision, Purpose, Role

# Single-valued personal fields: the user picks which contact's value to keep.
CHOOSABLE = tuple(f for f in PERSONAL_FIELDS if f not in ("email", "phone"))
UNITED = ("email", "phone")
CHOICES = ("this", "other")

Hook = Callable[[Contact, Contact], None]
_hooks: list[Hook] = []


def on_merge(callback: Hook) -> Hook:
    """Call `callback(kept, merged)` inside every merge's transaction, before `merged` goes.

    For apps that link to contacts (activities, attachments): move the links to `kept`.
    An exception undoes the whole merge. Usable as a decorator.
    """
    if callback not in _hooks:
        _hooks.append(callback)
    return callback


def remove_hook(callback: Hook) -> None:
    """Stop calling `callback` on merges."""
    if callback in _hooks:
        _hooks.remove(callback)


class MergeError(ValueError):
    """A merge request that cannot be done; `field` names the bad part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def readable(actor: Actor, purpose: Purpose, contacts: list[Contact]) -> bool:
    """Return whether the actor may read each contact's personal data (e.g. owns both)."""
    subjects = [c.subject_id for c in contacts]
    decision = Decision(actor, purpose, DEFAULT_SCOPE, subjects)
    return all(decision.allowed(s) for s in subjects)


def check_choices(choices: object) -> dict[str, str]:
    """Return {field: "this"|"other"} or raise MergeError naming the bad entry."""
    if not isinstance(choices, dict):
        raise MergeError("fields", 'give an object of field: "this" or "other"')
    for name, choice in choices.items():
        if name not in CHOOSABLE:
            raise MergeError(name, "not a field to choose (e-mails and phones are united)")
        if choice not in CHOICES:
            raise MergeError(name, 'choose "this" or "other"')
    return dict(choices)


def united(first: object, second: object) -> list | None:
    """Return the values of two list fields, first ones first, without repeats."""
    values = [v for v in (first, second) if isinstance(v, list)]
    both = list(dict.fromkeys(item for value in values for item in value))
    return both or None


def planned_values(kept_values: dict, other_values: dict, choices: dict) -> dict:
    """Return the personal fields to write to the kept subject (only those that change).

    Fields masked for the actor are never chosen: the kept contact's value stays.
    """
    changes = {}
    for name in CHOOSABLE:
        if choices.get(name) != "other" or isinstance(other_values.get(name), gate.Masked):
            continue
        value = other_values.get(name)
        value = None if isinstance(value, gate.Erased) else value
        if value != kept_values.get(name):
            changes[name] = value
    for name in UNITED:
        if isinstance(kept_values.get(name), gate.Masked):
            continue
        value = united(kept_values.get(name), other_values.get(name))
        if value != kept_values.get(name):
            changes[name] = value
    return changes


def _move_business(kept: Contact, other: Contact) -> None:
    taken = DealContact.objects.filter(contact=kept).values("deal")
    DealContact.objects.filter(contact=other).exclude(deal__in=taken).update(contact=kept)
    DealContact.objects.filter(contact=other).delete()
    past = set(other.past_companies.values_list("pk", flat=True))
    if other.company_id:
        past.add(other.company_id)
    past.discard(kept.company_id)
    if past:
        kept.past_companies.add(*past)
    kept.tags.add(*other.tags.all())
    Change.objects.filter(record_kind="contact", record_id=other.pk).update(record_id=kept.pk)


def merge_contacts(
    actor: Actor, purpose: Purpose, kept: Contact, other: Contact, choices: dict
) -> Contact:
    """Merge `other` into `kept` (see the module docstring); raise MergeError or AccessDenied."""
    if kept.pk == other.pk:
        raise MergeError("from", "a contact cannot be merged with itself")
    choices = check_choices(choices)
    if Subject.Status.ERASED in (kept.subject.status, other.subject.status):
        raise MergeError("from", "a contact whose personal data is erased cannot be merged")
    if Subject.Status.RESTRICTED in (kept.subject.status, other.subject.status):
        raise MergeError(
            "from", "a contact restricted at the person's request (Art. 18) is read-only"
        )
    if not readable(actor, purpose, [kept, other]):
        raise AccessDenied("you may merge only contacts whose personal data you may read")
    with transaction.atomic():
        kept = Contact.objects.select_for_update().get(pk=kept.pk)
        other = Contact.objects.select_for_update().get(pk=other.pk)
        values = gate.read(actor, [kept.subject_id, other.subject_id], purpose)
        changes = planned_values(values[kept.subject_id], values[other.subject_id], choices)
        if changes:
            gate.write(actor, kept.subject, changes, purpose)
        _move_business(kept, other)
        for hook in list(_hooks):
            hook(kept, other)
        history.record(actor, "contact", kept.pk, {"merged_from": (None, other.pk)})
        log.record(
            actor,
            Action.UPDATE,
            record_kind="contact",
            record_id=kept.pk,
            subjects=[kept.subject_id, other.subject_id],
            purpose=purpose,
            detail={
                "merged_from": str(other.subject_id),
                "merged_contact": other.pk,
                "fields": sorted(changes),
            },
        )
        subject = other.subject
        try:
            other.delete()
        except (ProtectedError, RestrictedError):
            raise MergeError(
                "from", "other records still point to that contact and could not be moved"
            ) from None
        # Last, so that nothing after it can fail: the key lives in the keystore, whose
        # change is not undone with this transaction.
        eraser = Actor("system", "merge", frozenset({Role.SYSTEM}), request_id=actor.request_id)
        gate.shred(eraser, subject, reason="merged")
    kept.refresh_from_db()
    return kept
