"""API for activities: list (filters, pages), read, create, update, complete, archive, delete.

Texts are opened in one batch per page; a text the role may not read is masked
(`{"masked": true, "category": "user.content"}`), an erased one says so.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.activities import actions, display, queries
from lethe.activities.forms import ActivityForm
from lethe.activities.models import Activity
from lethe.contacts.api import READERS, WRITERS, DeniedOut
from lethe.core.api_errors import ErrorOut, form_errors
from lethe.vault import gate
from lethe.vault.errors import AccessDenied, SubjectErased
from lethe.vault.policy import Purpose, default_purpose

PAGE_SIZE = 50

router = Router(tags=["activities"])


class ActivityIn(Schema):
    """Every field is checked by the form, so a wrong type is a 400 naming the field."""

    kind: Any = None
    occurred_at: Any = None
    due_date: Any = None
    contact: Any = None
    company: Any = None
    deal: Any = None
    owner: Any = None
    body: Any = None
    participants: Any = None


class PersonOut(Schema):
    contact: int | None
    subject: str
    name: Any


class ActivityOut(Schema):
    id: int
    kind: str
    occurred_at: datetime.datetime
    due_date: datetime.date | None
    done_at: datetime.datetime | None
    done: bool
    contact: int | None
    company: int | None
    deal: int | None
    owner: int | None
    body: Any
    participants: list[PersonOut]
    mentions: list[PersonOut]
    archived: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ActivityPage(Schema):
    count: int
    page: int
    pages: int
    purpose: str
    results: list[ActivityOut]


def _value(value):
    if isinstance(value, gate.Masked):
        return {"masked": True, "category": str(value.category)}
    if isinstance(value, gate.Erased):
        return {"erased": True}
    return value


def _person(person: display.Person) -> dict:
    return {
        "contact": person.contact_id,
        "subject": str(person.subject_id),
        "name": _value(person.name),
    }


def _out(shown: display.Shown) -> dict:
    a = shown.activity
    return {
        "id": a.pk,
        "kind": a.kind,
        "occurred_at": a.occurred_at,
        "due_date": a.due_date,
        "done_at": a.done_at,
        "done": a.done_at is not None,
        "contact": a.contact_id,
        "company": a.company_id,
        "deal": a.deal_id,
        "owner": a.owner_id,
        "body": _value(shown.body),
        "participants": [_person(p) for p in shown.participants],
        "mentions": [_person(m) for m in shown.mentions],
        "archived": a.archived_at is not None,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _error(field: str, message: str) -> Status:
    return Status(400, {"detail": f"invalid input: {field}", "errors": {field: [message]}})


def _purpose(actor, purpose: str) -> Purpose | Status:
    try:
        return Purpose(purpose) if purpose else default_purpose(actor)
    except ValueError:
        return _error("purpose", "not a known purpose")


def _one(actor, purpose, pk: int) -> dict:
    activity = queries.loaded(Activity.objects.all()).get(pk=pk)
    return _out(display.show(actor, purpose, [activity])[0])


@router.get(
    "",
    response={200: ActivityPage, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="List activities",
)
def list_activities(
    request,
    contact: int | None = None,
    company: int | None = None,
    deal: int | None = None,
    kind: str = "",
    owner: int | None = None,
    open_tasks: bool = False,
    due_before: datetime.date | None = None,
    due_after: datetime.date | None = None,
    archived: bool = False,
    purpose: str = "",
    page: int = 1,
):
    """Activities, newest first; `open_tasks` keeps tasks not done; 50 a page."""
    actor = actor_for(request.auth, request=request)
    purpose = _purpose(actor, purpose)
    if isinstance(purpose, Status):
        return purpose
    if kind and kind not in Activity.Kind.values:
        return _error("kind", f"one of {', '.join(Activity.Kind.values)}")
    activities = queries.filtered(
        contact=contact,
        company=company,
        deal=deal,
        kind=kind,
        owner=owner,
        open_tasks=open_tasks,
        due_before=due_before,
        due_after=due_after,
        archived=archived,
    )
    paginator = Paginator(queries.loaded(activities), PAGE_SIZE)
    current = paginator.get_page(page)
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "purpose": str(purpose),
            "results": [_out(s) for s in display.show(actor, purpose, list(current))],
        },
    )


@router.get(
    "/{activity_id}",
    response={200: ActivityOut, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="Read an activity",
)
def read_activity(request, activity_id: int, purpose: str = ""):
    actor = actor_for(request.auth, request=request)
    purpose = _purpose(actor, purpose)
    if isinstance(purpose, Status):
        return purpose
    get_object_or_404(Activity, pk=activity_id)
    return Status(200, _one(actor, purpose, activity_id))


def _form(payload: ActivityIn, activity: Activity | None) -> tuple[ActivityForm, set]:
    given = payload.dict(exclude_unset=True)
    data: dict = {}
    if activity is not None:
        data = {
            "kind": activity.kind,
            "occurred_at": activity.occurred_at,
            "due_date": activity.due_date,
            "contact": activity.contact_id,
            "company": activity.company_id,
            "deal": activity.deal_id,
            "owner": activity.owner_id,
        }
    data.update(given)
    if activity is not None and "due_date" not in given and data["kind"] != Activity.Kind.TASK:
        data["due_date"] = None  # a task turned into a call loses its due date
    if data.get("participants") is None:
        data.pop("participants", None)
    return ActivityForm(data, creating=activity is None), set(given)


def _misshapen(payload: ActivityIn) -> str | None:
    """Return the first field given a value of a shape its form field would crash on."""
    for name, value in payload.dict(exclude_unset=True).items():
        if name != "participants" and isinstance(value, list | dict):
            return name
        if name in ("occurred_at", "due_date") and not isinstance(value, str | None):
            return name
    return None


def _write(request, payload: ActivityIn, activity: Activity | None):
    actor = actor_for(request.auth, request=request)
    purpose = default_purpose(actor)
    # The form's fields expect one value each; a JSON list or object would crash them.
    if field := _misshapen(payload):
        return _error(field, "give one value: a string for a date, a number for an id")
    form, given = _form(payload, activity)
    if not form.is_valid():
        return form_errors(form)
    data = form.cleaned_data
    try:
        if activity is None:
            activity = actions.create_activity(actor, purpose, data, owner=request.auth)
            status = 201
        else:
            changed = {k: v for k, v in data.items() if k in given}
            actions.update_activity(actor, purpose, activity, changed)
            status = 200
    except actions.ActivityError as exc:
        return _error(exc.field, exc.message)
    except AccessDenied:
        return Status(403, {"detail": "your roles may not write notes about this person"})
    except SubjectErased:
        return _error("contact", "this person was erased: nothing more can be written about them")
    return Status(status, _one(actor, purpose, activity.pk))


@router.post(
    "",
    response={201: ActivityOut, 400: ErrorOut, 403: DeniedOut},
    auth=RoleAuth(*WRITERS),
    summary="Log an activity",
)
def create_activity(request, payload: ActivityIn):
    """Log a call, e-mail, meeting, task or note; the creator owns it by default.

    Mention people in `body` as `@[contact:ID]`; `participants` is a list of contact ids.
    """
    return _write(request, payload, None)


@router.patch(
    "/{activity_id}",
    response={200: ActivityOut, 400: ErrorOut, 403: DeniedOut},
    auth=RoleAuth(*WRITERS),
    summary="Update an activity",
)
def update_activity(request, activity_id: int, payload: ActivityIn):
    """Change the given fields; `body` replaces the text ("" removes it)."""
    activity = get_object_or_404(Activity.objects.select_related("body", "contact"), pk=activity_id)
    return _write(request, payload, activity)


def _simple(request, activity_id: int, action):
    actor = actor_for(request.auth, request=request)
    activity = get_object_or_404(Activity.objects.select_related("contact"), pk=activity_id)
    try:
        action(actor, activity)
    except actions.ActivityError as exc:
        return _error(exc.field, exc.message)
    return Status(200, _one(actor, default_purpose(actor), activity.pk))


@router.post(
    "/{activity_id}/complete",
    response={200: ActivityOut, 400: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Mark a task done",
)
def complete_activity(request, activity_id: int):
    return _simple(request, activity_id, actions.complete_task)


@router.post(
    "/{activity_id}/reopen",
    response={200: ActivityOut, 400: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Reopen a done task",
)
def reopen_activity(request, activity_id: int):
    return _simple(request, activity_id, actions.reopen_task)


@router.post(
    "/{activity_id}/archive",
    response={200: ActivityOut, 400: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Archive an activity",
)
def archive_activity(request, activity_id: int):
    return _simple(request, activity_id, actions.archive_activity)


@router.post(
    "/{activity_id}/restore",
    response={200: ActivityOut, 400: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Restore an archived activity",
)
def restore_activity(request, activity_id: int):
    return _simple(request, activity_id, actions.restore_activity)


@router.delete(
    "/{activity_id}",
    response={204: None, 403: DeniedOut},
    auth=RoleAuth(*WRITERS),
    summary="Delete an activity and destroy its text",
)
def delete_activity(request, activity_id: int):
    actor = actor_for(request.auth, request=request)
    activity = get_object_or_404(Activity.objects.select_related("body", "contact"), pk=activity_id)
    try:
        actions.delete_activity(actor, default_purpose(actor), activity)
    except AccessDenied:
        return Status(403, {"detail": "your roles may not delete notes about this person"})
    return Status(204, None)
