"""Privacy console pages for the purposes registry: list, record with its versions,
add and edit (admin, DPO), and the records of processing as CSV, JSON or PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.purposes import actions, ropa
from lethe.purposes import categories as cats
from lethe.purposes.forms import PurposeForm
from lethe.purposes.models import Purpose
from lethe.purposes.registry import organisation
from lethe.vault.policy import Role

READERS = (Role.ADMIN, Role.DPO, Role.AUDITOR)
EDITORS = (Role.ADMIN, Role.DPO)


def may_edit(user) -> bool:
    return bool(user.roles & set(EDITORS))


@require_GET
@roles_required(*READERS)
def purpose_list(request):
    """List the purposes with their legal basis and retention."""
    return render(
        request,
        "purposes/list.html",
        {
            "purposes": Purpose.objects.all(),
            "org": organisation(),
            "may_edit": may_edit(request.user),
            "formats": ropa.FORMATS,
        },
    )


def _shown(value) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def history(purpose: Purpose) -> list[dict]:
    """Return the purpose's versions, newest first, each with what it changed from the last."""
    versions = list(purpose.versions.order_by("number"))
    shown, previous = [], {}
    for version in versions:
        changes = [
            (name, _shown(previous.get(name)), _shown(version.snapshot.get(name)))
            for name in version.changed
            if previous
        ]
        shown.append({"version": version, "changes": changes})
        previous = version.snapshot
    return list(reversed(shown))


@require_GET
@roles_required(*READERS)
def purpose_detail(request, key: str):
    """Show one purpose's record and every version of it."""
    purpose = get_object_or_404(Purpose, key=key)
    return render(
        request,
        "purposes/detail.html",
        {
            "purpose": purpose,
            "record": [
                (label, ropa.shown(name, value))
                for (name, label), value in zip(
                    ropa.FIELDS, ropa.record(purpose).values(), strict=True
                )
            ],
            "history": history(purpose),
            "may_edit": may_edit(request.user),
        },
    )


def _form_page(request, form, purpose=None, status=200):
    return render(
        request,
        "purposes/form.html",
        {"form": form, "purpose": purpose, "labels": cats.LABELS},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(*EDITORS)
def purpose_create(request):
    """Add a purpose."""
    form = PurposeForm(request.POST or None, initial={"in_notice": True})
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, form, status=400)
        actor = actor_for(request.user, request=request)
        purpose = actions.create_purpose(actor, form.cleaned_data)
        messages.success(request, f"Added the purpose {purpose.name}.")
        return redirect("purposes:detail", key=purpose.key)
    return _form_page(request, form)


@require_http_methods(["GET", "POST"])
@roles_required(*EDITORS)
def purpose_edit(request, key: str):
    """Change a purpose; the change is a new version, and the notice follows."""
    purpose = get_object_or_404(Purpose, key=key)
    form = PurposeForm(request.POST or None, instance=purpose)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, form, purpose, status=400)
        saved = actions.change_purpose(
            actor_for(request.user, request=request), purpose, form.cleaned_data
        )
        messages.success(request, f"Saved {saved.name} (version {saved.version}).")
        return redirect("purposes:detail", key=saved.key)
    return _form_page(request, form, purpose)


@require_GET
@roles_required(*READERS)
def ropa_export(request, fmt: str):
    """Download the records of processing (Art. 30) as CSV, JSON or PDF (audited)."""
    if fmt not in ropa.FORMATS:
        raise Http404
    response = HttpResponse(content_type=ropa.CONTENT_TYPES[fmt])
    ropa.export(actor_for(request.user, request=request), fmt, response.write)
    response["Content-Disposition"] = f'attachment; filename="{ropa.filename(fmt)}"'
    return response
