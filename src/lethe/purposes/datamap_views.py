"""Privacy console pages for the data map: the generated map, its exports, and the manual
entries for stores outside Lethe (admin and DPO add and edit them)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.purposes import actions, datamap
from lethe.purposes.forms import ManualEntryForm
from lethe.purposes.models import ManualEntry
from lethe.vault.policy import Role

READERS = (Role.DPO, Role.AUDITOR, Role.ADMIN)
EDITORS = (Role.ADMIN, Role.DPO)


@require_GET
@roles_required(*READERS)
def data_map(request):
    """Show every place personal data is kept, with its gaps and overdue reviews."""
    return render(
        request,
        "purposes/datamap.html",
        {
            "map": datamap.build(),
            "today": timezone.localdate(),
            "may_edit": bool(request.user.roles & set(EDITORS)),
        },
    )


@require_GET
@roles_required(*READERS)
def export(request, fmt: str):
    """Download the data map as CSV or JSON (audited)."""
    if fmt not in datamap.CONTENT_TYPES:
        raise Http404
    data = datamap.export(actor_for(request.user, request=request), fmt)
    response = HttpResponse(data, content_type=datamap.CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="lethe-data-map-{stamp}.{fmt}"'
    return response


def _entry_form(request, form, entry=None, status=200):
    return render(
        request, "purposes/entry_form.html", {"form": form, "entry": entry}, status=status
    )


@require_http_methods(["GET", "POST"])
@roles_required(*EDITORS)
def entry_create(request):
    """Add a store outside Lethe to the data map."""
    form = ManualEntryForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _entry_form(request, form, status=400)
        entry = actions.save_entry(actor_for(request.user, request=request), form)
        messages.success(request, f"Added {entry.name} to the data map.")
        return redirect("datamap:map")
    return _entry_form(request, form)


@require_http_methods(["GET", "POST"])
@roles_required(*EDITORS)
def entry_edit(request, entry_id: int):
    """Change a manual entry (e.g. after its review: set the next review date)."""
    entry = get_object_or_404(ManualEntry, pk=entry_id)
    form = ManualEntryForm(request.POST or None, instance=entry)
    if request.method == "POST":
        if not form.is_valid():
            return _entry_form(request, form, entry, status=400)
        entry = actions.save_entry(actor_for(request.user, request=request), form)
        messages.success(request, f"Saved {entry.name}.")
        return redirect("datamap:map")
    return _entry_form(request, form, entry)


@require_POST
@roles_required(*EDITORS)
def entry_delete(request, entry_id: int):
    """Remove a manual entry (the store no longer exists)."""
    entry = get_object_or_404(ManualEntry, pk=entry_id)
    actions.delete_entry(actor_for(request.user, request=request), entry)
    messages.success(request, f"Removed {entry.name} from the data map.")
    return redirect("datamap:map")
