"""Validation of purposes and manual data-map entries (shared by the pages and the API)."""

from __future__ import annotations

import re

from django import forms

from lethe.accounts.models import User
from lethe.purposes import categories as cats
from lethe.purposes.models import LegalBasis, ManualEntry, Purpose

KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_ITEMS = 30
MAX_ITEM = 200
MAX_TEXT = 4000
RESERVED_KEYS = {"new"}  # a page's address (/console/purposes/new/)


class LinesField(forms.Field):
    """A list of short texts: a JSON list from the API, one per line from a page."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = value.splitlines()
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError("give a list of texts (one per line)")
        items = list(dict.fromkeys(" ".join(v.split()) for v in value if v.strip()))
        if len(items) > MAX_ITEMS:
            raise forms.ValidationError(f"at most {MAX_ITEMS} entries")
        if any(len(item) > MAX_ITEM for item in items):
            raise forms.ValidationError(f"an entry may have at most {MAX_ITEM} characters")
        return items

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError("give at least one", code="required")


class CategoriesField(forms.MultipleChoiceField):
    """Data categories by their Fideslang names; the API may send a JSON list."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=cats.CHOICES, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        if value is not None and not isinstance(value, list | tuple):
            raise forms.ValidationError("give a list of data categories")
        return super().to_python(value)


def _text(label: str, *, required: bool = True, help_text: str = "", rows: int = 3):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class PurposeForm(forms.ModelForm):
    """A purpose with every item of its Art. 30(1) record and what the notice tells (Art. 13)."""

    key = forms.CharField(
        max_length=64,
        help_text="lower-case letters, digits and _; the vault's purpose name where it has one",
    )
    name = forms.CharField(max_length=120)
    description = _text("Purpose (what the processing is for)")
    legal_basis = forms.ChoiceField(choices=LegalBasis.choices, label="Legal basis (Art. 6(1))")
    legal_basis_detail = _text(
        "Legal basis in detail", required=False, help_text="e.g. the law or the contract"
    )
    legitimate_interest = _text(
        "Legitimate interest", required=False, help_text="Art. 6(1)(f) only: the interest pursued"
    )
    subject_categories = LinesField(label="Categories of data subjects", help_text="one per line")
    data_categories = CategoriesField(label="Categories of personal data")
    recipients = LinesField(label="Recipients (or categories of them)", help_text="one per line")
    transfers = _text(
        "Transfers to third countries or international organisations",
        required=False,
        help_text="leave empty when there are none",
    )
    transfer_safeguards = _text("Safeguards for the transfers", required=False)
    retention = _text("Retention (when the data is erased)")
    retention_months = forms.IntegerField(
        label="Retention in months (the longest period)", min_value=1, max_value=1200
    )
    security_measures = _text("Security measures (Art. 32)", rows=5)
    joint_controller = _text("Joint controller (if any)", required=False)
    data_source = _text(
        "Where the data comes from", required=False, help_text="when not from the person"
    )
    provision = _text(
        "Must the person provide the data?",
        help_text="statutory or contractual requirement, and what happens if they do not",
    )
    in_notice = forms.BooleanField(label="Shown in the public privacy notice", required=False)
    position = forms.IntegerField(min_value=0, max_value=32767, required=False)

    class Meta:
        model = Purpose
        fields = [
            "key",
            "name",
            "description",
            "legal_basis",
            "legal_basis_detail",
            "legitimate_interest",
            "subject_categories",
            "data_categories",
            "recipients",
            "transfers",
            "transfer_safeguards",
            "retention",
            "retention_months",
            "security_measures",
            "joint_controller",
            "data_source",
            "provision",
            "in_notice",
            "position",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = "a purpose's key does not change"

    def clean_key(self):
        key = self.cleaned_data["key"]
        if self.instance.pk:
            return self.instance.key
        if not KEY.fullmatch(key):
            raise forms.ValidationError(
                "use lower-case letters, digits and _; start with a letter; at most 64"
            )
        if key in RESERVED_KEYS:
            raise forms.ValidationError(f"{key} is reserved; choose another key")
        if Purpose.objects.filter(key=key).exists():
            raise forms.ValidationError("a purpose with this key exists")
        return key

    def clean_position(self):
        position = self.cleaned_data.get("position")
        return self.instance.position if position is None else position

    def clean(self):
        data = super().clean()
        basis = data.get("legal_basis")
        if basis == LegalBasis.LEGITIMATE_INTERESTS and not data.get("legitimate_interest"):
            self.add_error("legitimate_interest", "Art. 6(1)(f) needs the legitimate interest")
        if basis and basis != LegalBasis.LEGITIMATE_INTERESTS and data.get("legitimate_interest"):
            self.add_error("legitimate_interest", "only a purpose based on Art. 6(1)(f) states one")
        if data.get("transfers") and not data.get("transfer_safeguards"):
            self.add_error("transfer_safeguards", "transfers need their safeguards")
        if not data.get("transfers") and data.get("transfer_safeguards"):
            self.add_error("transfers", "describe the transfers the safeguards are for")
        chosen = data.get("data_categories")
        key = data.get("key") or self.instance.key
        if chosen is not None and key:
            from lethe.purposes.completeness import required_categories

            for category, holders in sorted(required_categories(key).items()):
                if category not in chosen:
                    self.add_error(
                        "data_categories",
                        f"{category} is held for this purpose ({', '.join(holders[:3])}); keep it",
                    )
        return data


class ManualEntryForm(forms.ModelForm):
    """A store of personal data outside Lethe, with its owner and next review date."""

    name = forms.CharField(max_length=120)
    location = forms.CharField(
        max_length=300, help_text="where it is, e.g. the sales team's shared drive"
    )
    description = _text("What it holds", required=False)
    data_categories = CategoriesField(label="Categories of personal data")
    purposes = forms.ModelMultipleChoiceField(
        queryset=Purpose.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    retention = _text("Retention (when it is cleared)")
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("email"),
        help_text="who keeps it and reviews it",
    )
    review_on = forms.DateField(
        label="Next review", help_text="YYYY-MM-DD", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = ManualEntry
        fields = [
            "name",
            "location",
            "description",
            "data_categories",
            "purposes",
            "retention",
            "owner",
            "review_on",
        ]
