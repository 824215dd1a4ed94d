"""API for attachments, the same four operations for every kind of record.

/api/v1/attachments/{kind}/{object_id} lists (GET) and uploads (POST, multipart,
field `file`); /api/v1/attachments/{kind}/{object_id}/{attachment_id} downloads (GET)
and deletes (DELETE). `kind` is contact, company, deal, or another registered kind.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import reverse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.attachments import actions, filetypes, registry, uploads
from lethe.core.api_errors import ErrorOut
from lethe.vault import gate
from lethe.vault.errors import AccessDenied, SubjectErased
from lethe.vault.policy import Role, default_purpose

# The union of the registered kinds' rules; each record's own rule is checked too.
READERS = (Role.SALES, Role.SUPPORT, Role.MARKETING, Role.FINANCE, Role.DPO)
WRITERS = (Role.SALES, Role.SUPPORT)
PAGE_SIZE = 50

router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: str
    kind: str
    object_id: int
    name: Any
    content_type: str
    size: int
    uploaded_by: int | None
    created_at: datetime.datetime
    url: str


class AttachmentPage(Schema):
    count: int
    page: int
    pages: int
    results: list[AttachmentOut]


class MessageOut(Schema):
    detail: str


def _name(value) -> Any:
    if isinstance(value, gate.Masked):
        return {"masked": True, "category": str(value.category)}
    if isinstance(value, gate.Erased):
        return {"erased": True}
    return value


def _out(row: actions.Listed) -> dict:
    a = row.attachment
    return {
        "id": str(a.id),
        "kind": a.kind,
        "object_id": a.object_id,
        "name": _name(row.name),
        "content_type": a.content_type,
        "size": a.size,
        "uploaded_by": a.uploaded_by_id,
        "created_at": a.created_at,
        "url": reverse(
            "api:download_attachment",
            kwargs={"kind": a.kind, "object_id": a.object_id, "attachment_id": str(a.id)},
        ),
    }


def _error(status: int, field: str, message: str) -> Status:
    return Status(status, {"detail": f"invalid input: {field}", "errors": {field: [message]}})


def _record(request, kind: str, object_id: int):
    """Return (actor, purpose, record) or an error Status naming the field."""
    actor = actor_for(request.auth, request=request)
    try:
        record = registry.resolve(actor, kind, object_id)
    except registry.UnknownRecord as exc:
        return _error(404, exc.field, exc.message)
    return actor, default_purpose(actor), record


DENIED = Status(403, {"detail": "your roles may not do this with these files"})
GONE = Status(410, {"detail": "erased: this file can never be read again"})


@router.get(
    "/{kind}/{object_id}",
    response={200: AttachmentPage, 403: MessageOut, 404: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="List a record's attachments",
)
def list_attachments(request, kind: str, object_id: int, page: int = 1):
    """Newest first, 50 a page; names the role may not read are masked, never dropped."""
    found = _record(request, kind, object_id)
    if isinstance(found, Status):
        return found
    actor, purpose, record = found
    try:
        actions.check_read(actor, record)
    except actions.NotAllowed:
        return DENIED
    paginator = Paginator(actions.of_record(record), PAGE_SIZE)
    current = paginator.get_page(page)
    rows = actions.listed(actor, purpose, record, current)
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "results": [_out(r) for r in rows],
        },
    )


@router.post(
    "/{kind}/{object_id}",
    response={201: AttachmentOut, 400: ErrorOut, 403: MessageOut, 404: ErrorOut, 410: MessageOut},
    auth=RoleAuth(*WRITERS),
    summary="Upload an attachment",
)
def upload_attachment(request, kind: str, object_id: int, file: File[UploadedFile] = None):
    """Multipart upload in the field `file`: checked (size, type read from the bytes and
    agreeing with the name), sealed under the record's or person's key, stored."""
    found = _record(request, kind, object_id)
    if isinstance(found, Status):
        return found
    actor, purpose, record = found
    try:
        data = uploads.read(file, missing="no file was sent (multipart field 'file')")
        attachment = actions.upload(actor, purpose, record, file.name, data, user=request.auth)
    except filetypes.Rejected as exc:
        return _error(400, exc.field, exc.message)
    except (actions.NotAllowed, AccessDenied):
        return DENIED
    except SubjectErased:
        return GONE
    row = actions.Listed(attachment, filetypes.clean_name(file.name))
    return Status(201, _out(row))


@router.get(
    "/{kind}/{object_id}/{attachment_id}",
    response={200: None, 403: MessageOut, 404: ErrorOut, 410: MessageOut},
    auth=RoleAuth(*READERS),
    summary="Download an attachment",
)
def download_attachment(request, kind: str, object_id: int, attachment_id: str):
    """The file as it was uploaded, with its detected type, always as a download."""
    found = _record(request, kind, object_id)
    if isinstance(found, Status):
        return found
    actor, purpose, record = found
    attachment = actions.find(record, attachment_id)
    if attachment is None:
        return _error(404, "attachment_id", f"no attachment {attachment_id} on this {kind}")
    try:
        opened = actions.download(actor, purpose, record, attachment)
    except (actions.NotAllowed, AccessDenied):
        return DENIED
    if isinstance(opened, gate.Erased):
        return GONE
    return file_response(opened)


@router.delete(
    "/{kind}/{object_id}/{attachment_id}",
    response={204: None, 403: MessageOut, 404: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Delete an attachment",
)
def delete_attachment(request, kind: str, object_id: int, attachment_id: str):
    """Delete the file for good: its row, its sealed name and the sealed file."""
    found = _record(request, kind, object_id)
    if isinstance(found, Status):
        return found
    actor, purpose, record = found
    attachment = actions.find(record, attachment_id)
    if attachment is None:
        return _error(404, "attachment_id", f"no attachment {attachment_id} on this {kind}")
    try:
        actions.delete(actor, purpose, record, attachment)
    except actions.NotAllowed:
        return DENIED
    return Status(204, None)


def file_response(opened: actions.Opened) -> HttpResponse:
    """Return the file as a download that no browser renders, sniffs or keeps."""
    response = HttpResponse(opened.data, content_type=opened.content_type)
    response["Content-Disposition"] = filetypes.disposition(opened.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
