"""API for the DPO's downloads of the files made for requests (Art. 15 reports, Art. 20
archives): list a request's exports, download one (audited, after re-authentication
for a browser session; an expired or purged export is gone: 410)."""

from __future__ import annotations

import datetime
from uuid import UUID

from django.urls import reverse
from ninja import Router, Schema, Status

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.attachments.actions import Opened
from lethe.attachments.api import file_response
from lethe.core.api_errors import ErrorOut
from lethe.dsr import store
from lethe.dsr.models import Export, Request
from lethe.vault.policy import Role

router = Router(tags=["data-subject requests"])


class ExportOut(Schema):
    id: str
    kind: str
    filename: str
    content_type: str
    size: int
    created_at: datetime.datetime
    expires_at: datetime.datetime
    downloads: int
    available: bool
    url: str


class MessageOut(Schema):
    detail: str


class ReauthOut(Schema):
    """403: the roles do not allow this, or a browser session must confirm its password
    first (at the `reauthenticate` address)."""

    detail: str
    reauthenticate: str = ""
    message: str = ""


def _not_found(field: str, message: str) -> Status:
    return Status(404, {"detail": f"invalid input: {field}", "errors": {field: [message]}})


def export_out(export: Export) -> dict:
    """Return an export as the API and pages show it (no personal data: ids and sizes)."""
    return {
        "id": str(export.id),
        "kind": export.kind,
        "filename": export.filename,
        "content_type": export.content_type,
        "size": export.size,
        "created_at": export.created_at,
        "expires_at": export.expires_at,
        "downloads": export.downloads,
        "available": export.available(),
        "url": reverse("api:dsr_export_download", kwargs={"export_id": export.id}),
    }


@router.get(
    "/{request_id}/exports",
    response={200: list[ExportOut], 404: ErrorOut},
    auth=RoleAuth(Role.DPO),
    summary="List the exports of a request",
)
def dsr_exports(request, request_id: int):
    """Every file made for the request, newest first, with whether it can still be fetched."""
    found = Request.objects.filter(pk=request_id).first()
    if found is None:
        return _not_found("request_id", f"no request {request_id}")
    return Status(200, [export_out(e) for e in found.exports.all()])


GONE = Status(410, {"detail": "this export has expired or was purged; make a new one"})


@router.get(
    "/exports/{export_id}",
    response={200: None, 403: ReauthOut, 404: ErrorOut, 410: MessageOut},
    auth=RoleAuth(Role.DPO),
    summary="Download an export",
)
def dsr_export_download(request, export_id: UUID):
    """The file as a download (never shown inline or cached), read in the request's case
    and audited. A browser session must have confirmed its password within minutes."""
    export = Export.objects.select_related("request", "record_key").filter(pk=export_id).first()
    if export is None:
        return _not_found("export_id", f"no export {export_id}")
    refusal = reauth.api_refusal(request)
    if refusal is not None:
        return refusal
    actor = actor_for(request.auth, case=export.request.case, request=request)
    try:
        data = store.open_export(actor, export, channel="api")
    except store.ExportGone:
        return GONE
    return file_response(Opened(export.filename, export.content_type, data))
