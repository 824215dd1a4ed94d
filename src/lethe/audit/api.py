"""API for the audit log: events (filtered, paginated), CSV export and chain status."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.audit import verify
from lethe.audit.models import Action
from lethe.audit.queries import PAGE_SIZE, EventFilter, event_row, to_csv
from lethe.audit.views import VIEWERS, _log_access
from lethe.core.api_errors import ErrorOut, form_errors

router = Router(tags=["audit"])


class EventOut(Schema):
    seq: int
    at: str
    actor: str
    action: str
    outcome: str
    subjects: list[str]
    record_kind: str
    record_id: str
    categories: list[str]
    denied_categories: list[str]
    purpose: str
    case_id: str
    request_id: str
    client_addr: str
    detail: dict
    hash: str


class EventPage(Schema):
    count: int
    page: int
    pages: int
    results: list[EventOut]


class StatusOut(Schema):
    events: int
    last_verified_at: str | None
    last_verified_ok: bool | None
    last_problem: str
    last_checkpoint_size: int | None
    last_checkpoint_at: str | None


def _filter(request) -> EventFilter | Status:
    form = EventFilter(request.GET)
    return form if form.is_valid() else form_errors(form)


@router.get(
    "/events",
    response={200: EventPage, 400: ErrorOut},
    auth=RoleAuth(*VIEWERS),
    summary="List audit events",
)
def list_events(
    request,
    actor: str = "",
    subject: str = "",
    action: str = "",
    outcome: str = "",
    record_kind: str = "",
    record_id: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
):
    """Audit events, newest first; filters as in the viewer. Times as YYYY-MM-DD[ HH:MM]."""
    form = _filter(request)
    if isinstance(form, Status):
        return form
    paginator = Paginator(form.events(), PAGE_SIZE)
    current = paginator.get_page(form.cleaned_data.get("page") or 1)
    _log_access(request, Action.READ, form)
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "results": [event_row(e) for e in current],
        },
    )


@router.get(
    "/events.csv",
    response={200: None, 400: ErrorOut},
    auth=RoleAuth(*VIEWERS),
    summary="Export events as CSV",
)
def export_events(
    request,
    actor: str = "",
    subject: str = "",
    action: str = "",
    outcome: str = "",
    record_kind: str = "",
    record_id: str = "",
    since: str = "",
    until: str = "",
):
    """The filtered events as CSV (up to 100,000); the export is audited."""
    form = _filter(request)
    if isinstance(form, Status):
        return form
    _log_access(request, Action.EXPORT, form)
    return HttpResponse(to_csv(form.events()), content_type="text/csv; charset=utf-8")


@router.get("/status", response=StatusOut, auth=RoleAuth(*VIEWERS), summary="Chain status")
def chain_status(request):
    """When the log was last verified (and the result) and the last signed checkpoint."""
    status = verify.status()
    for key in ("last_verified_at", "last_checkpoint_at"):
        status[key] = status[key].isoformat() if status[key] else None
    return status
