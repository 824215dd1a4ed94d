"""Contact forms on the web: create, edit, archive and restore, all through contacts.actions.

Personal fields go through the gate exactly as in the API: the vault cleans them (its
message is shown next to the field), and a field the role may not read is shown
locked and left out of the form, so an edit never overwrites it.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lethe.accounts import reauth
from lethe.accounts.access import roles_required
from lethe.accounts.actions import actor_for
from lethe.contacts import actions, deletion, duplicates
from lethe.contacts.api import WRITERS
from lethe.contacts.forms import (
    ADDRESS_PARTS,
    FORM_FIELDS,
    PERSONAL_LABELS,
    ContactForm,
    PersonalForm,
)
from lethe.contacts.models import Contact
from lethe.core.redirects import see_other
from lethe.vault import fields, gate
from lethe.vault.errors import AccessDenied, InvalidField, SubjectErased, SubjectRestricted
from lethe.vault.policy import DEFAULT_SCOPE, Decision, default_purpose

MATCHED_ON = {"email": "e-mail", "phone": "phone", "identity_number": "identity number"}


def locked_fields(actor, purpose, contact: Contact | None, values: dict) -> dict:
    """Return {field: Masked or Erased} for the form's fields this actor may not change."""
    if contact is not None:
        return {
            name: value
            for name, value in values.items()
            if isinstance(value, gate.Masked | gate.Erased)
        }
    probe = uuid.uuid4()  # what the role may write for a person not yet in the vault
    allowed = Decision(actor, purpose, DEFAULT_SCOPE, [probe], new_subjects=True).allowed(probe)
    return {
        name: gate.Masked(fields.get(name).category)
        for name in FORM_FIELDS
        if fields.get(name).category not in allowed
    }


def _rows(form: PersonalForm, locked: dict) -> list[dict]:
    rows = []
    for name in FORM_FIELDS:
        if name in locked:
            rows.append({"label": PERSONAL_LABELS[name], "lock": locked[name]})
        elif name == "address":
            rows.extend({"field": form[part]} for part in ADDRESS_PARTS)
        else:
            rows.append({"field": form[name]})
    return rows


def _business_initial(contact: Contact | None, user) -> dict:
    if contact is None:
        return {"owner": user.pk, "stage": Contact.Stage.LEAD, "source": Contact.Source.FROM_PERSON}
    return {"tags": ", ".join(t.name for t in contact.tags.all())}


def _vault_error(form: PersonalForm, exc: InvalidField) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message if field else f"{exc.field}: {exc.message}")


def _names_missing(form: PersonalForm, personal: dict, values: dict) -> bool:
    """Return whether the person would be left without any name (an error on the form)."""
    names = {
        n: personal[n] if n in personal else values.get(n) for n in ("first_name", "last_name")
    }
    if any(names.values()):
        return False
    form.add_error("last_name", "enter the person's first or last name")
    return True


def _save(request, actor, purpose, contact, values, personal_form, business_form):
    """Write the contact; return it, a list of duplicates to warn about, or None on error."""
    business = business_form.cleaned_data
    personal = personal_form.personal()
    try:
        if contact is None:
            personal = {k: v for k, v in personal.items() if v is not None}
            if _names_missing(personal_form, personal, {}):
                return None
            if not request.POST.get("allow_duplicate"):
                found = duplicates.find(actor, personal, purpose=purpose)
                if found:
                    return found
            return actions.create_contact(actor, purpose, personal, business, owner=request.user)
        changed = {k: v for k, v in personal.items() if v != values.get(k)}
        if _names_missing(personal_form, changed, values):
            return None
        return actions.update_contact(actor, purpose, contact, changed, business)
    except InvalidField as exc:
        _vault_error(personal_form, exc)
    except SubjectRestricted as exc:
        for name in exc.fields or [None]:
            field = name if name in personal_form.fields else None
            personal_form.add_error(field, str(exc).capitalize())
    except AccessDenied:
        personal_form.add_error(None, "your roles may not write these personal fields")
    except SubjectErased:
        personal_form.add_error(None, "this person's data is erased and cannot be changed")
    return None


def _edit(request, contact: Contact | None):
    actor = actor_for(request.user, request=request)
    purpose = default_purpose(actor)
    values = {}
    if contact is not None:
        values = gate.read(actor, [contact.subject_id], purpose, names=FORM_FIELDS)
        values = values[contact.subject_id]
    locked = locked_fields(actor, purpose, contact, values)
    # The form writes cleaned values onto its instance: give it a copy, so the action
    # can tell what changed.
    instance = Contact.objects.get(pk=contact.pk) if contact else None
    found, status = [], 200
    if request.method == "POST":
        personal_form = PersonalForm(request.POST, locked=locked)
        business_form = ContactForm(request.POST, instance=instance)
        # Validate both, so that every error shows at once.
        if all([personal_form.is_valid(), business_form.is_valid()]):
            result = _save(request, actor, purpose, contact, values, personal_form, business_form)
            if isinstance(result, Contact):
                return see_other("contacts:detail", result.pk)
            found = result or []
        status = 409 if found else 400
    else:
        personal_form = PersonalForm(initial=PersonalForm.initial_from(values), locked=locked)
        business_form = ContactForm(
            instance=instance, initial=_business_initial(contact, request.user)
        )
    return render(
        request,
        "contacts/form.html",
        {
            "contact": contact,
            "rows": _rows(personal_form, locked),
            "personal_form": personal_form,
            "business_form": business_form,
            "duplicates": [(d, MATCHED_ON[d.matched_on]) for d in found],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def contact_create(request):
    """Show and handle the form for a new contact; warn about contacts it duplicates."""
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@roles_required(*WRITERS)
def contact_edit(request, contact_id: int):
    """Show and handle the form for a contact; locked fields stay as they are."""
    contact = get_object_or_404(Contact.objects.prefetch_related("tags"), pk=contact_id)
    return _edit(request, contact)


@require_POST
@roles_required(*WRITERS)
def contact_archive(request, contact_id: int):
    """Archive a contact (reversible), then show it."""
    contact = get_object_or_404(Contact, pk=contact_id)
    actions.archive_contact(actor_for(request.user, request=request), contact)
    return see_other("contacts:detail", contact.pk)


@require_POST
@roles_required(*WRITERS)
def contact_restore(request, contact_id: int):
    """Bring an archived contact back, then show it."""
    contact = get_object_or_404(Contact, pk=contact_id)
    actions.restore_contact(actor_for(request.user, request=request), contact)
    return see_other("contacts:detail", contact.pk)


@require_POST
@roles_required(*WRITERS)
def contact_delete(request, contact_id: int):
    """Delete a contact and erase the person, after the user typed DELETE to confirm."""
    contact = get_object_or_404(Contact, pk=contact_id)
    if request.POST.get("confirm", "").strip().upper() != "DELETE":
        messages.error(request, "Type DELETE to confirm: the person's data cannot be brought back.")
        return see_other("contacts:detail", contact.pk)
    actor = actor_for(request.user, request=request)
    if not deletion.may_delete(actor, default_purpose(actor), contact):
        raise PermissionDenied
    if not reauth.is_fresh(request):  # an erasure: the password again, then send the form again
        return redirect(reauth.confirm_url(reverse("contacts:detail", args=[contact.pk])))
    try:
        deletion.delete_contact(actor, default_purpose(actor), contact)
    except SubjectRestricted as exc:
        messages.error(request, f"Not deleted: {exc}.")
        return see_other("contacts:detail", contact.pk)
    except AccessDenied:
        raise PermissionDenied from None
    messages.success(request, "The contact is deleted and the person's data erased.")
    return see_other("contacts:list")
