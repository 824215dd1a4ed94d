"""Forms of the rights pages: they parse; lethe.dsr's functions validate and act."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from lethe.dsr import rectification
from lethe.dsr.models import Disclosure, Notification, Recipient, Restriction
from lethe.vault.fields import Category
from lethe.vault.policy import Purpose

LIST_FIELDS = ("email", "phone")


def add_errors(form: forms.Form, exc: ValidationError, names: dict[str, str] | None = None):
    """Put a ValidationError from lethe.dsr on the form, next to the field it names."""
    names = names or {}
    for key, messages in exc.message_dict.items():
        field = names.get(key, key)
        if field not in form.fields:
            field = next((v for k, v in names.items() if key.startswith(k)), None)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class RecipientForm(forms.Form):
    name = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=Recipient.Kind.choices)
    country = forms.CharField(
        max_length=2, required=False, help_text="two letters (ISO 3166), e.g. SE"
    )


class DisclosureForm(forms.Form):
    recipient = forms.ModelChoiceField(queryset=Recipient.objects.all())
    subjects = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="the pseudonyms of the people whose data went, one a line",
    )
    categories = forms.MultipleChoiceField(
        choices=[(c.value, c.value) for c in Category], widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.ChoiceField(choices=[(p.value, p.value.replace("_", " ")) for p in Purpose])
    channel = forms.ChoiceField(choices=Disclosure.Channel.choices)
    at = forms.DateField(required=False, label="On", help_text="YYYY-MM-DD; empty: now")


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(choices=())
    value = forms.CharField(
        max_length=10_000,
        required=False,
        label="Corrected value",
        help_text="e-mails and phones: every value the person should have, separated by "
        "commas; empty: drop the correction given for this field",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = rectification.field_choices()

    def correction(self) -> dict:
        name, value = self.cleaned_data["field"], self.cleaned_data["value"].strip()
        if name in LIST_FIELDS and value:
            value = [part.strip() for part in value.split(",") if part.strip()]
        return {name: value or None}


class LiftForm(forms.Form):
    told_on = forms.DateField(
        required=False, label="The person was told on", help_text="YYYY-MM-DD"
    )
    told_method = forms.ChoiceField(
        choices=[("", "choose"), *Restriction.Method.choices], required=False, label="How"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NotifiedForm(forms.Form):
    method = forms.ChoiceField(choices=Notification.Method.choices)
    notified_on = forms.DateField(required=False, label="On", help_text="YYYY-MM-DD; empty: today")
