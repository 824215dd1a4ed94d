"""The DPO's download page for an export: re-authentication first, audited, 410 once gone."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.accounts.reauth import reauth_required
from lethe.attachments.actions import Opened
from lethe.attachments.api import file_response
from lethe.dsr import store
from lethe.dsr.models import Export
from lethe.vault.policy import Role


@require_GET
@roles_required(Role.DPO)
@reauth_required
def download(request, export_id):
    """Send the export as a download, read in its request's case; a gone one is a 410 page."""
    export = Export.objects.select_related("request", "record_key").filter(pk=export_id).first()
    if export is None:
        raise Http404("no such export")
    actor = actor_for(request.user, case=export.request.case, request=request)
    try:
        data = store.open_export(actor, export, channel="console")
    except store.ExportGone:
        return render(request, "dsr/export_gone.html", {"export": export}, status=410)
    return file_response(Opened(export.filename, export.content_type, data))
