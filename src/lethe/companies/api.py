"""API for companies: list (search, filters, pages), read, create, update, archive, delete."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.companies import actions, duplicates, export, orgnr
from lethe.companies.forms import CompanyForm
from lethe.companies.models import Company
from lethe.core.api_errors import DuplicatesOut, ErrorOut, field_error, form_errors
from lethe.core.history_api import HistoryOut, business_changes
from lethe.customfields import values as customfields
from lethe.vault.policy import Role

# Company data is business data: every CRM role may read it; sales and support edit it.
READERS = (Role.SALES, Role.SUPPORT, Role.MARKETING, Role.FINANCE, Role.DPO)
WRITERS = (Role.SALES, Role.SUPPORT)
PAGE_SIZE = 50

router = Router(tags=["companies"])


class CompanyIn(Schema):
    name: str | None = None
    org_number: str | None = None
    domain: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    industry: str | None = None
    size: str | None = None
    owner: int | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None
    allow_duplicate: bool = False


class CompanyOut(Schema):
    id: int
    name: str
    org_number: str
    domain: str
    street: str
    postal_code: str
    city: str
    country: str
    industry: str
    size: str
    owner: int | None
    tags: list[str]
    archived: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    custom: dict[str, Any]


class CompanyPage(Schema):
    count: int
    page: int
    pages: int
    results: list[CompanyOut]


def _out(company: Company, custom: dict | None = None) -> dict:
    if custom is None:
        custom = customfields.read("company", [company.pk])[company.pk]
    return {
        **{
            f: getattr(company, f)
            for f in (
                "id",
                "name",
                "org_number",
                "domain",
                "street",
                "postal_code",
                "city",
                "country",
                "industry",
                "size",
                "created_at",
                "updated_at",
            )
        },
        "owner": company.owner_id,
        "tags": [t.name for t in company.tags.all()],
        "archived": company.archived_at is not None,
        "custom": custom,
    }


def _form(payload: CompanyIn, instance: Company | None = None) -> CompanyForm:
    """Bind the form to the payload, over the current values for a partial update."""
    given = payload.dict(exclude_unset=True)
    given.pop("custom", None)
    given.pop("allow_duplicate", None)
    data = {}
    if instance is not None:
        data = {f: getattr(instance, f) for f in actions.FIELDS if f != "owner"}
        data["owner"] = instance.owner_id
        data["tags"] = ", ".join(t.name for t in instance.tags.all())
    for name, value in given.items():
        if name == "tags":
            value = ", ".join(value or [])
        data[name] = "" if value is None and name != "owner" else value
    return CompanyForm(data, instance=instance)


def _filtered(q: str, owner: int | None, tag: str, archived: bool):
    """Return the companies the list filters select (shared by the list and the export)."""
    companies = Company.objects.filter(archived_at__isnull=not archived)
    if q.strip():
        term = q.strip()
        companies = companies.filter(Q(name__icontains=term) | Q(org_number__startswith=term))
    if owner is not None:
        companies = companies.filter(owner_id=owner)
    if tag:
        companies = companies.filter(tags__name=tag)
    return companies


def _clash(form: CompanyForm, exclude: int | None = None) -> Status | None:
    """Return a 409 when the organisation number is another company's (it is unique)."""
    if not form.has_error("org_number", "duplicate"):
        return None
    found = duplicates.find(orgnr.normalise(form.data["org_number"]), exclude=exclude)
    return Status(
        409,
        {
            "detail": "another company has this organisation number",
            "duplicates": [d.as_dict() for d in found if d.matched_on == "org_number"],
        },
    )


def _saved(write) -> Company | Status:
    """Run a write; a unique organisation number taken meanwhile is a 409, not a 500."""
    try:
        return write()
    except IntegrityError:
        return Status(
            409,
            {"detail": "another company has this organisation number", "duplicates": []},
        )


@router.get("", response=CompanyPage, auth=RoleAuth(*READERS), summary="List companies")
def list_companies(
    request,
    q: str = "",
    owner: int | None = None,
    tag: str = "",
    archived: bool = False,
    page: int = 1,
):
    """Companies by name or organisation number (q), owner and tag; 50 a page."""
    companies = _filtered(q, owner, tag, archived)
    paginator = Paginator(companies.prefetch_related("tags").order_by("name", "id"), PAGE_SIZE)
    current = paginator.get_page(page)
    rows = list(current)
    custom = customfields.read("company", [c.pk for c in rows])
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_out(c, custom[c.pk]) for c in rows],
    }


@router.get(
    "/export.csv", response={200: None}, auth=RoleAuth(*READERS), summary="Export companies as CSV"
)
def export_companies(
    request, q: str = "", owner: int | None = None, tag: str = "", archived: bool = False
):
    """The companies the list filters select, as CSV (formula-safe cells)."""
    refusal = reauth.api_refusal(request)
    if refusal is not None:  # a session must have re-authenticated; a bearer token need not
        return refusal
    text = export.companies_csv(
        actor_for(request.auth, request=request), _filtered(q, owner, tag, archived)
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lethe-companies.csv"'
    return response


@router.get("/{company_id}", response=CompanyOut, auth=RoleAuth(*READERS), summary="Read")
def read_company(request, company_id: int):
    return _out(get_object_or_404(Company, pk=company_id))


@router.post(
    "",
    response={201: CompanyOut, 400: ErrorOut, 409: DuplicatesOut},
    auth=RoleAuth(*WRITERS),
    summary="Create a company",
)
def create_company(request, payload: CompanyIn):
    """Create a company. An organisation number another company has is a 409; so is a
    domain another company has, unless `allow_duplicate` is true."""
    form = _form(payload)
    if not form.is_valid():
        return _clash(form) or form_errors(form)
    try:
        custom, _ = customfields.clean("company", payload.custom)
    except customfields.CustomFieldError as exc:
        return field_error(exc.field, exc.message)
    if not payload.allow_duplicate:
        found = duplicates.find(domain=form.cleaned_data["domain"])
        if found:
            return Status(
                409,
                {
                    "detail": "another company has this domain; "
                    'send "allow_duplicate": true to create this one anyway',
                    "duplicates": [d.as_dict() for d in found],
                },
            )
    actor = actor_for(request.auth, request=request)
    company = _saved(
        lambda: actions.create_company(
            actor, {**form.cleaned_data, "custom": custom}, owner=request.auth
        )
    )
    return company if isinstance(company, Status) else Status(201, _out(company))


@router.patch(
    "/{company_id}",
    response={200: CompanyOut, 400: ErrorOut, 409: DuplicatesOut},
    auth=RoleAuth(*WRITERS),
    summary="Update a company",
)
def update_company(request, company_id: int, payload: CompanyIn):
    company = get_object_or_404(Company, pk=company_id)
    # The form writes cleaned values onto its instance: give it a copy, so the action
    # can tell what changed.
    form = _form(payload, Company.objects.get(pk=company.pk))
    if not form.is_valid():
        return _clash(form, exclude=company.pk) or form_errors(form)
    try:
        custom, _ = customfields.clean("company", payload.custom)
    except customfields.CustomFieldError as exc:
        return field_error(exc.field, exc.message)
    given = set(payload.dict(exclude_unset=True))
    data = {k: v for k, v in form.cleaned_data.items() if k in given}
    data["custom"] = custom
    actor = actor_for(request.auth, request=request)
    saved = _saved(lambda: actions.update_company(actor, company, data))
    return saved if isinstance(saved, Status) else Status(200, _out(company))


@router.get(
    "/{company_id}/history",
    response=HistoryOut,
    auth=RoleAuth(*READERS),
    summary="Who changed which field when",
)
def company_history(request, company_id: int):
    company = get_object_or_404(Company, pk=company_id)
    return {"results": business_changes("company", company.pk)}


@router.post(
    "/{company_id}/archive",
    response=CompanyOut,
    auth=RoleAuth(*WRITERS),
    summary="Archive a company",
)
def archive_company(request, company_id: int):
    company = get_object_or_404(Company, pk=company_id)
    return _out(actions.archive_company(actor_for(request.auth, request=request), company))


@router.post(
    "/{company_id}/restore",
    response=CompanyOut,
    auth=RoleAuth(*WRITERS),
    summary="Restore an archived company",
)
def restore_company(request, company_id: int):
    company = get_object_or_404(Company, pk=company_id)
    return _out(actions.restore_company(actor_for(request.auth, request=request), company))


@router.delete(
    "/{company_id}", response={204: None}, auth=RoleAuth(*WRITERS), summary="Delete a company"
)
def delete_company(request, company_id: int):
    company = get_object_or_404(Company, pk=company_id)
    actions.delete_company(actor_for(request.auth, request=request), company)
    return Status(204, None)
