"""Legal holds: made when a deal is won, read by finance, released when they end.

A won deal is a contract, and the Bookkeeping Act (Bokföringslagen 7 kap. 2 §) keeps
accounting records until the end of the seventh year after the calendar year in which
the financial year ended. For each contact of a won deal a hold copies the person's
name and e-mail, through the gate and unread, into a key scope of the hold's own; the
contract's business data sits beside it. Erasing the person leaves the hold; the end
of the hold (`release_due`, run by the retention schedule) destroys its key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.models import Contact
from lethe.deals.models import Deal, Stage
from lethe.holds.models import BOOKKEEPING_ACT, ERASURE_EXCEPTION, LegalHold
from lethe.vault import gate
from lethe.vault.models import Subject
from lethe.vault.policy import HOLD_PREFIX, Actor, Purpose, Role

PURPOSE = Purpose.LEGAL_OBLIGATION
FIELDS = ("first_name", "last_name", "email")
YEARS = 7


MonthDay = tuple[int, int]


def financial_year_end(day: datetime.date, month_day: MonthDay | None = None) -> datetime.date:
    """Return the last day of the financial year that `day` falls in."""
    month, dom = month_day or settings.CONFIG.financial_year_end
    end = datetime.date(day.year, month, dom)
    return end if day <= end else datetime.date(day.year + 1, month, dom)


def held_until(closed_on: datetime.date, month_day: MonthDay | None = None) -> datetime.date:
    """Return the last day a contract closed on `closed_on` is kept (7 kap. 2 § BFL)."""
    return datetime.date(financial_year_end(closed_on, month_day).year + YEARS, 12, 31)


def scope_for(record_kind: str, record_id: int) -> str:
    """Return the key scope of a hold on one record (one key per person and record)."""
    return f"{HOLD_PREFIX}{record_kind}-{record_id}"


def _keeper(actor: Actor) -> Actor:
    """Return the system actor that copies a person's data into a hold for `actor`."""
    return Actor(
        "system",
        "legal-hold",
        frozenset({Role.SYSTEM}),
        case=actor.case,
        request_id=actor.request_id,
        client_addr=actor.client_addr,
    )


def _hold(actor: Actor, deal: Deal, contact: Contact) -> LegalHold | None:
    """Make the hold of one contact's part in a won deal, unless it exists (atomic)."""
    subject = contact.subject
    if subject.status == Subject.Status.ERASED:
        return None
    closed_on = timezone.localdate(deal.closed_at) if deal.closed_at else timezone.localdate()
    with transaction.atomic():
        hold, created = LegalHold.objects.get_or_create(
            subject=subject,
            record_kind="deal",
            record_id=deal.pk,
            defaults={
                "scope": scope_for("deal", deal.pk),
                "kind": LegalHold.Kind.CONTRACT,
                "legal_basis": f"{BOOKKEEPING_ACT}; {ERASURE_EXCEPTION}",
                "title": deal.title,
                "amount": deal.amount,
                "currency": deal.currency,
                "closed_on": closed_on,
                "starts_on": closed_on,
                "ends_on": held_until(closed_on),
            },
        )
        if not created:
            return None
        copied = gate.copy(_keeper(actor), subject, FIELDS, scope=hold.scope, purpose=PURPOSE)
        hold.fields = copied
        hold.save(update_fields=["fields"])
        log.record(
            actor,
            Action.CREATE,
            record_kind="legal_hold",
            record_id=hold.pk,
            subjects=[subject.id],
            purpose=PURPOSE,
            detail={
                "kind": hold.kind,
                "record": f"deal:{deal.pk}",
                "fields": copied,
                "ends_on": hold.ends_on.isoformat(),
            },
        )
    return hold


def hold_won_deal(actor: Actor, deal: Deal) -> list[LegalHold]:
    """Hook for lethe.deals.actions.on_won: hold the contract for each of the deal's people."""
    if deal.stage.kind != Stage.Kind.WON:
        return []
    made = [_hold(actor, deal, c) for c in deal.contacts.select_related("subject").order_by("pk")]
    return [h for h in made if h is not None]


def hold_subject(actor: Actor, subject_id: UUID) -> list[LegalHold]:
    """Make the holds a person's won deals call for that do not exist yet (before erasure)."""
    contact = Contact.objects.select_related("subject").filter(subject_id=subject_id).first()
    if contact is None:
        return []
    won = Deal.objects.filter(contacts=contact, stage__kind=Stage.Kind.WON).order_by("pk")
    made = [_hold(actor, deal, contact) for deal in won.select_related("stage")]
    return [h for h in made if h is not None]


def due(now: datetime.datetime | None = None):
    """Return the active holds whose end has passed."""
    today = timezone.localdate(now or timezone.now())
    return LegalHold.objects.filter(released_at__isnull=True, ends_on__lt=today)


def release(actor: Actor, holds: Iterable[LegalHold], *, now=None) -> int:
    """End these holds: destroy each hold's key, then drop its unreadable values."""
    now = now or timezone.now()
    released = 0
    for hold in holds:
        if hold.released_at is not None:
            continue
        # The key goes first: if this stops here, the next run finds the hold still
        # active and shreds again (a no-op), then finishes.
        gate.shred(actor, hold.subject, scope=hold.scope, reason="legal_hold_ended")
        with transaction.atomic():
            gate.purge(actor, hold.subject_id, scope=hold.scope, reason="legal_hold_ended")
            hold.released_at = now
            hold.save(update_fields=["released_at"])
        released += 1
    return released


def release_due(now: datetime.datetime | None = None) -> int:
    """Release every hold whose end has passed (for the retention schedule); return how many."""
    now = now or timezone.now()
    holds = list(due(now).select_related("subject").order_by("pk"))
    return release(Actor.system("retention"), holds, now=now)


@dataclass(frozen=True)
class ContractRecord:
    """A hold as finance reads it: the contract and the person's name and e-mail."""

    hold: LegalHold
    person: dict  # field -> value, gate.Masked or gate.ERASED

    @property
    def name(self) -> str:
        if not self.hold.active:
            return str(gate.ERASED)
        parts = [self.person.get(n) for n in ("first_name", "last_name")]
        if any(isinstance(p, gate.Masked) for p in parts):
            return str(next(p for p in parts if isinstance(p, gate.Masked)))
        if any(isinstance(p, gate.Erased) for p in parts):
            return str(gate.ERASED)
        return " ".join(p for p in parts if p)

    @property
    def email(self) -> str:
        value = self.person.get("email")
        if isinstance(value, list):
            return ", ".join(value)
        return "" if value is None else str(value)


def contract_records(actor: Actor, holds: Iterable[LegalHold]) -> list[ContractRecord]:
    """Return the holds with their people's data read for the legal obligation (batched)."""
    holds = list(holds)
    if not holds:
        return []
    values = gate.read_scoped(
        actor, [(h.subject_id, h.scope) for h in holds], PURPOSE, names=FIELDS
    )
    return [ContractRecord(h, values[(h.subject_id, h.scope)]) for h in holds]
