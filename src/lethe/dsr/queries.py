"""Reading the register: lists by deadline, one request with its steps and subjects.

Shared by the API, the privacy console and the CLI. The requester's identifiers and
the notes of steps are personal data: they are opened only for a DPO inside the
request's case (while it is open), and opening them is audited.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import cases, deadlines, register, texts
from lethe.dsr import locate as finder
from lethe.dsr.models import Request, RequestStep
from lethe.vault.models import Subject
from lethe.vault.policy import Actor


def with_counts(requests: QuerySet[Request]) -> QuerySet[Request]:
    """Annotate the number of candidates and confirmed subjects, and the deadline."""
    return requests.select_related("assignee").annotate(
        candidate_count=Count("subjects", distinct=True),
        confirmed_count=Count("subjects", filter=Q(subjects__confirmed=True), distinct=True),
        deadline_on=Coalesce("extended_due_on", "due_on"),
    )


def _check(value: str, choices, field: str) -> None:
    if value and value not in choices.values:
        raise ValidationError({field: f"must be one of {', '.join(choices.values)}"})


def listed(
    *, status: str = "", kind: str = "", assignee: int | None = None, open: bool | None = None
) -> QuerySet[Request]:
    """Return the requests matching the filters, the nearest deadline first."""
    _check(status, Request.Status, "status")
    _check(kind, Request.Kind, "kind")
    found = with_counts(Request.objects.all())
    if status:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    if assignee is not None:
        found = found.filter(assignee_id=assignee)
    if open is True:
        found = found.exclude(status__in=Request.CLOSED)
    elif open is False:
        found = found.filter(status__in=Request.CLOSED)
    return found.order_by("deadline_on", "id")


def flag(dsr: Request, today=None) -> str:
    """Return "overdue", "due-soon" or "" for an open request ("" once closed)."""
    if not dsr.is_open:
        return ""
    return deadlines.flag(dsr.deadline, today or timezone.localdate())


FLAG_WORDS = {"overdue": "overdue", "due-soon": "due within 7 days"}


def summary(dsr: Request) -> dict:
    """Return a request as plain values, without personal data."""
    candidates = getattr(dsr, "candidate_count", None)
    confirmed = getattr(dsr, "confirmed_count", None)
    if candidates is None:
        candidates = dsr.subjects.count()
        confirmed = dsr.subjects.filter(confirmed=True).count()
    return {
        "id": dsr.pk,
        "case": dsr.case,
        "kind": dsr.kind,
        "status": dsr.status,
        "open": dsr.is_open,
        "source": dsr.source,
        "identified_by": dsr.identified_by,
        "received_on": dsr.received_on,
        "due_on": dsr.due_on,
        "extension_months": dsr.extension_months,
        "extended_due_on": dsr.extended_due_on,
        "extension_notified_on": dsr.extension_notified_on,
        "deadline": dsr.deadline,
        "flag": flag(dsr),
        "verification_method": dsr.verification_method,
        "verified_by": dsr.verified_by,
        "verified_at": dsr.verified_at,
        "assignee": dsr.assignee_id,
        "candidates": candidates,
        "confirmed": confirmed,
        "outcome": dsr.outcome,
        "created_at": dsr.created_at,
        "closed_at": dsr.closed_at,
    }


def may_read(actor: Actor, dsr: Request) -> bool:
    """Return whether the actor may read the request's personal data: a DPO in its open case."""
    return cases.case_open(register.in_case(actor, dsr))


def matched(steps) -> dict[UUID, list[str]]:
    """Return what each subject matched on, from the request's "located" steps."""
    result: dict[UUID, list[str]] = {}
    for entry in steps:
        if entry.step != "located":
            continue
        for subject, keys in (entry.detail.get("matched") or {}).items():
            known = result.setdefault(UUID(subject), [])
            known.extend(k for k in keys if k not in known)
    return result


def subjects_out(dsr: Request, matched_on: dict, holdings: dict | None = None) -> list[dict]:
    """Return the request's candidates (with holdings), confirmed ones first."""
    rows = list(dsr.subjects.order_by("-confirmed", "subject_id"))
    ids = {r.subject_id for r in rows}
    if holdings is None or not ids <= set(holdings):
        holdings = finder.holdings(ids)
    status = dict(Subject.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [
        {
            "subject": r.subject_id,
            "status": status.get(r.subject_id, ""),
            "confirmed": r.confirmed,
            "confirmed_by": r.confirmed_by,
            "confirmed_at": r.confirmed_at,
            "matched": matched_on.get(r.subject_id, []),
            "counts": finder.counts(holdings[r.subject_id]),
            "holdings": [i.as_dict() for i in holdings[r.subject_id]],
        }
        for r in rows
    ]


def opened(actor: Actor, dsr: Request, steps: list[RequestStep]) -> tuple[dict | None, dict]:
    """Return (identifiers, {step id: note}) opened for a DPO in the case, else (None, {}).

    The opening is audited: the register's texts are personal data.
    """
    if not may_read(actor, dsr):
        return None, {}
    actor = register.in_case(actor, dsr)
    with transaction.atomic():
        given = register.identifiers(actor, dsr)
        notes = texts.open_texts(actor, [s.note for s in steps if s.note_id])
        log.record(
            actor,
            Action.READ,
            subjects=sorted(str(s) for s in dsr.subjects.values_list("subject_id", flat=True)),
            purpose=register.PURPOSE,
            record_kind="dsr",
            record_id=str(dsr.pk),
            detail={"identifiers": len(given), "notes": len(notes)},
        )
    return given, {s.pk: notes.get(s.note_id, "") for s in steps if s.note_id}


def detail(actor: Actor, dsr: Request) -> dict:
    """Return a request with its steps, subjects and (inside the case) identifiers and notes."""
    steps = list(dsr.steps.select_related("note"))
    given, notes = opened(actor, dsr, steps)
    readable = given is not None
    return {
        **summary(dsr),
        "identifiers": given,
        "steps": [
            {
                "at": s.at,
                "by": s.by,
                "step": s.step,
                "status": s.status,
                "note": notes.get(s.pk) if readable and s.note_id else None,
                "sealed": bool(s.note_id) and not readable,
                "detail": s.detail,
            }
            for s in steps
        ],
        "subjects": subjects_out(dsr, matched(steps)),
    }
