"""Validation of company data, shared by the web forms and the API."""

import re

from django import forms

from lethe.accounts.models import User
from lethe.companies import orgnr
from lethe.companies.models import Company
from lethe.core import tags

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class CompanyForm(forms.ModelForm):
    """A company's fields; tags as a comma-separated list of names."""

    tags = forms.CharField(required=False, help_text="comma-separated")
    # The importer checks the organisation numbers of a whole file in one query instead.
    check_clash = True

    class Meta:
        model = Company
        fields = [
            "name",
            "org_number",
            "domain",
            "street",
            "postal_code",
            "city",
            "country",
            "industry",
            "size",
            "owner",
            "tags",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = User.objects.filter(is_active=True)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("enter the company's name")
        return name

    def clean_org_number(self):
        value = self.cleaned_data["org_number"].strip()
        if not value:
            return ""
        try:
            value = orgnr.normalise(value)
        except orgnr.InvalidOrgNumber as exc:
            raise forms.ValidationError(str(exc)) from None
        clash = Company.objects.filter(org_number=value).exclude(pk=self.instance.pk)
        if self.check_clash and clash.exists():
            raise forms.ValidationError(
                "another company has this organisation number", code="duplicate"
            )
        return value

    def clean_domain(self):
        value = self.cleaned_data["domain"].strip().lower().removeprefix("https://")
        value = value.removeprefix("http://").removeprefix("www.").rstrip("/")
        if value and not _DOMAIN.match(value):
            raise forms.ValidationError("enter a domain such as example.com")
        return value

    def clean_country(self):
        value = self.cleaned_data["country"].strip().upper()
        if value and not (len(value) == 2 and value.isalpha()):
            raise forms.ValidationError("use a two-letter country code such as SE")
        return value

    def clean_tags(self):
        return tags.clean_names(self.cleaned_data["tags"])

    def save(self, commit=True):
        raise NotImplementedError("companies are saved through lethe.companies.actions")
