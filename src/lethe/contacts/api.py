"""API for contacts: personal fields come from the gate, masked where the role may not read."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.contacts import actions, deletion, duplicates, export, merge, queries
from lethe.contacts.forms import ContactForm
from lethe.contacts.models import PERSONAL_FIELDS, Contact
from lethe.core.api_errors import DuplicatesOut, ErrorOut, form_errors
from lethe.core.history_api import HistoryOut, business_changes
from lethe.customfields import values as customfields
from lethe.vault import gate
from lethe.vault.errors import AccessDenied, InvalidField, SubjectRestricted
from lethe.vault.models import Subject
from lethe.vault.policy import Purpose, Role, default_purpose

READERS = (Role.SALES, Role.SUPPORT, Role.MARKETING, Role.FINANCE, Role.DPO)
WRITERS = (Role.SALES, Role.SUPPORT)
LIST_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")
PAGE_SIZE = 50

router = Router(tags=["contacts"])


class ContactIn(Schema):
    first_name: Any = None
    last_name: Any = None
    email: Any = None
    phone: Any = None
    address: Any = None
    identity_number: Any = None
    birth_date: Any = None
    job_title: Any = None
    notes: Any = None
    company: int | None = None
    owner: int | None = None
    stage: str | None = None
    tags: list[str] | None = None
    source: str | None = None
    obtained_at: datetime.date | None = None
    custom: dict[str, Any] | None = None
    allow_duplicate: bool = False


class ContactOut(Schema):
    id: int
    subject: str
    company: int | None
    owner: int | None
    stage: str
    tags: list[str]
    source: str
    obtained_at: datetime.date
    archived: bool
    restricted: bool
    fields: dict[str, Any]
    custom: dict[str, Any]


class ContactPage(Schema):
    count: int
    page: int
    pages: int
    purpose: str
    results: list[ContactOut]


class DeniedOut(Schema):
    detail: str


def _value(value):
    """Return a value as JSON: masked and erased values say so, never look empty."""
    if isinstance(value, gate.Masked):
        return {"masked": True, "category": str(value.category)}
    if isinstance(value, gate.Erased):
        return {"erased": True}
    return value


def _out(contact: Contact, values: dict, custom: dict | None = None) -> dict:
    """Return a contact as JSON; `custom` holds its non-personal custom values."""
    if custom is None:
        custom = customfields.read("contact", [contact.pk])[contact.pk]
    prefix = customfields.PREFIX
    return {
        "id": contact.pk,
        "subject": str(contact.subject_id),
        "company": contact.company_id,
        "owner": contact.owner_id,
        "stage": contact.stage,
        "tags": [t.name for t in contact.tags.all()],
        "source": contact.source,
        "obtained_at": contact.obtained_at,
        "archived": contact.archived_at is not None,
        "restricted": contact.subject.status == Subject.Status.RESTRICTED,
        "fields": {name: _value(v) for name, v in values.items() if not name.startswith(prefix)},
        "custom": {
            **custom,
            **{n[len(prefix) :]: _value(v) for n, v in values.items() if n.startswith(prefix)},
        },
    }


def _names(base: tuple[str, ...]) -> list[str]:
    """The personal fields to read: `base` and the contacts' personal custom fields."""
    return [*base, *customfields.personal_names("contact")]


def _split(payload: ContactIn) -> tuple[dict, dict]:
    given = payload.dict(exclude_unset=True)
    given.pop("custom", None)
    given.pop("allow_duplicate", None)
    personal = {k: v for k, v in given.items() if k in PERSONAL_FIELDS}
    business = {k: v for k, v in given.items() if k not in PERSONAL_FIELDS}
    return personal, business


def _business_form(business: dict, contact: Contact | None = None) -> ContactForm:
    data = {"stage": Contact.Stage.LEAD, "source": Contact.Source.FROM_PERSON}
    if contact is not None:
        data = {f: getattr(contact, f) for f in ("stage", "source", "obtained_at")}
        data.update(
            company=contact.company_id,
            owner=contact.owner_id,
            tags=", ".join(t.name for t in contact.tags.all()),
        )
    for name, value in business.items():
        data[name] = ", ".join(value or []) if name == "tags" else value
    instance = Contact.objects.get(pk=contact.pk) if contact else None
    return ContactForm(data, instance=instance)


def duplicates_out(found: list[duplicates.Duplicate]) -> dict:
    """Return the 409 body: which records match on which field, never a value."""
    return {
        "detail": "a contact with the same identifier exists; "
        'send "allow_duplicate": true to create this one anyway',
        "duplicates": [d.as_dict() for d in found],
    }


def _field_error(field: str, message: str) -> Status:
    return Status(400, {"detail": f"invalid input: {field}", "errors": {field: [message]}})


def restricted_out(exc: SubjectRestricted, fields=()) -> Status:
    """Return the 409 for a write to a restricted person's data, naming each field."""
    names = [*exc.fields] or list(fields) or ["contact"]
    names = [
        "custom." + n[len(customfields.PREFIX) :] if n.startswith(customfields.PREFIX) else n
        for n in names
    ]
    return Status(409, {"detail": str(exc), "errors": {n: [str(exc)] for n in names}})


@router.get(
    "",
    response={200: ContactPage, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="List and search contacts",
)
def list_contacts(
    request,
    q: str = "",
    owner: int | None = None,
    stage: str = "",
    company: int | None = None,
    tag: str = "",
    archived: bool = False,
    sort: str = "",
    purpose: str = "",
    page: int = 1,
):
    """Contacts; q searches names (prefixes), e-mail, phone or identity number.

    `sort`: -created (newest first, the default), created, -updated, updated, stage or
    company (names are sealed, so the list does not sort by them).
    """
    actor = actor_for(request.auth, request=request)
    found = _filtered(actor, purpose, q, owner, stage, company, tag, archived, sort)
    if isinstance(found, Status):
        return found
    contacts, purpose = found
    paginator = Paginator(contacts.select_related("subject").prefetch_related("tags"), PAGE_SIZE)
    current = paginator.get_page(page)
    rows = list(current)
    values = gate.read(actor, [c.subject_id for c in rows], purpose, names=_names(LIST_FIELDS))
    custom = customfields.read("contact", [c.pk for c in rows])
    return Status(
        200,
        {
            "count": paginator.count,
            "page": current.number,
            "pages": paginator.num_pages,
            "purpose": str(purpose),
            "results": [_out(c, values[c.subject_id], custom[c.pk]) for c in rows],
        },
    )


def _filtered(actor, purpose, q, owner, stage, company, tag, archived, sort=""):
    """Return (contacts, purpose) for the list filters, or a 400 naming the bad one."""
    try:
        return queries.filtered(actor, purpose, q, owner, stage, company, tag, archived, sort)
    except queries.FilterError as exc:
        return _field_error(exc.field, exc.message)


@router.get(
    "/export.csv",
    response={200: None, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="Export contacts as CSV",
)
def export_contacts(
    request,
    q: str = "",
    owner: int | None = None,
    stage: str = "",
    company: int | None = None,
    tag: str = "",
    archived: bool = False,
    sort: str = "",
    purpose: str = "",
    recipient: int | None = None,
):
    """The filtered contacts as CSV with what the role may read; masked cells say so.

    People whose processing is restricted (Art. 18) are left out. `recipient` (the id of a
    recipient in the register, /api/v1/dsr/recipients) marks the file as going to that
    third party: the export is logged as a disclosure of the people in it (Art. 19)."""
    refusal = reauth.api_refusal(request)
    if refusal is not None:  # a session must have re-authenticated; a bearer token need not
        return refusal
    actor = actor_for(request.auth, request=request)
    found = _filtered(actor, purpose, q, owner, stage, company, tag, archived, sort)
    if isinstance(found, Status):
        return found
    contacts, purpose = found
    to = None
    if recipient is not None:
        from lethe.dsr.models import Recipient

        to = Recipient.objects.filter(pk=recipient).first()
        if to is None:
            return _field_error("recipient", "no such recipient")
    text = export.contacts_csv(actor, purpose, contacts, recipient=to)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lethe-contacts.csv"'
    return response


@router.get(
    "/{contact_id}",
    response={200: ContactOut, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="Read a contact",
)
def read_contact(request, contact_id: int, purpose: str = ""):
    actor = actor_for(request.auth, request=request)
    try:
        purpose = Purpose(purpose) if purpose else default_purpose(actor)
    except ValueError:
        return _field_error("purpose", "not a known purpose")
    contact = get_object_or_404(Contact, pk=contact_id)
    values = gate.read(actor, [contact.subject_id], purpose, names=_names(PERSONAL_FIELDS))
    return Status(200, _out(contact, values[contact.subject_id]))


@router.get(
    "/{contact_id}/history",
    response={200: HistoryOut, 400: ErrorOut},
    auth=RoleAuth(*READERS),
    summary="Who changed which field when",
)
def contact_history(request, contact_id: int, purpose: str = ""):
    """Business-field changes with old and new values; personal-field changes with the old
    value as the role may read it (the vault keeps it sealed under the person's key)."""
    actor = actor_for(request.auth, request=request)
    try:
        purpose = Purpose(purpose) if purpose else default_purpose(actor)
    except ValueError:
        return _field_error("purpose", "not a known purpose")
    contact = get_object_or_404(Contact, pk=contact_id)
    personal = [
        {
            "field": old.field,
            "changed_at": old.replaced_at,
            "changed_by": old.replaced_by,
            "personal": True,
            "old": _value(old.value),
            "new": None,
        }
        for old in gate.history(actor, contact.subject_id, purpose)
    ]
    rows = sorted(
        [*personal, *business_changes("contact", contact.pk)],
        key=lambda row: row["changed_at"],
        reverse=True,
    )
    return Status(200, {"results": rows})


def _write(request, payload: ContactIn, contact: Contact | None):
    actor = actor_for(request.auth, request=request)
    purpose = default_purpose(actor)
    personal, business = _split(payload)
    form = _business_form(business, contact)
    if not form.is_valid():
        return form_errors(form)
    data = {k: v for k, v in form.cleaned_data.items() if contact is None or k in business}
    try:
        data["custom"], personal_custom = customfields.clean("contact", payload.custom)
    except customfields.CustomFieldError as exc:
        return _field_error(exc.field, exc.message)
    personal.update(personal_custom)
    try:
        if contact is None:
            if not personal:
                return _field_error("last_name", "give at least the person's name")
            found = (
                [] if payload.allow_duplicate else duplicates.find(actor, personal, purpose=purpose)
            )
            if found:
                return Status(409, duplicates_out(found))
            contact = actions.create_contact(actor, purpose, personal, data, owner=request.auth)
            status = 201
        else:
            actions.update_contact(actor, purpose, contact, personal, data)
            status = 200
    except InvalidField as exc:
        field = exc.field
        if field.startswith(customfields.PREFIX):
            field = "custom." + field[len(customfields.PREFIX) :]
        return _field_error(field, exc.message)
    except SubjectRestricted as exc:
        return restricted_out(exc, personal)
    except AccessDenied:
        return Status(403, {"detail": "your roles may not write these personal fields"})
    values = gate.read(actor, [contact.subject_id], purpose, names=_names(PERSONAL_FIELDS))
    return Status(status, _out(contact, values[contact.subject_id]))


@router.post(
    "",
    response={201: ContactOut, 400: ErrorOut, 403: DeniedOut, 409: DuplicatesOut},
    auth=RoleAuth(*WRITERS),
    summary="Create a contact",
)
def create_contact(request, payload: ContactIn):
    """Create a contact; personal fields go to the vault, the creator owns it by default.

    A contact whose e-mail, phone or identity number another contact has is refused
    with 409 and the ids of those contacts, unless `allow_duplicate` is true.
    """
    return _write(request, payload, None)


@router.patch(
    "/{contact_id}",
    response={200: ContactOut, 400: ErrorOut, 403: DeniedOut, 409: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Update a contact",
)
def update_contact(request, contact_id: int, payload: ContactIn):
    """Change the given fields; null removes a personal field.

    The personal data of a person whose processing is restricted (Art. 18) is read-only:
    409 naming the fields."""
    return _write(request, payload, get_object_or_404(Contact, pk=contact_id))


@router.post(
    "/{contact_id}/archive",
    response=ContactOut,
    auth=RoleAuth(*WRITERS),
    summary="Archive a contact",
)
def archive_contact(request, contact_id: int):
    actor = actor_for(request.auth, request=request)
    contact = actions.archive_contact(actor, get_object_or_404(Contact, pk=contact_id))
    values = gate.read(actor, [contact.subject_id], default_purpose(actor), names=LIST_FIELDS)
    return _out(contact, values[contact.subject_id])


@router.post(
    "/{contact_id}/restore",
    response=ContactOut,
    auth=RoleAuth(*WRITERS),
    summary="Restore an archived contact",
)
def restore_contact(request, contact_id: int):
    actor = actor_for(request.auth, request=request)
    contact = actions.restore_contact(actor, get_object_or_404(Contact, pk=contact_id))
    values = gate.read(actor, [contact.subject_id], default_purpose(actor), names=LIST_FIELDS)
    return _out(contact, values[contact.subject_id])


@router.delete(
    "/{contact_id}",
    response={204: None, 403: DeniedOut, 409: ErrorOut},
    auth=RoleAuth(*WRITERS),
    summary="Delete a contact and erase the person's data",
)
def delete_contact(request, contact_id: int):
    """Delete the contact with its activities, files and history, and shred the person's
    key, so every sealed copy of their data becomes unreadable. Deals stay."""
    actor = actor_for(request.auth, request=request)
    contact = get_object_or_404(Contact, pk=contact_id)
    if deletion.may_delete(actor, default_purpose(actor), contact):
        refusal = reauth.api_refusal(request)  # a session must have re-authenticated
        if refusal is not None:
            return refusal
    try:
        deletion.delete_contact(actor, default_purpose(actor), contact)
    except SubjectRestricted as exc:
        return restricted_out(exc)
    except AccessDenied as exc:
        return Status(403, {"detail": str(exc)})
    return Status(204, None)


class MergeIn(Schema):
    model_config = ConfigDict(populate_by_name=True)

    # Untyped on purpose: a wrong type is answered with a 400 naming the field.
    from_: Any = Field(
        None, alias="from", description="id of the contact to merge into this one (an integer)"
    )
    fields: Any = Field(
        None,
        description='per single-valued personal field, "this" or "other"; default "this"',
    )


@router.post(
    "/{contact_id}/merge",
    response={200: ContactOut, 400: ErrorOut, 403: DeniedOut},
    auth=RoleAuth(*WRITERS),
    summary="Merge another contact into this one",
)
def merge_contact(request, contact_id: int, payload: MergeIn):
    """Move everything of contact `from` onto this one, then erase `from`'s personal data.

    `fields` picks, per single-valued personal field, whose value to keep ("this" or
    "other"; default "this"); e-mails and phones are united. Deals, past companies,
    tags and the record history move over. Only for a writer who may read both
    contacts' personal data (e.g. who owns both).
    """
    actor = actor_for(request.auth, request=request)
    purpose = default_purpose(actor)
    contact = get_object_or_404(Contact, pk=contact_id)
    if isinstance(payload.from_, bool) or not isinstance(payload.from_, int):
        return _field_error("from", "give the id of the contact to merge into this one")
    other = Contact.objects.filter(pk=payload.from_).first()
    if other is None:
        return _field_error("from", "no such contact")
    try:
        kept = merge.merge_contacts(actor, purpose, contact, other, payload.fields or {})
    except merge.MergeError as exc:
        return _field_error(exc.field, exc.message)
    except InvalidField as exc:
        return _field_error(exc.field, exc.message)
    except AccessDenied:
        return Status(
            403, {"detail": "you may merge only contacts whose personal data you may read"}
        )
    values = gate.read(actor, [kept.subject_id], purpose, names=PERSONAL_FIELDS)
    return Status(200, _out(kept, values[kept.subject_id]))
