"""The write path of the request register: every step is atomic, logged and audited.

Only a DPO acts on requests (issue #6); Lethe's own jobs (the portal, the worker)
act as system actors. Functions raise ValidationError naming the bad field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import deadlines, fulfilment, texts
from lethe.dsr import locate as finder
from lethe.dsr.models import Request, RequestStep, RequestSubject
from lethe.vault.policy import Actor, Purpose, Role

PURPOSE = Purpose.DATA_SUBJECT_REQUEST

# How a requester's identity was checked: codes, never free text (the column is not sealed).
VERIFICATION_METHODS = {
    "email_link": "a link sent to an e-mail address we hold",
    "identity_document": "an identity document shown or sent",
    "bankid": "BankID or another e-identification",
    "known_details": "details only the person knows, checked against our records",
    "in_person": "in person",
    "other": "another way (see the step's note)",
}


def may_act(actor: Actor) -> bool:
    return bool(actor.roles & {Role.DPO, Role.SYSTEM})


def _check_actor(actor: Actor) -> None:
    if not may_act(actor):
        raise PermissionError("only the dpo role may act on data-subject requests")


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"must be one of {', '.join(choices.values)}"})
    return value


def _check_open(request: Request) -> None:
    if not request.is_open:
        raise ValidationError({"status": f"the request is closed ({request.status})"})


def in_case(actor: Actor, request: Request) -> Actor:
    """Return the actor working inside the request's case (acting on it implies its case)."""
    return dataclasses.replace(actor, case=request.case)


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


def receive(
    actor: Actor,
    kind: str,
    identified_by: str,
    given: Mapping[str, object],
    *,
    received_on: date | None = None,
    source: str = Request.Source.CONSOLE,
    note: str = "",
) -> Request:
    """Register a request from the identifiers a person gave (checked and normalised first)."""
    _check_actor(actor)
    kind = _choice(kind, Request.Kind, "kind")
    identified_by = _choice(identified_by, Request.Identifier, "identified_by")
    cleaned = finder.clean_identifiers(
        {k: v for k, v in given.items() if v not in (None, "")}, identified_by
    )
    return open_request(
        actor, kind, identified_by, cleaned, received_on=received_on, source=source, note=note
    )


def identifiers(actor: Actor, request: Request) -> dict:
    """Return the identifiers the requester gave (opened for a caller already allowed)."""
    return texts.open_json(actor, request.details)


def link_subjects(actor: Actor, request: Request, subjects: Iterable[UUID]) -> int:
    """Add the subjects that locate found as candidates (not yet confirmed)."""
    _check_actor(actor)
    _check_open(request)
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
    _check_open(request)
    try:
        subjects = {s if isinstance(s, UUID) else UUID(str(s)) for s in subjects}
    except ValueError:
        raise ValidationError({"subjects": "give the pseudonyms of located subjects"}) from None
    if not subjects:
        raise ValidationError({"subjects": "choose at least one located subject"})
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
    _check_open(request)
    with transaction.atomic():
        request.outcome = {**request.outcome, **outcome}
        step(actor, request, "completed", note=note, status=Request.Status.COMPLETED)
    return request


def verify(actor: Actor, request: Request, method: str, *, note: str = "") -> Request:
    """Record how the requester's identity was checked; the request becomes verified."""
    _check_actor(actor)
    _check_open(request)
    if method not in VERIFICATION_METHODS:
        raise ValidationError({"method": f"must be one of {', '.join(VERIFICATION_METHODS)}"})
    if request.verified_at is not None:
        raise ValidationError({"method": "the requester is already verified"})
    with transaction.atomic():
        request.verification_method = method
        request.verified_by = actor.label
        request.verified_at = timezone.now()
        request.save(update_fields=["verification_method", "verified_by", "verified_at"])
        status = Request.Status.VERIFIED if request.status == Request.Status.RECEIVED else ""
        step(actor, request, "verified", note=note, status=status, method=method)
    return request


def assign(actor: Actor, request: Request, user, *, note: str = "") -> Request:
    """Give the request to a DPO (None: to nobody)."""
    _check_actor(actor)
    _check_open(request)
    if user is not None and (Role.DPO not in user.roles or not user.is_active):
        raise ValidationError({"assignee": "must be an active user holding the dpo role"})
    with transaction.atomic():
        request.assignee = user
        request.save(update_fields=["assignee"])
        step(actor, request, "assigned", note=note, assignee=user.pk if user else None)
    return request


def wait(actor: Actor, request: Request, *, note: str = "") -> Request:
    """Mark the request as waiting on the requester (e.g. for proof of identity)."""
    _check_actor(actor)
    _check_open(request)
    if request.status == Request.Status.WAITING:
        raise ValidationError({"status": "the request is already waiting on the requester"})
    step(actor, request, "waiting", note=note, status=Request.Status.WAITING)
    return request


def _resumed_status(request: Request) -> str:
    if request.steps.filter(step="fulfilment_started").exists():
        return Request.Status.IN_PROGRESS
    if request.verified_at is not None:
        return Request.Status.VERIFIED
    return Request.Status.RECEIVED


def resume(actor: Actor, request: Request, *, note: str = "") -> Request:
    """Take up a request that waited on the requester again."""
    _check_actor(actor)
    _check_open(request)
    if request.status != Request.Status.WAITING:
        raise ValidationError({"status": "only a request waiting on the requester resumes"})
    step(actor, request, "resumed", note=note, status=_resumed_status(request))
    return request


def extend(
    actor: Actor, request: Request, months: object, reason: str, told_on: date | None
) -> Request:
    """Extend the deadline once by 1 or 2 months, with a reason told to the person in time.

    Art. 12(3): the person must be told of the extension and its reason within the first
    month. The reason is sealed as the step's note; the deadline becomes extended_due_on.
    """
    _check_actor(actor)
    _check_open(request)
    if request.extension_months:
        raise ValidationError({"months": "the deadline was already extended once"})
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValidationError({"months": "must be a whole number of months"})
    if not 1 <= months <= deadlines.MAX_EXTENSION_MONTHS:
        raise ValidationError(
            {"months": f"an extension is 1 to {deadlines.MAX_EXTENSION_MONTHS} months"}
        )
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "give the reason the person was told"})
    if told_on is None:
        raise ValidationError({"told_on": "give the day the person was told"})
    if told_on > timezone.localdate():
        raise ValidationError({"told_on": "cannot be in the future"})
    try:
        deadlines.check_extension(request.received_on, told_on, months)
    except ValueError as exc:
        raise ValidationError({"told_on": str(exc)}) from None
    with transaction.atomic():
        request.extension_months = months
        request.extended_due_on = deadlines.extended_due_on(request.received_on, months)
        request.extension_notified_on = told_on
        request.save(update_fields=["extension_months", "extended_due_on", "extension_notified_on"])
        step(
            actor,
            request,
            "extended",
            note=reason,
            months=months,
            due_on=request.extended_due_on.isoformat(),
        )
    return request


def refuse(actor: Actor, request: Request, reason: str) -> Request:
    """Refuse the request (e.g. manifestly unfounded, Art. 12(5)); the reason is sealed."""
    _check_actor(actor)
    _check_open(request)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "give the reason for refusing"})
    step(actor, request, "refused", note=reason, status=Request.Status.REFUSED)
    return request


def close(actor: Actor, request: Request, *, note: str = "") -> Request:
    """Close the request as completed without running a handler (answered another way)."""
    _check_actor(actor)
    _check_open(request)
    with transaction.atomic():
        request.outcome = {**request.outcome, "closed_by_hand": True}
        step(actor, request, "closed", note=note, status=Request.Status.COMPLETED)
    return request


def locate_subjects(
    actor: Actor, request: Request, identifiers: Mapping[str, object] | None = None
) -> finder.Located:
    """Locate the requester (by the request's identifiers, or others given) and link them.

    Every match becomes a candidate of the request; the DPO then confirms who the
    requester is. Runs inside the request's case.
    """
    _check_actor(actor)
    _check_open(request)
    actor = in_case(actor, request)
    given = identifiers if identifiers else _locatable(actor, request)
    found = finder.locate(actor, given)
    with transaction.atomic():
        known = set(request.subjects.values_list("subject_id", flat=True))
        new = sorted(set(found.matched) - known)
        RequestSubject.objects.bulk_create(
            RequestSubject(request=request, subject_id=s) for s in new
        )
        step(
            actor,
            request,
            "located",
            subjects=found.matched,
            candidates=len(found.matched),
            new=len(new),
            matched={str(s): keys for s, keys in found.matched.items()},
        )
    return found


def _locatable(actor: Actor, request: Request) -> dict:
    given = identifiers(actor, request)
    return {k: v for k, v in given.items() if k in finder.IDENTIFIERS}


def fulfil(actor: Actor, request: Request) -> Request:
    """Do what the request asks (its kind's handler), then record the outcome and close it.

    Needs a verified requester and confirmed subjects. The handler runs in the
    request's case; it must be safe to run again, so a failed run leaves the request in
    progress and fulfilling again resumes it.
    """
    _check_actor(actor)
    _check_open(request)
    handler = fulfilment.handler_for(request)
    if request.verified_at is None:
        raise ValidationError({"verified": "verify the requester's identity first"})
    if request.status == Request.Status.WAITING:
        raise ValidationError({"status": "the request waits on the requester: resume it first"})
    subjects = confirmed_subjects(request)
    if not subjects:
        raise ValidationError({"subjects": "confirm at least one located subject first"})
    actor = in_case(actor, request)
    started = request.status == Request.Status.IN_PROGRESS
    step(
        actor,
        request,
        "fulfilment_resumed" if started else "fulfilment_started",
        status="" if started else Request.Status.IN_PROGRESS,
        subjects=subjects,
    )
    try:
        outcome = handler(actor, request)
    except Exception as exc:
        step(actor, request, "fulfilment_failed", subjects=subjects, error=type(exc).__name__)
        raise
    return complete(actor, request, outcome or {})


def plan(actor: Actor, request: Request) -> dict | None:
    """Return what fulfilling would do (the kind's planner), or None where no plan is needed."""
    _check_actor(actor)
    planner = fulfilment.planner_for(request)
    if planner is None:
        return None
    return planner(in_case(actor, request), request)
