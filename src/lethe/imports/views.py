"""The import page: choose a kind, upload a CSV file, map its columns, preview, import.

Stateless by design: the uploaded file holds personal data, so nothing of it is kept
between requests (no temporary file, no session, no database row). One form carries
the file, the mapping and both buttons; every POST reads the file again. With htmx the
result region is swapped in place, so the browser keeps the chosen file; without
JavaScript the page comes back whole and the user chooses the file again.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.contacts.api import WRITERS
from lethe.imports import engine, forms
from lethe.imports.kinds import KINDS
from lethe.imports.upload import MemoryOnlyUpload

OUTCOMES = {"new": "new", "update": "updates a record", "duplicate": "duplicate: skipped"}


@csrf_exempt  # the upload handler must be set before the body is read; CSRF is checked below
@roles_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def import_page(request):
    """Show the import form; on POST build the mapping, preview or import (see module doc)."""
    limit = settings.CONFIG.import_max_bytes
    upload = MemoryOnlyUpload(limit, request)
    request.upload_handlers = [upload]
    return _import_page(request, upload, limit)


@csrf_protect
def _import_page(request, upload: MemoryOnlyUpload, limit: int):
    # htmx is loaded by every page (base.html); the page says what it changes here.
    context = {"htmx": True, "limit": forms.size(limit)}
    if request.method == "GET":
        kind = request.GET.get("kind", "")
        form = forms.ImportForm(
            initial={"kind": kind if kind in KINDS else "contacts"}, limit=limit
        )
        return render(request, "imports/page.html", {**context, "form": form})
    form = forms.ImportForm(request.POST, request.FILES, limit=limit)
    if "file" in upload.too_large:
        form.add_error("file", f"the file is larger than {forms.size(limit)}")
    context["form"] = form
    if not form.is_valid():
        return _respond(request, context, status=400)
    kind = KINDS[form.cleaned_data["kind"]](
        actor_for(request.user, request=request), owner=request.user
    )
    data = form.cleaned_data["file"].read()
    try:
        headers = engine.read_csv(data).headers
    except engine.FileRefused as exc:
        form.add_error("file", exc.message)
        return _respond(request, context, status=400)
    targets = kind.targets()
    withheld = [t for t in kind.automatic if t not in targets]
    context.update(kind=kind, targets=targets, withheld=withheld, mapped_kind=kind.name)
    rows = forms.submitted(request.POST, headers, kind.name)
    action = request.POST.get("action")
    if rows is None or action not in forms.ACTIONS:
        # The first step (or a new file or kind): the table of columns, matched by name.
        context["changed"] = rows is None and "mapped_kind" in request.POST
        context["mapping"] = forms.mapping_rows(headers, engine.automatic_mapping(kind, headers))
        return _respond(request, context)
    context["mapping"] = rows
    if not forms.check(rows, context["targets"]):
        context["mapping_error"] = "check the fields marked below"
        return _respond(request, context, status=400)
    try:
        report = engine.run(
            kind,
            data,
            duplicates=form.cleaned_data["duplicates"],
            dry_run=action == "preview",
            overrides={row.header: row.target for row in rows},
        )
    except engine.FileRefused as exc:
        if exc.field == "file":
            form.add_error("file", exc.message)
        else:
            context["mapping_error"] = exc.message
        return _respond(request, context, status=400)
    columns = [t for t in context["targets"] if t in report.mapping.values()]
    context.update(
        report=report,
        columns=columns,
        preview=[
            (line, OUTCOMES[action], [shown.get(c, "") for c in columns])
            for line, action, shown in report.preview
        ],
        errors_csv=base64.b64encode(engine.error_csv(report.errors).encode()).decode(),
    )
    return _respond(request, context)


def _respond(request, context, status=200):
    """Render the page, or for htmx only the result region (the file input keeps its file)."""
    if request.headers.get("HX-Request") == "true":
        # htmx swaps only 2xx answers; the errors are in the region it swaps in.
        return render(request, "imports/_result.html", {**context, "partial": True})
    return render(request, "imports/page.html", context, status=status)
