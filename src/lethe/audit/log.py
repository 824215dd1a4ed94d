"""Append audit events. Callers pass pseudonyms and category names, never personal data."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from lethe.audit.models import Action, AuditEvent, Outcome


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
    """Append one event for `actor` (a lethe.vault.policy.Actor) inside the caller's transaction."""
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor.label,
        action=action,
        outcome=outcome,
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
