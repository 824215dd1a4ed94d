"""Validation of a contact's business fields (the vault validates the personal ones)."""

from django import forms
from django.utils import timezone

from lethe.accounts.models import User
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.core import tags


class ContactForm(forms.ModelForm):
    """Company, owner, stage, tags and source of a contact; tags comma-separated."""

    tags = forms.CharField(required=False, help_text="comma-separated")
    obtained_at = forms.DateField(required=False)

    class Meta:
        model = Contact
        fields = ["company", "owner", "stage", "tags", "source", "obtained_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        self.fields["company"].queryset = Company.objects.filter(archived_at__isnull=True)

    def clean_obtained_at(self):
        value = self.cleaned_data.get("obtained_at") or timezone.localdate()
        if value > timezone.localdate():
            raise forms.ValidationError("must not be in the future")
        return value

    def clean_tags(self):
        return tags.clean_names(self.cleaned_data["tags"])

    def save(self, commit=True):
        raise NotImplementedError("contacts are saved through lethe.contacts.actions")
