"""API of the consent ledger: /api/v1/contacts/{id}/consents (list, record).

Granting and withdrawing are the same request with a different `state`. The ledger
cannot be changed through the API: the path has no PUT, PATCH or DELETE (405).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.consent import actions, ledger
from lethe.consent.models import Channel, ConsentEvent
from lethe.contacts.api import READERS, WRITERS, DeniedOut
from lethe.contacts.models import Contact
from lethe.core.api_errors import ErrorOut, field_error

router = Router(tags=["consents"])


class ConsentIn(Schema):
    # Untyped on purpose: a wrong value is answered with a 400 naming the field.
    purpose: Any = None
    state: Any = None
    channel: Any = Channel.API.value
    notice: Any = None


class ConsentNoticeOut(Schema):
    sha256: str
    text: str


class ConsentEventOut(Schema):
    id: int
    purpose: str
    state: str
    at: datetime.datetime
    channel: str
    recorded_by: str
    requested_at: datetime.datetime | None
    double_opt_in: bool
    merged_from: str | None
    notice: ConsentNoticeOut | None


class ConsentsOut(Schema):
    contact: int
    subject: str
    state: dict[str, str]
    events: list[ConsentEventOut]


def event_out(event: ConsentEvent) -> dict:
    """Return one ledger event as JSON: no personal data, the notice text in full."""
    return {
        "id": event.pk,
        "purpose": event.purpose,
        "state": event.state,
        "at": event.at,
        "channel": event.channel,
        "recorded_by": event.recorded_by,
        "requested_at": event.requested_at,
        "double_opt_in": event.double_opt_in,
        "merged_from": str(event.merged_from) if event.merged_from else None,
        "notice": {"sha256": event.notice.sha256, "text": event.notice.text}
        if event.notice
        else None,
    }


def consents_out(contact: Contact) -> dict:
    found = actions.overview(contact)
    return {
        "contact": contact.pk,
        "subject": str(contact.subject_id),
        "state": {purpose: event.state for purpose, event in found["current"].items()},
        "events": [event_out(e) for e in found["events"]],
    }


@router.get(
    "/{contact_id}/consents",
    response=ConsentsOut,
    auth=RoleAuth(*READERS),
    summary="A contact's consent ledger and current state",
)
def list_consents(request, contact_id: int):
    """Every grant and withdrawal, oldest first, and the state per purpose (the latest event)."""
    return consents_out(get_object_or_404(Contact, pk=contact_id))


@router.post(
    "/{contact_id}/consents",
    response={201: ConsentsOut, 400: ErrorOut, 403: DeniedOut},
    auth=RoleAuth(*WRITERS),
    summary="Record a grant or a withdrawal of consent",
)
def record_consent(request, contact_id: int, payload: ConsentIn):
    """Append to the ledger: `state` granted or withdrawn, the `purpose`, the `channel`
    (web_form, email, phone, import, api, portal; default api) and the `notice`: the
    exact text the person was shown (needed to grant), or "sha256:<hex>" of a stored
    one. Only for who owns the contact (or whose team does)."""
    actor = actor_for(request.auth, request=request)
    contact = get_object_or_404(Contact, pk=contact_id)
    if not actions.may_record(actor, contact):
        return Status(403, {"detail": "you may record consents only for contacts you work with"})
    try:
        actions.record_change(
            actor, contact, payload.purpose, payload.state, payload.channel, payload.notice
        )
    except ledger.ConsentError as exc:
        return field_error(exc.field, exc.message)
    return Status(201, consents_out(contact))
