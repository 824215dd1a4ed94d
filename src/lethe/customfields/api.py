"""API for custom field definitions: everyone who works with records reads them, admins edit."""

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.core.api_errors import ErrorOut, form_errors
from lethe.customfields import actions
from lethe.customfields.forms import CustomFieldChangeForm, CustomFieldForm
from lethe.customfields.models import CustomField
from lethe.vault.policy import Role

READERS = (Role.SALES, Role.SUPPORT, Role.MARKETING, Role.FINANCE, Role.DPO, Role.ADMIN)
ADMINS = (Role.ADMIN,)

router = Router(tags=["custom fields"])


class CustomFieldIn(Schema):
    entity: Any = None
    key: Any = None
    label: Any = None
    type: Any = None
    choices: Any = None
    personal: Any = False
    category: Any = ""
    purpose: Any = ""


class CustomFieldChange(Schema):
    label: Any = None
    choices: Any = None
    position: Any = None


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    type: str
    choices: list[str]
    personal: bool
    category: str
    purpose: str
    position: int
    archived: bool
    created_at: datetime.datetime


def _out(field: CustomField) -> dict:
    return {
        **{
            name: getattr(field, name)
            for name in (
                "id",
                "entity",
                "key",
                "label",
                "type",
                "choices",
                "personal",
                "category",
                "purpose",
                "position",
                "created_at",
            )
        },
        "archived": field.archived_at is not None,
    }


@router.get("", response=list[CustomFieldOut], auth=RoleAuth(*READERS), summary="List fields")
def list_custom_fields(request, entity: str = "", archived: bool = False):
    fields = CustomField.objects.filter(archived_at__isnull=not archived)
    if entity:
        fields = fields.filter(entity=entity)
    return [_out(f) for f in fields]


@router.post(
    "",
    response={201: CustomFieldOut, 400: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Define a custom field",
)
def create_custom_field(request, payload: CustomFieldIn):
    data = payload.dict()
    data["choices"] = data["choices"] or []
    form = CustomFieldForm(data)
    if not form.is_valid():
        return form_errors(form)
    field = actions.create(actor_for(request.auth, request=request), form)
    return Status(201, _out(field))


@router.patch(
    "/{field_id}",
    response={200: CustomFieldOut, 400: ErrorOut},
    auth=RoleAuth(*ADMINS),
    summary="Change a custom field's label, choices or position",
)
def update_custom_field(request, field_id: int, payload: CustomFieldChange):
    field = get_object_or_404(CustomField, pk=field_id)
    data = {"label": field.label, "choices": field.choices, "position": field.position}
    data.update(payload.dict(exclude_unset=True))
    form = CustomFieldChangeForm(data, instance=field)
    if not form.is_valid():
        return form_errors(form)
    return _out(actions.change(actor_for(request.auth, request=request), form))


@router.post(
    "/{field_id}/archive",
    response=CustomFieldOut,
    auth=RoleAuth(*ADMINS),
    summary="Hide a custom field (values kept)",
)
def archive_custom_field(request, field_id: int):
    field = get_object_or_404(CustomField, pk=field_id)
    return _out(actions.archive(actor_for(request.auth, request=request), field, True))


@router.post(
    "/{field_id}/restore",
    response=CustomFieldOut,
    auth=RoleAuth(*ADMINS),
    summary="Show a hidden custom field again",
)
def restore_custom_field(request, field_id: int):
    field = get_object_or_404(CustomField, pk=field_id)
    return _out(actions.archive(actor_for(request.auth, request=request), field, False))


@router.delete(
    "/{field_id}",
    response={204: None},
    auth=RoleAuth(*ADMINS),
    summary="Remove a custom field and all its values",
)
def delete_custom_field(request, field_id: int):
    field = get_object_or_404(CustomField, pk=field_id)
    actions.delete(actor_for(request.auth, request=request), field)
    return Status(204, None)
