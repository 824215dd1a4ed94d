"""Forms of the privacy console's request pages; the register checks what they pass on."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from lethe.accounts.models import User
from lethe.dsr import deadlines, register
from lethe.dsr import locate as finder
from lethe.dsr.models import Request
from lethe.vault.policy import Role

IDENTIFIER_FIELDS = ("email", "phone", "identity_number", "name", "company")


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a register's ValidationError on the form, on the field it names if it has one."""
    for field, messages in exc.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def _text(label: str, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=finder.MAX_TEXT, **kwargs)


class IdentifiersForm(forms.Form):
    """Identifiers of the person; all optional here (the register says which are needed)."""

    email = _text("E-mail")
    phone = _text("Phone")
    identity_number = _text("Identity number")
    name = _text("Name", help_text="first and last name")
    company = _text("Company", help_text="with the name: the company's name or number")

    def identifiers(self) -> dict:
        return {k: self.cleaned_data.get(k) or "" for k in IDENTIFIER_FIELDS}


class RequestForm(IdentifiersForm):
    """A request received from a person."""

    field_order = ["kind", "identified_by", *IDENTIFIER_FIELDS, "received_on", "note"]

    kind = forms.ChoiceField(choices=Request.Kind.choices)
    identified_by = forms.ChoiceField(
        choices=Request.Identifier.choices, help_text="which identifier the person gave"
    )
    received_on = forms.DateField(required=False, help_text="YYYY-MM-DD; empty: today")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LocateForm(IdentifiersForm):
    """Other identifiers to locate by (all empty: the request's own)."""


class VerifyForm(forms.Form):
    method = forms.ChoiceField(choices=list(register.VERIFICATION_METHODS.items()))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="nobody"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, role_grants__role=Role.DPO
        ).order_by("email")


class ConfirmForm(forms.Form):
    subjects = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=())

    def __init__(self, *args, request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        ids = request.subjects.filter(confirmed=False).values_list("subject_id", flat=True)
        self.fields["subjects"].choices = [(str(s), str(s)) for s in ids]


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        coerce=int, choices=[(m, m) for m in range(1, deadlines.MAX_EXTENSION_MONTHS + 1)]
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="as told")
    told_on = forms.DateField(help_text="the day the person was told (YYYY-MM-DD)")


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    """Filters of the request list; every field is optional."""

    status = forms.ChoiceField(required=False, choices=[("", "open"), *Request.Status.choices])
    kind = forms.ChoiceField(required=False, choices=[("", "any"), *Request.Kind.choices])
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="anyone"
    )
    closed = forms.BooleanField(required=False, label="closed ones too")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(role_grants__role=Role.DPO).order_by(
            "email"
        )
