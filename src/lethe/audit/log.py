"""Append audit events to the hash chain, inside the transaction of the action they record.

Callers pass pseudonyms and category names, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, transaction
from django.utils import timezone

from lethe.audit import chain
from lethe.audit.models import Action, AuditEvent, ChainHead, Outcome


def _lock_head(using: str) -> ChainHead:
    """Return the chain head, locked until the caller's transaction ends.

    On PostgreSQL the row lock serialises appends across processes; on SQLite the
    IMMEDIATE transaction already holds the database's write lock.
    """
    head = ChainHead.objects.using(using).select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.using(using).bulk_create(
            [ChainHead(pk=1, seq=0, hash=chain.GENESIS)], ignore_conflicts=True
        )
        head = ChainHead.objects.using(using).select_for_update().get(pk=1)
    return head


def record(
    actor,
    action: Action,
    *,
    outcome: Outcome = Outcome.ALLOWED,
    subjects: Iterable = (),
    categories: Iterable[str] = (),
    denied_categories: Iterable[str] = (),
    purpose: str = "",
    record_kind: str = "",
    record_id: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event for `actor` (a lethe.vault.policy.Actor) to the chain."""
    using = "default"
    if not connections[using].in_atomic_block:
        raise RuntimeError("audit events are written inside the action's transaction")
    event = AuditEvent(
        at=timezone.now(),
        actor=actor.label,
        action=Action(action),
        outcome=Outcome(outcome),
        subjects=sorted(str(s) for s in subjects),
        categories=sorted(set(map(str, categories))),
        denied_categories=sorted(set(map(str, denied_categories))),
        purpose=str(purpose),
        case_id=actor.case or "",
        request_id=actor.request_id,
        client_addr=actor.client_addr,
        record_kind=record_kind,
        record_id=str(record_id),
        detail=detail or {},
    )
    head = _lock_head(using)
    event.seq = head.seq + 1
    event.prev_hash = bytes(head.hash)
    event.hash = chain.link(event.prev_hash, encode(event))
    event.save(using=using, force_insert=True)
    ChainHead.objects.using(using).filter(pk=1).update(seq=event.seq, hash=event.hash)
    from lethe.audit import checkpoints

    transaction.on_commit(lambda: checkpoints.maybe_checkpoint(event.seq), using=using)
    return event


def encode(event: AuditEvent) -> bytes:
    """Return the canonical encoding of an event object."""
    return chain.canonical(tuple(getattr(event, name) for name in chain.FIELDS))
