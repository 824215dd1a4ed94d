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
from lethe.deals.forms import DealForm
from lethe.deals.models import Deal, DealContact, Pipeline
from lethe.vault.policy import Role

READERS = (Role.SALES, Role.SUPPORT, Role.FINANCE, Role.DPO)
WRITERS = (Role.SALES,)
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


@router.get("", response=DealPage, auth=RoleAuth(*READERS), summary="List deals")
def list_deals(
    request,
    pipeline: int | None = None,
    stage: int | None = None,
    owner: int | None = None,
    company: int | None = None,
    archived: bool = False,
    page: int = 1,
):
    """Deals, newest first, by pipeline, stage, owner and company; 50 a page."""
    deals = Deal.objects.filter(archived_at__isnull=not archived)
    for name, value in (
        ("pipeline_id", pipeline),
        ("stage_id", stage),
        ("owner_id", owner),
        ("company_id", company),
    ):
        if value is not None:
            deals = deals.filter(**{name: value})
    paginator = Paginator(_loaded(deals), PAGE_SIZE)
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
