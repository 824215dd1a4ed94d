"""Attachment pages: upload, download and delete from a record's page.

The record pages show the "Attachments" section with one include line and the
context from `section()`. A refused upload is shown again with the error next to
the file field.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.attachments import actions, filetypes, registry, uploads
from lethe.attachments.api import READERS, WRITERS, file_response
from lethe.vault import gate
from lethe.vault.errors import AccessDenied, SubjectErased
from lethe.vault.policy import default_purpose

ACCEPT = ",".join(sorted({f".{e}" for exts in filetypes.ALLOWED.values() for e in exts}))


def section(request, kind: str, object_id: int, *, error: str = "") -> dict:
    """Return the context of the Attachments section of a record's page."""
    actor = actor_for(request.user, request=request)
    record = registry.resolve(actor, kind, object_id)
    purpose = default_purpose(actor)
    readable = record.may_read(actor)
    rows = actions.listed(actor, purpose, record) if readable else []
    return {
        "kind": kind,
        "object_id": object_id,
        "readable": readable,
        "rows": rows,
        "may_write": actions.may_change(actor, purpose, record),
        "error": error,
        "accept": ACCEPT,
        "max_mb": settings.CONFIG.attachment_max_bytes / (1024 * 1024),
        "next": request.get_full_path(),
    }


def _record(request, kind: str, object_id: int):
    actor = actor_for(request.user, request=request)
    try:
        return actor, default_purpose(actor), registry.resolve(actor, kind, object_id)
    except registry.UnknownRecord:
        raise Http404("no such record") from None


def _next(request) -> str:
    """Return the form's `next` if it is a page of this site, else ""."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(request, kind: str, object_id: int) -> HttpResponseRedirect:
    """See the record's page, or a same-site `next`, or home (303: the POST is done)."""
    target = _next(request) or reverse("home")
    name = registry.page(kind)
    if name:
        with contextlib.suppress(NoReverseMatch):
            target = reverse(name, args=[object_id])
    return HttpResponseRedirect(target, status=303)


@require_POST
@roles_required(*WRITERS)
def upload(request, kind: str, object_id: int):
    """Upload a file to the record; a refused one is shown again with the error."""
    actor, purpose, record = _record(request, kind, object_id)
    file = request.FILES.get("file")
    try:
        data = uploads.read(file, missing="choose a file to upload")
        actions.upload(actor, purpose, record, file.name, data, user=request.user)
    except filetypes.Rejected as exc:
        context = section(request, kind, object_id, error=exc.message)
        context["next"] = _next(request)
        return render(request, "attachments/upload.html", {"attachments": context}, status=400)
    except (actions.NotAllowed, AccessDenied):
        return render(request, "attachments/denied.html", status=403)
    except SubjectErased:
        return render(request, "attachments/erased.html", status=410)
    return _back(request, kind, object_id)


@require_GET
@roles_required(*READERS)
def download(request, kind: str, object_id: int, attachment_id):
    """Send the file as a download, after the record's and the person's access checks."""
    actor, purpose, record = _record(request, kind, object_id)
    attachment = actions.find(record, attachment_id)
    if attachment is None:
        raise Http404("no such attachment")
    try:
        opened = actions.download(actor, purpose, record, attachment)
    except (actions.NotAllowed, AccessDenied):
        return render(request, "attachments/denied.html", status=403)
    if isinstance(opened, gate.Erased):
        return render(request, "attachments/erased.html", status=410)
    return file_response(opened)


@require_POST
@roles_required(*WRITERS)
def delete(request, kind: str, object_id: int, attachment_id):
    """Delete one of the record's files."""
    actor, purpose, record = _record(request, kind, object_id)
    attachment = actions.find(record, attachment_id)
    if attachment is None:
        raise Http404("no such attachment")
    try:
        actions.delete(actor, purpose, record, attachment)
    except actions.NotAllowed:
        return render(request, "attachments/denied.html", status=403)
    return _back(request, kind, object_id)
