"""Marketing lists: the write path, the members a list shows, and its CSV export.

A list holds contacts; it shows and exports only those `eligibility.eligible` lets
through at that moment, so a withdrawal, objection, suppression or restriction takes
effect on every list at once without anyone editing it. Marketing creates lists and
manages members; sales may add (and take off) contacts they or their team own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.consent.eligibility import eligible
from lethe.consent.models import ListMember, MarketingList
from lethe.consent.public import withdrawal_token
from lethe.contacts.models import Contact
from lethe.core.spreadsheet import safe_cell
from lethe.vault import gate
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Decision, Purpose, Role

PURPOSE = Purpose.DIRECT_MARKETING
NAMES = ("first_name", "last_name", "email")
COLUMNS = ("contact", "first_name", "last_name", "email", "withdraw_link")
CHUNK = 500


class ListError(ValueError):
    """A list change that cannot be made; `field` names the bad part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _event(actor: Actor, action: Action, marketing_list: MarketingList, **kwargs) -> None:
    log.record(
        actor,
        action,
        record_kind="marketing_list",
        record_id=marketing_list.pk,
        purpose=PURPOSE,
        **kwargs,
    )


@transaction.atomic
def create_list(actor: Actor, name: object, user=None) -> MarketingList:
    """Create a list for direct marketing; raise ListError for a bad or taken name."""
    if not isinstance(name, str) or not name.strip():
        raise ListError("name", "give the list a name")
    name = name.strip()
    if len(name) > 120:
        raise ListError("name", "a name has at most 120 characters")
    if MarketingList.objects.filter(name=name).exists():
        raise ListError("name", "a list with this name exists")
    try:
        with transaction.atomic():
            created = MarketingList.objects.create(name=name, purpose=PURPOSE, created_by=user)
    except IntegrityError:
        raise ListError("name", "a list with this name exists") from None
    _event(actor, Action.CREATE, created)
    return created


@transaction.atomic
def delete_list(actor: Actor, marketing_list: MarketingList) -> None:
    """Delete a list (its members stay contacts; only their places on it go)."""
    members = marketing_list.members.count()
    _event(actor, Action.DELETE, marketing_list, detail={"members": members})
    marketing_list.delete()


def may_change_member(actor: Actor, contact: Contact) -> bool:
    """Marketing manages any member; sales only contacts they or their team own."""
    if actor.roles & {Role.MARKETING, Role.SYSTEM}:
        return True
    if Role.SALES not in actor.roles:
        return False
    subject = contact.subject_id
    decision = Decision(actor, Purpose.CUSTOMER_RELATIONSHIP, DEFAULT_SCOPE, [subject])
    return bool(decision.allowed(subject))


@transaction.atomic
def add_member(actor: Actor, marketing_list: MarketingList, contact: Contact) -> bool:
    """Put the contact on the list; return False if it was on it already."""
    _, created = ListMember.objects.get_or_create(
        marketing_list=marketing_list, contact=contact, defaults={"added_by": actor.label[:160]}
    )
    if created:
        _event(
            actor,
            Action.UPDATE,
            marketing_list,
            subjects=[contact.subject_id],
            detail={"added": contact.pk},
        )
    return created


@transaction.atomic
def add_members(actor: Actor, marketing_list: MarketingList, contacts: list[Contact]) -> int:
    """Put many contacts on the list at once (one audit event); return how many were new."""
    present = set(
        ListMember.objects.filter(marketing_list=marketing_list).values_list("contact", flat=True)
    )
    new = [c for c in dict.fromkeys(contacts) if c.pk not in present]
    ListMember.objects.bulk_create(
        ListMember(marketing_list=marketing_list, contact=c, added_by=actor.label[:160])
        for c in new
    )
    if new:
        _event(
            actor,
            Action.UPDATE,
            marketing_list,
            subjects=[c.subject_id for c in new],
            detail={"added": len(new)},
        )
    return len(new)


@transaction.atomic
def remove_member(actor: Actor, marketing_list: MarketingList, contact: Contact) -> bool:
    """Take the contact off the list; return False if it was not on it."""
    removed, _ = ListMember.objects.filter(marketing_list=marketing_list, contact=contact).delete()
    if removed:
        _event(
            actor,
            Action.UPDATE,
            marketing_list,
            subjects=[contact.subject_id],
            detail={"removed": contact.pk},
        )
    return bool(removed)


@dataclass(frozen=True)
class Members:
    """A list's eligible members (contacts, in the order they were added) and how many not."""

    contacts: list[Contact]
    excluded: int


def members(marketing_list: MarketingList) -> Members:
    """Return the members the list may show now; the others only as a count."""
    everyone = list(
        Contact.objects.filter(marketing_lists__marketing_list=marketing_list).order_by(
            "marketing_lists__id"
        )
    )
    allowed = eligible([c.subject_id for c in everyone], Purpose(marketing_list.purpose))
    shown = [c for c in everyone if c.subject_id in allowed]
    return Members(shown, len(everyone) - len(shown))


def _text(value) -> str:
    if isinstance(value, gate.Masked | gate.Erased) or value is None:
        return ""
    return str(value)


def rows(actor: Actor, contacts: list[Contact]) -> list[dict]:
    """Return name and e-mail of each contact as the actor may read them (one gate call)."""
    values = gate.read(actor, [c.subject_id for c in contacts], PURPOSE, names=NAMES)
    result = []
    for contact in contacts:
        personal = values[contact.subject_id]
        emails = personal.get("email")
        result.append(
            {
                "contact": contact,
                "first_name": personal.get("first_name"),
                "last_name": personal.get("last_name"),
                "email": emails[0] if isinstance(emails, list) and emails else emails,
            }
        )
    return result


def export_csv(actor: Actor, marketing_list: MarketingList, link: Callable[[str], str]) -> str:
    """Return the eligible members as CSV, with each person's withdrawal link; audited.

    `link(token)` returns the absolute address of the withdrawal page for a token.
    Cells a spreadsheet would run as formulas are kept as text.
    """
    found = members(marketing_list)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for start in range(0, len(found.contacts), CHUNK):
        for row in rows(actor, found.contacts[start : start + CHUNK]):
            if not isinstance(row["email"], str):
                continue  # no address, or not readable now: nothing to send to
            contact = row["contact"]
            writer.writerow(
                safe_cell(cell)
                for cell in (
                    contact.pk,
                    _text(row["first_name"]),
                    _text(row["last_name"]),
                    row["email"],
                    link(withdrawal_token(contact.subject_id, Purpose(marketing_list.purpose))),
                )
            )
            written += 1
    with transaction.atomic():
        _event(
            actor,
            Action.EXPORT,
            marketing_list,
            detail={"members": written, "excluded": found.excluded, "format": "csv"},
        )
    return out.getvalue()
