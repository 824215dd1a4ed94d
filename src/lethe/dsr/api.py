"""API of the request register (`/api/v1/dsr`): only the dpo role, each request its own case.

Acting on one request implies its case: the requester's identifiers and the step notes
are opened while the request is open, and locate, plan and fulfil run inside it.
Errors are 400s naming the field (lethe.core.api_errors).
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.accounts.models import User
from lethe.core.api_errors import ErrorOut
from lethe.dsr import queries, register
from lethe.dsr.models import Request
from lethe.vault.policy import Role

router = Router(tags=["data-subject requests"])
DPO = RoleAuth(Role.DPO)
PAGE_SIZE = 50


class Strict(Schema):
    """A request body that names unknown fields instead of ignoring them."""

    model_config = ConfigDict(extra="forbid")


class DsrRequestIn(Strict):
    kind: str
    identified_by: str
    email: str | None = None
    phone: str | None = None
    identity_number: str | None = None
    name: str | None = None
    company: str | None = None
    received_on: datetime.date | None = None
    note: str = ""


class DsrNoteIn(Strict):
    note: str = ""


class DsrVerifyIn(Strict):
    method: str
    note: str = ""


class DsrAssignIn(Strict):
    assignee: int | None = None
    note: str = ""


class DsrLocateIn(Strict):
    """Other identifiers to locate by; empty: the request's own."""

    email: str | None = None
    phone: str | None = None
    identity_number: str | None = None
    name: str | None = None
    company: str | None = None


class DsrConfirmIn(Strict):
    subjects: list[UUID]


class DsrExtendIn(Strict):
    months: int
    reason: str
    told_on: datetime.date


class DsrReasonIn(Strict):
    reason: str


class DsrRequestOut(Schema):
    id: int
    case: str
    kind: str
    status: str
    open: bool
    source: str
    identified_by: str
    received_on: datetime.date
    due_on: datetime.date
    extension_months: int
    extended_due_on: datetime.date | None
    extension_notified_on: datetime.date | None
    deadline: datetime.date
    flag: str
    verification_method: str
    verified_by: str
    verified_at: datetime.datetime | None
    assignee: int | None
    candidates: int
    confirmed: int
    outcome: dict[str, Any]
    created_at: datetime.datetime
    closed_at: datetime.datetime | None


class DsrRequestPage(Schema):
    count: int
    page: int
    pages: int
    results: list[DsrRequestOut]


class DsrHoldingOut(Schema):
    kind: str
    id: str
    relation: str
    detail: str


class DsrSubjectOut(Schema):
    subject: UUID
    status: str
    confirmed: bool
    confirmed_by: str
    confirmed_at: datetime.datetime | None
    matched: list[str]
    counts: dict[str, int]
    holdings: list[DsrHoldingOut]


class DsrStepOut(Schema):
    at: datetime.datetime
    by: str
    step: str
    status: str
    note: str | None
    sealed: bool
    detail: dict[str, Any]


class DsrRequestDetail(DsrRequestOut):
    identifiers: dict[str, str] | None
    steps: list[DsrStepOut]
    subjects: list[DsrSubjectOut]


class DsrLocatedOut(Schema):
    subjects: list[DsrSubjectOut]


class DsrPlanOut(Schema):
    needed: bool
    plan: dict[str, Any] | None


def _invalid(exc: ValidationError) -> Status:
    errors = {name: list(messages) for name, messages in exc.message_dict.items()}
    return Status(400, {"detail": f"invalid input: {', '.join(errors)}", "errors": errors})


def _request(request_id: int) -> Request:
    return get_object_or_404(queries.with_counts(Request.objects.all()), pk=request_id)


def _actor(request, dsr: Request | None = None):
    """The DPO; acting on one request puts them in its case."""
    return actor_for(request.auth, request=request, case=dsr.case if dsr else None)


def _fresh(dsr: Request) -> Request:
    return _request(dsr.pk)


def _done(dsr: Request) -> dict:
    return queries.summary(_fresh(dsr))


@router.get(
    "",
    response={200: DsrRequestPage, 400: ErrorOut},
    auth=DPO,
    summary="List requests by deadline",
)
def list_requests(
    request,
    status: str = "",
    kind: str = "",
    assignee: int | None = None,
    open: bool | None = None,
    page: int = 1,
):
    """Requests, the nearest deadline first; `flag` is overdue or due-soon (within 7 days).

    `status`: one of the statuses; `open`: true for open requests only, false for closed.
    """
    try:
        found = queries.listed(status=status, kind=kind, assignee=assignee, open=open)
    except ValidationError as exc:
        return _invalid(exc)
    current = Paginator(found, PAGE_SIZE).get_page(page)
    return Status(
        200,
        {
            "count": current.paginator.count,
            "page": current.number,
            "pages": current.paginator.num_pages,
            "results": [queries.summary(r) for r in current],
        },
    )


@router.post(
    "",
    response={201: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Register a request",
)
def create_request(request, payload: DsrRequestIn):
    """Register a request received from a person: its kind, how they identified
    themselves and their identifiers (sealed); the deadline is one month on."""
    data = payload.dict()
    try:
        dsr = register.receive(
            _actor(request),
            data.pop("kind"),
            data.pop("identified_by"),
            {k: data.pop(k) for k in ("email", "phone", "identity_number", "name", "company")},
            received_on=data.pop("received_on"),
            note=data.pop("note"),
            source=Request.Source.API,
        )
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _done(dsr))


@router.get(
    "/{request_id}",
    response=DsrRequestDetail,
    auth=DPO,
    summary="Read a request: identifiers, steps, located subjects and their holdings",
)
def read_request(request, request_id: int):
    """The identifiers and step notes are opened (audited) only while the request is open."""
    dsr = _request(request_id)
    return queries.detail(_actor(request, dsr), dsr)


def _act(request, request_id: int, do) -> Status:
    dsr = _request(request_id)
    try:
        do(_actor(request, dsr), dsr)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(200, _done(dsr))


@router.post(
    "/{request_id}/verify",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Record how the requester was verified",
)
def verify_request(request, request_id: int, payload: DsrVerifyIn):
    """`method`: one of email_link, identity_document, bankid, known_details, in_person, other."""
    return _act(
        request,
        request_id,
        lambda actor, dsr: register.verify(actor, dsr, payload.method, note=payload.note),
    )


@router.post(
    "/{request_id}/assign",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Assign a request to a DPO",
)
def assign_request(request, request_id: int, payload: DsrAssignIn):
    """`assignee`: a user id of a DPO, or null for nobody."""
    user = None
    if payload.assignee is not None:
        user = User.objects.filter(pk=payload.assignee).first()
        if user is None:
            return _invalid(ValidationError({"assignee": "no such user"}))
    return _act(
        request,
        request_id,
        lambda actor, dsr: register.assign(actor, dsr, user, note=payload.note),
    )


@router.post(
    "/{request_id}/locate",
    response={200: DsrLocatedOut, 400: ErrorOut},
    auth=DPO,
    summary="Locate the requester and link the subjects found as candidates",
)
def locate_request(request, request_id: int, payload: DsrLocateIn | None = None):
    """Without a body, by the request's own identifiers; each match becomes a candidate."""
    dsr = _request(request_id)
    given = {k: v for k, v in (payload.dict() if payload else {}).items() if v}
    try:
        found = register.locate_subjects(_actor(request, dsr), dsr, given or None)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(200, {"subjects": queries.subjects_out(dsr, found.matched, found.holdings)})


@router.post(
    "/{request_id}/confirm",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Confirm located subjects as the requester",
)
def confirm_subjects(request, request_id: int, payload: DsrConfirmIn):
    """Only confirmed subjects are released or erased."""
    return _act(
        request, request_id, lambda actor, dsr: register.confirm(actor, dsr, payload.subjects)
    )


@router.post(
    "/{request_id}/extend",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Extend the deadline once (1 or 2 months)",
)
def extend_request(request, request_id: int, payload: DsrExtendIn):
    """The person must have been told of the extension and its reason within the first month."""
    return _act(
        request,
        request_id,
        lambda actor, dsr: register.extend(
            actor, dsr, payload.months, payload.reason, payload.told_on
        ),
    )


@router.post(
    "/{request_id}/wait",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Mark a request as waiting on the requester",
)
def wait_request(request, request_id: int, payload: DsrNoteIn | None = None):
    note = payload.note if payload else ""
    return _act(request, request_id, lambda actor, dsr: register.wait(actor, dsr, note=note))


@router.post(
    "/{request_id}/resume",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Take up a request that waited on the requester",
)
def resume_request(request, request_id: int, payload: DsrNoteIn | None = None):
    note = payload.note if payload else ""
    return _act(request, request_id, lambda actor, dsr: register.resume(actor, dsr, note=note))


@router.post(
    "/{request_id}/refuse",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Refuse a request, with the reason",
)
def refuse_request(request, request_id: int, payload: DsrReasonIn):
    return _act(request, request_id, lambda actor, dsr: register.refuse(actor, dsr, payload.reason))


@router.get(
    "/{request_id}/plan",
    response=DsrPlanOut,
    auth=DPO,
    summary="Show what fulfilling the request would do",
)
def plan_request(request, request_id: int):
    """The plan of the request's kind (e.g. what an erasure erases, keeps and why), or
    `needed: false` where fulfilling needs no plan."""
    dsr = _request(request_id)
    planned = register.plan(_actor(request, dsr), dsr)
    return {"needed": planned is not None, "plan": planned}


@router.post(
    "/{request_id}/fulfil",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Fulfil the request and record its outcome",
)
def fulfil_request(request, request_id: int):
    """Runs the handler of the request's kind for its confirmed subjects (a verified
    requester is needed). A session must have re-authenticated within five minutes."""
    refusal = reauth.api_refusal(request)
    if refusal is not None:
        return refusal
    return _act(request, request_id, register.fulfil)


@router.post(
    "/{request_id}/close",
    response={200: DsrRequestOut, 400: ErrorOut},
    auth=DPO,
    summary="Close a request answered another way",
)
def close_request(request, request_id: int, payload: DsrNoteIn | None = None):
    note = payload.note if payload else ""
    return _act(request, request_id, lambda actor, dsr: register.close(actor, dsr, note=note))
