"""API for legal holds: the contract records that finance keeps under a legal obligation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.core.api_errors import ErrorOut, field_error
from lethe.holds import actions, queries
from lethe.vault import gate
from lethe.vault.policy import Role

# Only finance reads holds (the purpose legal_obligation); a DPO reads a person's
# holds inside a request's case, through the request register.
READERS = (Role.FINANCE,)

router = Router(tags=["legal holds"])


class HoldOut(Schema):
    id: int
    subject: str
    kind: str
    legal_basis: str
    record_kind: str
    record_id: int
    title: str
    amount: Decimal
    currency: str
    closed_on: datetime.date
    starts_on: datetime.date
    ends_on: datetime.date
    released_at: datetime.datetime | None
    person: dict[str, Any]


class HoldPage(Schema):
    count: int
    page: int
    pages: int
    results: list[HoldOut]


def _value(value):
    if isinstance(value, gate.Masked):
        return {"masked": True, "category": str(value.category)}
    if isinstance(value, gate.Erased):
        return {"erased": True}
    return value


def _out(record: actions.ContractRecord) -> dict:
    hold = record.hold
    return {
        "id": hold.pk,
        "subject": str(hold.subject_id),
        "kind": hold.kind,
        "legal_basis": hold.legal_basis,
        "record_kind": hold.record_kind,
        "record_id": hold.record_id,
        "title": hold.title,
        "amount": hold.amount,
        "currency": hold.currency,
        "closed_on": hold.closed_on,
        "starts_on": hold.starts_on,
        "ends_on": hold.ends_on,
        "released_at": hold.released_at,
        "person": {name: _value(v) for name, v in record.person.items()},
    }


@router.get(
    "",
    response={200: HoldPage, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="List contract records under legal hold",
)
def list_holds(request, state: str = "active", page: int = 1):
    """Contract records kept under a legal obligation, with the person's name and e-mail.

    `state`: active (default), released or all. Released holds show the person as erased.
    """
    try:
        holds = queries.listed(state)
    except ValueError as exc:
        return field_error("state", str(exc))
    paginator = Paginator(holds, queries.PAGE_SIZE)
    current = paginator.get_page(page)
    actor = actor_for(request.auth, request=request)
    records = actions.contract_records(actor, list(current))
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "results": [_out(r) for r in records],
        },
    )
