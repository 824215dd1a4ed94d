"""The audit log viewer for auditors and DPOs: filters, chain status, CSV export."""

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.audit import log, verify
from lethe.audit.models import Action
from lethe.audit.queries import PAGE_SIZE, EventFilter, to_csv
from lethe.vault.policy import Purpose, Role

VIEWERS = (Role.AUDITOR, Role.DPO)


def _log_access(request, action: Action, form: EventFilter) -> None:
    filters = form.logged_filters()
    with transaction.atomic():
        log.record(
            actor_for(request.user, request=request),
            action,
            record_kind="audit_log",
            purpose=Purpose.ACCOUNTABILITY,
            detail={"filters": filters},
        )


@require_GET
@roles_required(*VIEWERS)
def events(request):
    """List audit events, newest first, filtered; the chain status is always shown."""
    form = EventFilter(request.GET)
    page, status = None, 400
    if form.is_valid():
        status = 200
        page = Paginator(form.events(), PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
        _log_access(request, Action.READ, form)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "status": verify.status(), "query": query.urlencode()},
        status=status,
    )


@require_GET
@roles_required(*VIEWERS)
def export_csv(request):
    """Download the filtered events as CSV (the export itself is audited)."""
    form = EventFilter(request.GET)
    if not form.is_valid():
        return render(
            request,
            "audit/events.html",
            {"form": form, "page": None, "status": verify.status()},
            status=400,
        )
    _log_access(request, Action.EXPORT, form)
    response = HttpResponse(to_csv(form.events()), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="lethe-audit-{stamp}.csv"'
    return response
