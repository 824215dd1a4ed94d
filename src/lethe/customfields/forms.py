"""Validation of custom field definitions (shared by the API and the settings page)."""

import re

from django import forms

from lethe.customfields.models import CustomField

KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_CHOICES = 50


class CustomFieldForm(forms.ModelForm):
    """A new custom field: entity, key, label, type, choices; personal ones name a category."""

    key = forms.CharField(max_length=40, help_text="its name in the API, e.g. contract_tier")
    choices = forms.JSONField(required=False)

    class Meta:
        model = CustomField
        fields = ["entity", "key", "label", "type", "choices", "personal", "category", "purpose"]

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY.fullmatch(key):
            raise forms.ValidationError(
                "use lower-case letters, digits and _; start with a letter; at most 40"
            )
        return key

    def clean_choices(self):
        choices = self.cleaned_data.get("choices") or []
        if isinstance(choices, str):
            choices = [c.strip() for c in choices.split(",")]
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise forms.ValidationError("give a list of texts")
        choices = [c.strip() for c in choices if c.strip()]
        if len(choices) > MAX_CHOICES:
            raise forms.ValidationError(f"at most {MAX_CHOICES} choices")
        if any(len(c) > 100 for c in choices):
            raise forms.ValidationError("a choice may have at most 100 characters")
        if len(set(choices)) != len(choices):
            raise forms.ValidationError("choices must differ")
        return choices

    def clean(self):
        data = super().clean()
        kind, choices = data.get("type"), data.get("choices") or []
        if kind == CustomField.Type.CHOICE and not choices:
            self.add_error("choices", "a choice field needs at least one choice")
        if kind and kind != CustomField.Type.CHOICE and choices:
            self.add_error("choices", "only choice fields have choices")
        if data.get("personal"):
            if data.get("entity") and data["entity"] != CustomField.Entity.CONTACT:
                self.add_error(
                    "personal",
                    "only contacts have personal fields (they live under the person's key)",
                )
            if not data.get("category"):
                self.add_error("category", "a personal field needs its data category")
            if not data.get("purpose"):
                self.add_error("purpose", "a personal field needs its purpose")
        else:
            if data.get("category"):
                self.add_error("category", "only personal fields have a data category")
            if data.get("purpose"):
                self.add_error("purpose", "only personal fields have a purpose")
        return data


class CustomFieldChangeForm(forms.ModelForm):
    """What may change once a field exists: its label, choices and position."""

    choices = forms.JSONField(required=False)

    class Meta:
        model = CustomField
        fields = ["label", "choices", "position"]

    clean_choices = CustomFieldForm.clean_choices

    def clean(self):
        data = super().clean()
        if self.instance.type == CustomField.Type.CHOICE and not data.get("choices"):
            self.add_error("choices", "a choice field needs at least one choice")
        if self.instance.type != CustomField.Type.CHOICE and data.get("choices"):
            self.add_error("choices", "only choice fields have choices")
        return data
