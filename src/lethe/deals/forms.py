"""Validation of deals, shared by the web forms and the API."""

from django import forms

from lethe.accounts.models import User
from lethe.companies.models import Company
from lethe.core import tags
from lethe.deals.models import Deal, Pipeline, Stage


class DealForm(forms.ModelForm):
    """A deal's fields; the stage must belong to the pipeline (default: its first stage)."""

    tags = forms.CharField(required=False, help_text="comma-separated")
    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.all(), required=False)
    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), required=False)

    class Meta:
        model = Deal
        fields = [
            "title",
            "company",
            "amount",
            "currency",
            "pipeline",
            "stage",
            "expected_close",
            "probability",
            "owner",
            "lost_reason",
            "tags",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        self.fields["company"].queryset = Company.objects.filter(archived_at__isnull=True)
        for name in ("amount", "currency"):  # defaults: 0 SEK
            self.fields[name].required = False

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("enter a title")
        return title

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        return 0 if amount is None else amount

    def clean_currency(self):
        currency = (self.cleaned_data.get("currency") or "SEK").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("use a three-letter currency code such as SEK")
        return currency

    def clean_tags(self):
        return tags.clean_names(self.cleaned_data["tags"])

    def clean(self):
        data = super().clean()
        pipeline = data.get("pipeline") or (
            self.instance.pipeline if self.instance.pk else Pipeline.objects.first()
        )
        if pipeline is None:
            raise forms.ValidationError("there is no pipeline; an admin must create one")
        stage = data.get("stage")
        if stage is None:
            stage = (
                self.instance.stage
                if self.instance.pk and self.instance.pipeline_id == pipeline.pk
                else pipeline.stages.order_by("position", "id").first()
            )
        if stage is None or stage.pipeline_id != pipeline.pk:
            self.add_error("stage", f"not a stage of the pipeline {pipeline.name!r}")
        data["pipeline"], data["stage"] = pipeline, stage
        if data.get("lost_reason") and stage is not None and stage.kind != Stage.Kind.LOST:
            self.add_error("lost_reason", "only a lost deal has a lost reason")
        return data

    def save(self, commit=True):
        raise NotImplementedError("deals are saved through lethe.deals.actions")
