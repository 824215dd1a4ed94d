"""API for the purposes registry (auditors, DPOs and admins read; admins and DPOs edit)
and the generated data map."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.core.api_errors import ErrorOut, field_error, form_errors
from lethe.purposes import actions, datamap
from lethe.purposes.actions import RECORD_FIELDS
from lethe.purposes.forms import PurposeForm
from lethe.purposes.models import Purpose
from lethe.vault.policy import Role

READERS = (Role.ADMIN, Role.DPO, Role.AUDITOR)
EDITORS = (Role.ADMIN, Role.DPO)

router = Router(tags=["purposes"])
datamap_router = Router(tags=["data map"])


class PurposeIn(Schema):
    key: Any = None
    name: Any = None
    description: Any = None
    legal_basis: Any = None
    legal_basis_detail: Any = ""
    legitimate_interest: Any = ""
    subject_categories: Any = None
    data_categories: Any = None
    recipients: Any = None
    transfers: Any = ""
    transfer_safeguards: Any = ""
    retention: Any = None
    retention_months: Any = None
    security_measures: Any = None
    joint_controller: Any = ""
    data_source: Any = ""
    provision: Any = None
    in_notice: Any = True
    position: Any = None


class PurposeOut(Schema):
    key: str
    name: str
    description: str
    legal_basis: str
    legal_basis_label: str
    legal_basis_detail: str
    legitimate_interest: str
    subject_categories: list[str]
    data_categories: list[str]
    recipients: list[str]
    transfers: str
    transfer_safeguards: str
    retention: str
    retention_months: int
    security_measures: str
    joint_controller: str
    data_source: str
    provision: str
    in_notice: bool
    position: int
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class VersionOut(Schema):
    number: int
    changed: list[str]
    changed_by: str
    changed_at: datetime.datetime
    snapshot: dict[str, Any]


def _out(purpose: Purpose) -> dict:
    return {
        **{name: getattr(purpose, name) for name in RECORD_FIELDS},
        "legal_basis_label": purpose.basis_label,
        "version": purpose.version,
        "created_at": purpose.created_at,
        "updated_at": purpose.updated_at,
    }


@router.get("", response=list[PurposeOut], auth=RoleAuth(*READERS), summary="List purposes")
def list_purposes(request):
    return [_out(p) for p in Purpose.objects.all()]


@router.post(
    "",
    response={201: PurposeOut, 400: ErrorOut},
    auth=RoleAuth(*EDITORS),
    summary="Add a purpose (version 1)",
)
def create_purpose(request, payload: PurposeIn):
    form = PurposeForm(payload.dict())
    if not form.is_valid():
        return form_errors(form)
    purpose = actions.create_purpose(actor_for(request.auth, request=request), form.cleaned_data)
    return Status(201, _out(purpose))


@router.get("/{key}", response=PurposeOut, auth=RoleAuth(*READERS), summary="Read a purpose")
def read_purpose(request, key: str):
    return _out(get_object_or_404(Purpose, key=key))


@router.patch(
    "/{key}",
    response={200: PurposeOut, 400: ErrorOut},
    auth=RoleAuth(*EDITORS),
    summary="Change a purpose (a new version; the privacy notice follows)",
)
def update_purpose(request, key: str, payload: PurposeIn):
    purpose = get_object_or_404(Purpose, key=key)
    given = payload.dict(exclude_unset=True)
    if "key" in given and given["key"] != purpose.key:
        return field_error("key", "a purpose's key does not change")
    form = PurposeForm({**actions.snapshot(purpose), **given}, instance=purpose)
    if not form.is_valid():
        return form_errors(form)
    changed = actions.change_purpose(
        actor_for(request.auth, request=request), purpose, form.cleaned_data
    )
    return _out(changed)


@router.get(
    "/{key}/versions",
    response=list[VersionOut],
    auth=RoleAuth(*READERS),
    summary="Every version of a purpose, newest first",
)
def purpose_versions(request, key: str):
    purpose = get_object_or_404(Purpose, key=key)
    return list(purpose.versions.order_by("-number"))


@datamap_router.get(
    "",
    response=dict[str, Any],
    auth=RoleAuth(Role.DPO, Role.AUDITOR, Role.ADMIN),
    summary="The data map: every place personal data is kept, and why",
)
def data_map(request):
    return json.loads(datamap.to_json(datamap.build()))
