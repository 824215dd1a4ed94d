"""The write path of the request register: every step is atomic, logged and audited.

Only a DPO acts on requests (issue #6); Lethe's own jobs (the portal, the worker)
act as system actors. Functions raise ValidationError naming the bad field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import deadlines, texts
from lethe.dsr.models import Request, RequestStep, RequestSubject
from lethe.vault.policy import Actor, Purpose, Role

PURPOSE = Purpose.DATA_SUBJECT_REQUEST


def may_act(actor: Actor) -> bool:
    return bool(actor.roles & {Role.DPO, Role.SYSTEM})


def _check_actor(actor: Actor) -> None:
    if not may_act(actor):
        raise PermissionError("only the dpo role may act on data-subject requests")


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"must be one of {', '.join(choices.values)}"})
    return value


def step(
    actor: Actor,
    request: Request,
    name: str,
    *,
    note: str = "",
    status: str = "",
    subjects: Iterable[UUID] = (),
    **detail,
) -> RequestStep:
    """Log one step of a request (and its new status, if any) and audit it."""
    with transaction.atomic():
        if status:
            request.status = status
            if status in Request.CLOSED:
                request.closed_at = timezone.now()
            request.save()
        entry = RequestStep.objects.create(
            request=request,
            by=actor.label,
            step=name,
            status=status,
            note=texts.seal(actor, request.record_key, "dsr.note", note),
            detail=detail,
        )
        log.record(
            actor,
            Action.REQUEST_STEP,
            subjects=sorted(str(s) for s in subjects),
            purpose=PURPOSE,
            record_kind="dsr",
            record_id=str(request.pk),
            detail={"step": name, "kind": request.kind, "status": request.status, **detail},
        )
    return entry


def open_request(
    actor: Actor,
    kind: str,
    identified_by: str,
    identifiers: dict,
    *,
    received_on: date | None = None,
    source: str = Request.Source.CONSOLE,
    note: str = "",
) -> Request:
    """Register a request: its identifiers are sealed, its deadline is one month on."""
    _check_actor(actor)
    kind = _choice(kind, Request.Kind, "kind")
    identified_by = _choice(identified_by, Request.Identifier, "identified_by")
    identifiers = {k: str(v).strip() for k, v in (identifiers or {}).items() if str(v).strip()}
    if not identifiers:
        raise ValidationError({"identifiers": "give at least one identifier of the person"})
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "cannot be in the future"})
    with transaction.atomic():
        key = texts.new_key()
        request = Request(
            kind=kind,
            identified_by=identified_by,
            source=_choice(source, Request.Source, "source"),
            record_key=key,
            received_on=received_on,
            due_on=deadlines.due_on(received_on),
        )
        request.details = texts.seal_json(actor, key, "dsr.identifiers", identifiers)
        request.save()
        step(actor, request, "received", note=note, status=Request.Status.RECEIVED)
    return request


def identifiers(actor: Actor, request: Request) -> dict:
    """Return the identifiers the requester gave (opened for a caller already allowed)."""
    return texts.open_json(actor, request.details)


def link_subjects(actor: Actor, request: Request, subjects: Iterable[UUID]) -> int:
    """Add the subjects that locate found as candidates (not yet confirmed)."""
    _check_actor(actor)
    found = set(subjects) - set(request.subjects.values_list("subject_id", flat=True))
    with transaction.atomic():
        RequestSubject.objects.bulk_create(
            RequestSubject(request=request, subject_id=s) for s in sorted(found)
        )
        if found:
            step(actor, request, "located", subjects=found, candidates=len(found))
    return len(found)


def confirm(actor: Actor, request: Request, subjects: Iterable[UUID]) -> int:
    """Confirm that these candidates are the requester; only they are released or erased."""
    _check_actor(actor)
    subjects = set(subjects)
    rows = request.subjects.filter(subject_id__in=subjects, confirmed=False)
    unknown = subjects - set(request.subjects.values_list("subject_id", flat=True))
    if unknown:
        raise ValidationError({"subjects": "not a located candidate of this request"})
    with transaction.atomic():
        changed = rows.update(confirmed=True, confirmed_by=actor.label, confirmed_at=timezone.now())
        step(actor, request, "confirmed", subjects=subjects, confirmed=len(subjects))
    return changed


def confirmed_subjects(request: Request) -> list[UUID]:
    return list(
        request.subjects.filter(confirmed=True)
        .order_by("subject_id")
        .values_list("subject_id", flat=True)
    )


def complete(actor: Actor, request: Request, outcome: dict, *, note: str = "") -> Request:
    """Record the outcome and its evidence and close the request as completed."""
    _check_actor(actor)
    if not request.is_open:
        raise ValidationError({"status": "the request is already closed"})
    with transaction.atomic():
        request.outcome = {**request.outcome, **outcome}
        step(actor, request, "completed", note=note, status=Request.Status.COMPLETED)
    return request
