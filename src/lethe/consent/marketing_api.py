"""API of marketing lists: /api/v1/marketing/lists. Members show only while eligible."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.consent import lists
from lethe.consent.models import MarketingList
from lethe.contacts.api import DeniedOut
from lethe.contacts.models import Contact
from lethe.core.api_errors import ErrorOut, field_error
from lethe.vault import gate
from lethe.vault.policy import Role

MARKETING = (Role.MARKETING,)
MEMBER_EDITORS = (Role.MARKETING, Role.SALES)
PAGE_SIZE = 100

router = Router(tags=["marketing"])


class MarketingListIn(Schema):
    name: Any = None


class ListMemberIn(Schema):
    contact: Any = None


class MarketingListOut(Schema):
    id: int
    name: str
    purpose: str
    created_at: datetime.datetime
    members: int


class ListMemberOut(Schema):
    contact: int
    subject: str
    first_name: Any
    last_name: Any
    email: Any


class MarketingListDetailOut(MarketingListOut):
    eligible: int
    excluded: int
    page: int
    pages: int
    results: list[ListMemberOut]


def list_out(marketing_list: MarketingList, members: int | None = None) -> dict:
    return {
        "id": marketing_list.pk,
        "name": marketing_list.name,
        "purpose": marketing_list.purpose,
        "created_at": marketing_list.created_at,
        "members": marketing_list.members.count() if members is None else members,
    }


def _value(value):
    if isinstance(value, gate.Masked):
        return {"masked": True, "category": str(value.category)}
    if isinstance(value, gate.Erased):
        return {"erased": True}
    return value


@router.get(
    "/lists",
    response=list[MarketingListOut],
    auth=RoleAuth(*MEMBER_EDITORS),
    summary="Marketing lists",
)
def list_lists(request):
    """The lists, with how many contacts each holds (eligible or not)."""
    return [list_out(m) for m in MarketingList.objects.all()]


@router.post(
    "/lists",
    response={201: MarketingListOut, 400: ErrorOut},
    auth=RoleAuth(*MARKETING),
    summary="Create a marketing list",
)
def create_list(request, payload: MarketingListIn):
    actor = actor_for(request.auth, request=request)
    try:
        created = lists.create_list(actor, payload.name, request.auth)
    except lists.ListError as exc:
        return field_error(exc.field, exc.message)
    return Status(201, list_out(created, 0))


@router.get(
    "/lists/{list_id}",
    response=MarketingListDetailOut,
    auth=RoleAuth(*MARKETING),
    summary="A marketing list and its eligible members",
)
def read_list(request, list_id: int, page: int = 1):
    """Only members with an active consent for direct marketing (or, under legitimate
    interest, no objection), not suppressed, restricted or objected, with name and e-mail;
    the others only as the `excluded` count."""
    actor = actor_for(request.auth, request=request)
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    found = lists.members(marketing_list)
    paginator = Paginator(found.contacts, PAGE_SIZE)
    current = paginator.get_page(page)
    results = [
        {
            "contact": row["contact"].pk,
            "subject": str(row["contact"].subject_id),
            "first_name": _value(row["first_name"]),
            "last_name": _value(row["last_name"]),
            "email": _value(row["email"]),
        }
        for row in lists.rows(actor, list(current))
    ]
    return {
        **list_out(marketing_list, len(found.contacts) + found.excluded),
        "eligible": len(found.contacts),
        "excluded": found.excluded,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": results,
    }


@router.get(
    "/lists/{list_id}/export.csv",
    response={200: None},
    auth=RoleAuth(*MARKETING),
    summary="Export a marketing list as CSV",
)
def export_list(request, list_id: int):
    """The eligible members' names and e-mail addresses with each one's withdrawal link
    (to put in every e-mail sent), in cells a spreadsheet keeps as text. Audited."""
    refusal = reauth.api_refusal(request)
    if refusal is not None:
        return refusal
    actor = actor_for(request.auth, request=request)
    marketing_list = get_object_or_404(MarketingList, pk=list_id)

    def link(token: str) -> str:
        return request.build_absolute_uri(reverse("consent:withdraw-link", args=[token]))

    text = lists.export_csv(actor, marketing_list, link)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lethe-list-{marketing_list.pk}.csv"'
    return response


@router.delete(
    "/lists/{list_id}",
    response={204: None},
    auth=RoleAuth(*MARKETING),
    summary="Delete a marketing list",
)
def delete_list(request, list_id: int):
    actor = actor_for(request.auth, request=request)
    lists.delete_list(actor, get_object_or_404(MarketingList, pk=list_id))
    return Status(204, None)


@router.post(
    "/lists/{list_id}/members",
    response={201: MarketingListOut, 200: MarketingListOut, 400: ErrorOut, 403: DeniedOut},
    auth=RoleAuth(*MEMBER_EDITORS),
    summary="Put a contact on a marketing list",
)
def add_member(request, list_id: int, payload: ListMemberIn):
    """`contact`: the contact's id. Sales may add contacts they or their team own. The
    contact shows on the list only while eligible. 201 when added, 200 when already on it."""
    actor = actor_for(request.auth, request=request)
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    if isinstance(payload.contact, bool) or not isinstance(payload.contact, int):
        return field_error("contact", "give the id of a contact (an integer)")
    contact = Contact.objects.filter(pk=payload.contact).first()
    if contact is None:
        return field_error("contact", "no such contact")
    if not lists.may_change_member(actor, contact):
        return Status(403, {"detail": "you may add only contacts you or your team own"})
    created = lists.add_member(actor, marketing_list, contact)
    return Status(201 if created else 200, list_out(marketing_list))


@router.delete(
    "/lists/{list_id}/members/{contact_id}",
    response={204: None, 403: DeniedOut},
    auth=RoleAuth(*MEMBER_EDITORS),
    summary="Take a contact off a marketing list",
)
def remove_member(request, list_id: int, contact_id: int):
    actor = actor_for(request.auth, request=request)
    marketing_list = get_object_or_404(MarketingList, pk=list_id)
    contact = get_object_or_404(Contact, pk=contact_id)
    if not lists.may_change_member(actor, contact):
        return Status(403, {"detail": "you may change only contacts you or your team own"})
    lists.remove_member(actor, marketing_list, contact)
    return Status(204, None)
