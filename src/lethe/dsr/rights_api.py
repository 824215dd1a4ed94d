"""API for rectification, restriction, recipients and disclosures, under /api/v1/dsr/.

Only the dpo role acts. Work on one request runs inside that request's case
("dsr:<id>"). Fulfilling a request (applying the corrections, restricting, objecting)
is the register's `fulfil`, which calls the handlers of lethe.dsr.fulfilment.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.core.api_errors import ErrorOut
from lethe.dsr import recipients, rectification, restriction
from lethe.dsr.models import Disclosure, Notification, Recipient, Request
from lethe.dsr.rights_common import check_acting
from lethe.vault.policy import Role

router = Router(tags=["data-subject requests"])
DPO = RoleAuth(Role.DPO)
PAGE_SIZE = 50


class DeniedOut(Schema):
    detail: str


class CorrectionsIn(Schema):
    corrections: Any = None


class CorrectionsOut(Schema):
    request: int
    fields: list[str]
    corrections: dict[str, Any]
    applied_at: datetime.datetime | None


class LiftIn(Schema):
    told_on: Any = None
    told_method: Any = None
    note: str = ""


class RestrictionOut(Schema):
    subject: str
    started_at: datetime.datetime
    started_by: str
    lifted_at: datetime.datetime | None
    lifted_by: str
    told_on: datetime.date | None
    told_method: str


class RestrictionsOut(Schema):
    request: int
    restrictions: list[RestrictionOut]


class RecipientIn(Schema):
    name: Any = None
    kind: Any = None
    country: Any = ""


class RecipientOut(Schema):
    id: int
    name: str
    kind: str
    country: str
    created_at: datetime.datetime


class NotificationOut(Schema):
    id: int
    recipient: RecipientOut
    notified_on: datetime.date | None
    notified_by: str
    method: str
    done: bool


class NotificationsOut(Schema):
    request: int
    outstanding: int
    results: list[NotificationOut]


class NotifiedIn(Schema):
    method: Any = None
    notified_on: Any = None


class DisclosureIn(Schema):
    recipient: Any = None
    subjects: Any = None
    categories: Any = None
    purpose: Any = None
    channel: Any = None
    at: Any = None


class DisclosureOut(Schema):
    id: int
    recipient: int
    recipient_name: str
    subject_count: int
    categories: list[str]
    purpose: str
    channel: str
    at: datetime.datetime
    by: str


class DisclosureDetailOut(DisclosureOut):
    subjects: list[str]


class DisclosurePage(Schema):
    count: int
    page: int
    pages: int
    results: list[DisclosureOut]


def _refused(exc: Exception) -> Status:
    if isinstance(exc, PermissionError):
        return Status(403, {"detail": str(exc)})
    errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return Status(400, {"detail": f"invalid input: {', '.join(errors)}", "errors": errors})


def _in_case(request, request_id: int):
    """Return (the DSR request, the actor inside its case)."""
    dsr = get_object_or_404(Request, pk=request_id)
    return dsr, actor_for(request.auth, case=dsr.case, request=request)


def _corrections_out(dsr: Request, current: dict) -> dict:
    done = getattr(dsr, "rectification", None)
    return {
        "request": dsr.pk,
        "fields": sorted(current),
        "corrections": current,
        "applied_at": done.applied_at if done else None,
    }


@router.get(
    "/{request_id}/rectification",
    response={200: CorrectionsOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="The corrections of a rectification request",
)
def rectification_corrections(request, request_id: int):
    """The corrections given with the request (field -> corrected value), opened for the DPO."""
    dsr, actor = _in_case(request, request_id)
    try:
        check_acting(actor, dsr, [Request.Kind.RECTIFICATION])
        current = rectification.corrections(actor, dsr)
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(200, _corrections_out(dsr, current))


@router.post(
    "/{request_id}/rectification",
    response={200: CorrectionsOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="Give corrections with a rectification request",
)
def add_corrections(request, request_id: int, payload: CorrectionsIn):
    """Add corrections, `{"corrections": {field: value}}`: any personal field of a contact
    (`first_name`, `email`, ..., `custom.<key>` for a personal custom field); null drops a
    correction given before. They are sealed; fulfilling the request applies them."""
    dsr, actor = _in_case(request, request_id)
    try:
        current = rectification.add_corrections(actor, dsr, payload.corrections)
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(200, _corrections_out(Request.objects.get(pk=dsr.pk), current))


def _restrictions_out(dsr: Request) -> dict:
    return {
        "request": dsr.pk,
        "restrictions": [
            {
                "subject": str(r.subject_id),
                "started_at": r.started_at,
                "started_by": r.started_by,
                "lifted_at": r.lifted_at,
                "lifted_by": r.lifted_by,
                "told_on": r.told_on,
                "told_method": r.told_method,
            }
            for r in restriction.restrictions(dsr)
        ],
    }


@router.get(
    "/{request_id}/restriction",
    response={200: RestrictionsOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="The restrictions a restriction request made",
)
def restriction_status(request, request_id: int):
    dsr, actor = _in_case(request, request_id)
    try:
        check_acting(actor, dsr, [Request.Kind.RESTRICTION])
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(200, _restrictions_out(dsr))


@router.post(
    "/{request_id}/restriction/lift",
    response={200: RestrictionsOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="Lift a restriction, after telling the person",
)
def lift_restriction(request, request_id: int, payload: LiftIn):
    """Lift the request's restrictions. The person must have been told first (Art. 18(3)):
    `told_on` (YYYY-MM-DD) and `told_method` (email, letter, phone, portal, in_person)
    are required. A session must have re-authenticated."""
    refusal = reauth.api_refusal(request)
    if refusal is not None:
        return refusal
    dsr, actor = _in_case(request, request_id)
    try:
        restriction.lift(
            actor, dsr, payload.told_on, payload.told_method, note=payload.note.strip()
        )
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(200, _restrictions_out(dsr))


def _recipient_out(recipient: Recipient) -> dict:
    return {
        "id": recipient.pk,
        "name": recipient.name,
        "kind": recipient.kind,
        "country": recipient.country,
        "created_at": recipient.created_at,
    }


def _notifications_out(dsr: Request, notifications: list[Notification]) -> dict:
    return {
        "request": dsr.pk,
        "outstanding": sum(1 for n in notifications if not n.done),
        "results": [
            {
                "id": n.pk,
                "recipient": _recipient_out(n.recipient),
                "notified_on": n.notified_on,
                "notified_by": n.notified_by,
                "method": n.method,
                "done": n.done,
            }
            for n in notifications
        ],
    }


@router.get(
    "/{request_id}/recipients",
    response={200: NotificationsOut, 403: DeniedOut},
    auth=DPO,
    summary="Recipients to tell of a rectification, erasure or restriction",
)
def request_recipients(request, request_id: int):
    """The recipients that received the person's data (Art. 19), each with whether, when and
    how they were told; listing them starts tracking any not yet listed."""
    dsr, actor = _in_case(request, request_id)
    try:
        check_acting(actor, dsr)
    except PermissionError as exc:
        return _refused(exc)
    return Status(200, _notifications_out(dsr, recipients.to_notify(dsr, actor)))


@router.post(
    "/{request_id}/recipients/{notification_id}/notified",
    response={200: NotificationsOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="Record that a recipient was told",
)
def mark_notified(request, request_id: int, notification_id: int, payload: NotifiedIn):
    """`method`: email, letter, phone, integration or impossible (Art. 19: impossible or
    disproportionate effort); `notified_on` (YYYY-MM-DD) defaults to today."""
    dsr, actor = _in_case(request, request_id)
    notification = get_object_or_404(Notification, pk=notification_id, request=dsr)
    try:
        recipients.mark_notified(actor, notification, payload.method, payload.notified_on)
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(200, _notifications_out(dsr, recipients.to_notify(dsr)))


@router.get(
    "/recipients",
    response={200: list[RecipientOut]},
    auth=DPO,
    summary="The register of recipients",
)
def list_recipients(request):
    return Status(200, [_recipient_out(r) for r in Recipient.objects.all()])


@router.post(
    "/recipients",
    response={201: RecipientOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="Add a recipient",
)
def create_recipient(request, payload: RecipientIn):
    """A business data is disclosed to: `name`, `kind` (processor, controller, authority,
    other) and optionally `country` (ISO 3166 code). No personal data."""
    actor = actor_for(request.auth, request=request)
    try:
        recipient = recipients.create_recipient(actor, payload.name, payload.kind, payload.country)
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(201, _recipient_out(recipient))


def _disclosure_out(disclosure: Disclosure) -> dict:
    return {
        "id": disclosure.pk,
        "recipient": disclosure.recipient_id,
        "recipient_name": disclosure.recipient.name,
        "subject_count": disclosure.subject_count,
        "categories": disclosure.categories,
        "purpose": disclosure.purpose,
        "channel": disclosure.channel,
        "at": disclosure.at,
        "by": disclosure.by,
    }


def _disclosure_detail(disclosure: Disclosure) -> dict:
    subjects = disclosure.subjects.order_by("subject_id").values_list("subject_id", flat=True)
    return {**_disclosure_out(disclosure), "subjects": [str(s) for s in subjects]}


@router.get(
    "/disclosures",
    response={200: DisclosurePage, 400: ErrorOut},
    auth=DPO,
    summary="The disclosure log",
)
def list_disclosures(request, subject: str = "", recipient: int | None = None, page: int = 1):
    """Disclosures, newest first, 50 a page; `subject` (a pseudonym) keeps those that
    handed over that person's data, `recipient` those to one recipient."""
    found = Disclosure.objects.select_related("recipient")
    if subject:
        try:
            found = found.filter(subjects__subject_id=UUID(subject))
        except ValueError:
            return _refused(ValidationError({"subject": "a pseudonym (a UUID)"}))
    if recipient is not None:
        found = found.filter(recipient_id=recipient)
    paginator = Paginator(found, PAGE_SIZE)
    current = paginator.get_page(page)
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "results": [_disclosure_out(d) for d in current],
        },
    )


@router.get(
    "/disclosures/{disclosure_id}",
    response={200: DisclosureDetailOut},
    auth=DPO,
    summary="One disclosure, with the pseudonyms of the people disclosed",
)
def read_disclosure(request, disclosure_id: int):
    disclosure = get_object_or_404(Disclosure.objects.select_related("recipient"), pk=disclosure_id)
    return Status(200, _disclosure_detail(disclosure))


@router.post(
    "/disclosures",
    response={201: DisclosureDetailOut, 400: ErrorOut, 403: DeniedOut},
    auth=DPO,
    summary="Record a disclosure by hand",
)
def create_disclosure(request, payload: DisclosureIn):
    """Record that personal data went to a recipient outside Lethe: `recipient` (id),
    `subjects` (pseudonyms), `categories` (e.g. user.contact.email), `purpose`, `channel`
    (export, integration, other) and optionally `at` (YYYY-MM-DD, default now)."""
    actor = actor_for(request.auth, request=request)
    try:
        recipients.check_actor(actor)
        disclosure = recipients.record_disclosure(
            actor,
            payload.recipient,
            payload.subjects,
            payload.categories,
            payload.purpose,
            payload.channel,
            at=payload.at,
        )
    except (ValidationError, PermissionError) as exc:
        return _refused(exc)
    return Status(201, _disclosure_detail(disclosure))
