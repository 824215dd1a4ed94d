"""Validation of a contact's business fields (the vault validates the personal ones)."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from lethe.accounts.models import User
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.core import tags
from lethe.vault import fields as vault_fields
from lethe.vault import gate
from lethe.vault.errors import InvalidField


class ContactForm(forms.ModelForm):
    """Company, owner, stage, tags and source of a contact; tags comma-separated."""

    tags = forms.CharField(required=False, help_text="comma-separated")
    obtained_at = forms.DateField(
        required=False,
        label="Data obtained on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Contact
        fields = ["company", "owner", "stage", "tags", "source", "obtained_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        # Active companies, and the one the contact is at even if it was archived since.
        self.fields["company"].queryset = Company.objects.filter(
            Q(archived_at__isnull=True) | Q(pk=self.instance.company_id)
        )

    def clean_obtained_at(self):
        value = self.cleaned_data.get("obtained_at") or timezone.localdate()
        if value > timezone.localdate():
            raise forms.ValidationError("must not be in the future")
        return value

    def clean_tags(self):
        return tags.clean_names(self.cleaned_data["tags"])

    def save(self, commit=True):
        raise NotImplementedError("contacts are saved through lethe.contacts.actions")


# The web form's inputs for personal fields; the vault's own cleaning validates them.
ADDRESS_PARTS = ("street", "postal_code", "city", "country")
# Notes are written with the activities; the form edits the identifiers and the job title.
FORM_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "identity_number",
    "birth_date",
    "job_title",
)
PERSONAL_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail addresses (one a line, the first is the primary)",
    "phone": "Phone numbers (one a line)",
    "address": "Postal address",
    "identity_number": "Identity number (personnummer)",
    "birth_date": "Birth date",
    "job_title": "Job title",
    "notes": "Notes",
}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PersonalForm(forms.Form):
    """A contact's personal fields on the web; `locked` ones (masked for the role) are left out.

    Each field is cleaned by lethe.vault.fields, so the page shows the vault's message
    next to the field, exactly as the API names it. `personal()` returns the cleaned
    values, None for a field left empty.
    """

    first_name = forms.CharField(required=False, label=PERSONAL_LABELS["first_name"])
    last_name = forms.CharField(required=False, label=PERSONAL_LABELS["last_name"])
    email = forms.CharField(
        required=False, label=PERSONAL_LABELS["email"], widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(
        required=False, label=PERSONAL_LABELS["phone"], widget=forms.Textarea(attrs={"rows": 2})
    )
    street = forms.CharField(required=False, label="Street")
    postal_code = forms.CharField(required=False, label="Postal code")
    city = forms.CharField(required=False, label="City")
    country = forms.CharField(required=False, label="Country")
    identity_number = forms.CharField(required=False, label=PERSONAL_LABELS["identity_number"])
    birth_date = forms.CharField(
        required=False,
        label=PERSONAL_LABELS["birth_date"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    job_title = forms.CharField(required=False, label=PERSONAL_LABELS["job_title"])

    def __init__(self, *args, locked=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = set(locked)
        for name in list(self.fields):
            if ("address" if name in ADDRESS_PARTS else name) in self.locked:
                del self.fields[name]

    @staticmethod
    def initial_from(values: dict) -> dict:
        """Return the form's initial data from the gate's values of a subject."""
        initial = {}
        for name, value in values.items():
            if isinstance(value, gate.Masked | gate.Erased) or value is None:
                continue
            if name == "address":
                parts = value if isinstance(value, dict) else {"street": value}
                initial.update({p: parts.get(p, "") for p in ADDRESS_PARTS})
            elif isinstance(value, list):
                initial[name] = "\n".join(value)
            else:
                initial[name] = value
        return initial

    def _vault(self, name: str, value: object) -> object:
        try:
            return vault_fields.get(name).cleaned(value)
        except InvalidField as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self):
        data = super().clean()
        result = {}
        for name in PERSONAL_LABELS:
            if name in self.locked or name not in FORM_FIELDS:
                continue
            if name == "address":
                parts = {p: data.get(p, "").strip() for p in ADDRESS_PARTS}
                for part, text in parts.items():
                    if text:
                        try:
                            self._vault("address", {part: text})
                        except forms.ValidationError as exc:
                            self.add_error(part, exc)
                given = {p: t for p, t in parts.items() if t}
                result["address"] = given or None
                continue
            raw = (data.get(name) or "").strip()
            if not raw:
                result[name] = None
                continue
            try:
                result[name] = self._vault(name, _lines(raw) if name in ("email", "phone") else raw)
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        self.cleaned_personal = result
        return data

    def personal(self) -> dict:
        """Return {field: cleaned value or None} for every field the form holds."""
        return self.cleaned_personal
