"""API for deals and pipelines: list (filters, pages), read, create, update, archive, delete."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.contacts.models import Contact
from lethe.core.api_errors import ErrorOut, field_error, form_errors
from lethe.core.history_api import HistoryOut, business_changes
from lethe.customfields import values as customfields
from lethe.deals import actions
from lethe.deals.forms import DealForm, PipelineForm, StageForm
from lethe.deals.models import Deal, DealContact, Pipeline, Stage
from lethe.deals.queries import DealFilterForm
from lethe.vault.policy import Role

READERS = (Role.SALES, Role.SUPPORT, Role.FINANCE, Role.DPO)
WRITERS = (Role.SALES,)
ADMINS = (Role.ADMIN,)
PAGE_SIZE = 50

router = Router(tags=["deals"])


class DealContactIn(Schema):
    contact: int
    role: str = DealContact.Role.OTHER


class DealIn(Schema):
    title: str | None = None
    company: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    pipeline: int | None = None
    stage: int | None = None
    expected_close: datetime.date | None = None
    probability: int | None = None
    owner: int | None = None
    lost_reason: str | None = None
    tags: list[str] | None = None
    contacts: list[DealContactIn] | None = None
    custom: dict[str, Any] | None = None


class DealContactOut(Schema):
    contact: int
    role: str


class DealOut(Schema):
    id: int
    title: str
    company: int | None
    amount: Decimal
    currency: str
    pipeline: int
    stage: int
    stage_name: str
    status: str
    expected_close: datetime.date | None
    probability: int
    owner: int | None
    lost_reason: str
    tags: list[str]
    contacts: list[DealContactOut]
    archived: bool
    custom: dict[str, Any]


class DealPage(Schema):
    count: int
    page: int
    pages: int
    results: list[DealOut]


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    kind: str


class PipelineOut(Schema):
    id: int
    name: str
    stages: list[StageOut]


class PipelineIn(Schema):
    name: str | None = None
    position: int | None = None


class StageIn(Schema):
    name: str | None = None
    kind: str | None = None
    probability: int | None = None
    position: int | None = None


def _out(deal: Deal, custom: dict | None = None) -> dict:
    if custom is None:
        custom = customfields.read("deal", [deal.pk])[deal.pk]
    return {
        **{
            f: getattr(deal, f)
            for f in ("id", "title", "amount", "currency", "expected_close", "lost_reason")
        },
        "company": deal.company_id,
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "stage_name": deal.stage.name,
        "status": deal.stage.kind,
        "probability": deal.stage.probability if deal.probability is None else deal.probability,
        "owner": deal.owner_id,
        "tags": [t.name for t in deal.tags.all()],
        "contacts": [
            {"contact": link.contact_id, "role": link.role} for link in deal.dealcontact_set.all()
        ],
        "archived": deal.archived_at is not None,
        "custom": custom,
    }


def _loaded(queryset):
    return queryset.select_related("stage").prefetch_related("tags", "dealcontact_set")


def _form(payload: DealIn, deal: Deal | None = None) -> DealForm:
    given = payload.dict(exclude_unset=True, exclude={"contacts", "custom"})
    data = {}
    if deal is not None:
        data = {
            f: getattr(deal, f)
            for f in ("title", "amount", "currency", "expected_close", "probability", "lost_reason")
        }
        data.update(
            company=deal.company_id,
            pipeline=deal.pipeline_id,
            stage=deal.stage_id,
            owner=deal.owner_id,
            tags=", ".join(t.name for t in deal.tags.all()),
        )
    if deal is not None and {"stage", "pipeline"} & set(given) and "lost_reason" not in given:
        data["lost_reason"] = ""  # a move drops the old reason; a lost stage asks for one
    for name, value in given.items():
        data[name] = ", ".join(value or []) if name == "tags" else value
    return DealForm(data, instance=Deal.objects.get(pk=deal.pk) if deal else None)


def _contact_roles(payload: DealIn) -> dict | Status:
    roles = {}
    for item in payload.contacts or []:
        if item.role not in DealContact.Role.values:
            return Status(
                400,
                {
                    "detail": "invalid input: contacts",
                    "errors": {"contacts": [f"unknown role {item.role!r}"]},
                },
            )
        contact = Contact.objects.filter(pk=item.contact).first()
        if contact is None:
            return Status(
                400,
                {
                    "detail": "invalid input: contacts",
                    "errors": {"contacts": [f"no contact {item.contact}"]},
                },
            )
        roles[contact] = item.role
    return roles


@router.get(
    "/pipelines",
    response=list[PipelineOut],
    auth=RoleAuth(*READERS),
    summary="List pipelines and their stages",
)
def list_pipelines(request):
    return [
        {"id": p.id, "name": p.name, "stages": list(p.stages.all())}
        for p in Pipeline.objects.prefetch_related("stages")
    ]


def _pipeline_out(pipeline: Pipeline) -> dict:
    return {"id": pipeline.pk, "name": pipeline.name, "stages": list(pipeline.stages.all())}


def _refused(exc: actions.PipelineError) -> Status:
    """A rule of the pipeline refused the change: 409, naming what is wrong and why.

    A name taken meanwhile (by a concurrent request) is bad input: 400.
    """
    status, detail = (400, "invalid input") if exc.field == "name" else (409, "refused")
    errors = {exc.field: [exc.message]}
    return Status(status, {"detail": f"{detail}: {exc.message}", "errors": errors})


def _admin_write(request, form, write):
    """Validate `form`, then run `write(actor, cleaned_data)`; errors as 400 or 409."""
    if not form.is_valid():
        return form_errors(form)
    try:
        return write(actor_for(request.auth, request=request), form.cleaned_data)
    except actions.PipelineError as exc:
        return _refused(exc)


@router.post(
    "/pipelines",
    response={201: PipelineOut, 400: ErrorOut, 409: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Create a pipeline (with the stages New, Won and Lost)",
)
def create_pipeline(request, payload: PipelineIn):
    def write(actor, data):
        return Status(201, _pipeline_out(actions.create_pipeline(actor, data)))

    return _admin_write(request, PipelineForm(payload.dict(exclude_unset=True)), write)


@router.patch(
    "/pipelines/{pipeline_id}",
    response={200: PipelineOut, 400: ErrorOut, 409: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Rename a pipeline or move it (position 0 is first)",
)
def update_pipeline(request, pipeline_id: int, payload: PipelineIn):
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)

    def write(actor, data):
        return Status(200, _pipeline_out(actions.update_pipeline(actor, pipeline, data)))

    form = PipelineForm(payload.dict(exclude_unset=True), instance=pipeline)
    return _admin_write(request, form, write)


@router.delete(
    "/pipelines/{pipeline_id}",
    response={204: None, 409: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Delete a pipeline that has no deals",
)
def delete_pipeline(request, pipeline_id: int):
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    try:
        actions.delete_pipeline(actor_for(request.auth, request=request), pipeline)
    except actions.PipelineError as exc:
        return _refused(exc)
    return Status(204, None)


@router.post(
    "/pipelines/{pipeline_id}/stages",
    response={201: StageOut, 400: ErrorOut, 409: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Add a stage to a pipeline (last unless a position is given)",
)
def create_stage(request, pipeline_id: int, payload: StageIn):
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)

    def write(actor, data):
        return Status(201, actions.create_stage(actor, pipeline, data))

    form = StageForm(payload.dict(exclude_unset=True), pipeline=pipeline)
    return _admin_write(request, form, write)


@router.patch(
    "/stages/{stage_id}",
    response={200: StageOut, 400: ErrorOut, 409: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Rename, reorder, or change the kind or probability of a stage",
)
def update_stage(request, stage_id: int, payload: StageIn):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)

    def write(actor, data):
        return Status(200, actions.update_stage(actor, stage, data))

    form = StageForm(payload.dict(exclude_unset=True), pipeline=stage.pipeline, instance=stage)
    return _admin_write(request, form, write)


@router.delete(
    "/stages/{stage_id}",
    response={204: None, 409: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Delete a stage that has no deals (not a pipeline's last open stage)",
)
def delete_stage(request, stage_id: int):
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
    try:
        actions.delete_stage(actor_for(request.auth, request=request), stage)
    except actions.PipelineError as exc:
        return _refused(exc)
    return Status(204, None)


@router.get(
    "", response={200: DealPage, 400: ErrorOut}, auth=RoleAuth(*READERS), summary="List deals"
)
def list_deals(
    request,
    pipeline: int | None = None,
    stage: int | None = None,
    status: str | None = None,
    owner: int | None = None,
    company: int | None = None,
    tag: str | None = None,
    archived: bool = False,
    sort: str | None = None,
    page: int = 1,
):
    """Deals by pipeline, stage, status (open/won/lost), owner, company and tag; 50 a page.

    `sort`: title, amount, expected_close, updated or created, `-` first for descending
    (default: newest first). The web list uses the same filters (lethe.deals.queries).
    """
    given = {
        "pipeline": pipeline,
        "stage": stage,
        "status": status,
        "owner": owner,
        "company": company,
        "tag": tag,
        "archived": archived,
        "sort": sort,
    }
    form = DealFilterForm(
        {k: v for k, v in given.items() if v not in (None, False)}, default_sort="-created"
    )
    if not form.is_valid():
        return form_errors(form)
    paginator = Paginator(_loaded(form.deals()), PAGE_SIZE)
    current = paginator.get_page(page)
    rows = list(current)
    custom = customfields.read("deal", [d.pk for d in rows])
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_out(d, custom[d.pk]) for d in rows],
    }


@router.get("/{deal_id}", response=DealOut, auth=RoleAuth(*READERS), summary="Read a deal")
def read_deal(request, deal_id: int):
    return _out(get_object_or_404(_loaded(Deal.objects.all()), pk=deal_id))


def _save(request, payload: DealIn, deal: Deal | None):
    form = _form(payload, deal)
    if not form.is_valid():
        return form_errors(form)
    roles = _contact_roles(payload)
    if isinstance(roles, Status):
        return roles
    try:
        custom, _ = customfields.clean("deal", payload.custom)
    except customfields.CustomFieldError as exc:
        return field_error(exc.field, exc.message)
    actor = actor_for(request.auth, request=request)
    given = set(payload.dict(exclude_unset=True))
    if deal is None:
        deal = actions.create_deal(
            actor, {**form.cleaned_data, "custom": custom}, owner=request.auth
        )
        status = 201
    else:
        data = {
            k: v for k, v in form.cleaned_data.items() if k in given or k in ("pipeline", "stage")
        }
        data["custom"] = custom
        actions.update_deal(actor, deal, data)
        status = 200
    if payload.contacts is not None:
        actions.set_contacts(actor, deal, roles)
    return Status(status, _out(_loaded(Deal.objects.all()).get(pk=deal.pk)))


@router.post(
    "", response={201: DealOut, 400: ErrorOut}, auth=RoleAuth(*WRITERS), summary="Create a deal"
)
def create_deal(request, payload: DealIn):
    return _save(request, payload, None)


@router.patch(
    "/{deal_id}",
    response={200: DealOut, 400: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Update a deal (move it to another stage, win or lose it)",
)
def update_deal(request, deal_id: int, payload: DealIn):
    return _save(request, payload, get_object_or_404(Deal, pk=deal_id))


@router.post(
    "/{deal_id}/archive", response=DealOut, auth=RoleAuth(*WRITERS), summary="Archive a deal"
)
def archive_deal(request, deal_id: int):
    deal = get_object_or_404(Deal, pk=deal_id)
    actions.archive_deal(actor_for(request.auth, request=request), deal)
    return _out(_loaded(Deal.objects.all()).get(pk=deal.pk))


@router.post(
    "/{deal_id}/restore", response=DealOut, auth=RoleAuth(*WRITERS), summary="Restore a deal"
)
def restore_deal(request, deal_id: int):
    deal = get_object_or_404(Deal, pk=deal_id)
    actions.restore_deal(actor_for(request.auth, request=request), deal)
    return _out(_loaded(Deal.objects.all()).get(pk=deal.pk))


@router.get(
    "/{deal_id}/history",
    response=HistoryOut,
    auth=RoleAuth(*READERS),
    summary="Who changed which field when",
)
def deal_history(request, deal_id: int):
    deal = get_object_or_404(Deal, pk=deal_id)
    return {"results": business_changes("deal", deal.pk)}


@router.delete("/{deal_id}", response={204: None}, auth=RoleAuth(*WRITERS), summary="Delete a deal")
def delete_deal(request, deal_id: int):
    actions.delete_deal(
        actor_for(request.auth, request=request), get_object_or_404(Deal, pk=deal_id)
    )
    return Status(204, None)
