"""Validation of deals, shared by the web forms and the API."""

from django import forms

from lethe.accounts.models import User
from lethe.companies.models import Company
from lethe.core import tags
from lethe.deals.models import Deal, Pipeline, Stage


def _check_lost_reason(form: forms.Form, stage: Stage | None, reason: str | None) -> None:
    """A lost deal says why it was lost; an open or won one has no lost reason."""
    if stage is None or "lost_reason" in form.errors:
        return
    if stage.kind == Stage.Kind.LOST and not reason:
        form.add_error("lost_reason", "choose why the deal was lost")
    elif reason and stage.kind != Stage.Kind.LOST:
        form.add_error("lost_reason", "only a lost deal has a lost reason")


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
        widgets = {"expected_close": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

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
        _check_lost_reason(self, stage, data.get("lost_reason"))
        return data

    def save(self, commit=True):
        raise NotImplementedError("deals are saved through lethe.deals.actions")


class MoveForm(forms.Form):
    """Move a deal to another stage of its pipeline (the board's card form)."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none())
    lost_reason = forms.ChoiceField(
        choices=[("", "(lost reason)"), *Deal.LostReason.choices], required=False
    )

    def __init__(self, *args, deal: Deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(pipeline_id=deal.pipeline_id)

    def clean(self):
        data = super().clean()
        _check_lost_reason(self, data.get("stage"), data.get("lost_reason"))
        return data


def _unique_name(queryset, name: str, instance) -> str:
    name = name.strip()
    if not name:
        raise forms.ValidationError("enter a name")
    if instance is not None:
        queryset = queryset.exclude(pk=instance.pk)
    if queryset.filter(name__iexact=name).exists():
        raise forms.ValidationError(f"the name {name!r} is taken")
    return name


class PipelineForm(forms.Form):
    """A pipeline's name (unique) and its place in the list (0 = first).

    A plain form, not a ModelForm: the action compares the cleaned data with the
    unchanged record.
    """

    name = forms.CharField(max_length=100, required=False)
    position = forms.IntegerField(min_value=0, max_value=1000, required=False)

    def __init__(self, *args, instance: Pipeline | None = None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {"name": instance.name, "position": instance.position}
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["name"].required = instance is None  # an edit may move only

    def clean_name(self):
        name = self.cleaned_data.get("name")
        if self.instance is not None and not name:
            return self.instance.name
        return _unique_name(Pipeline.objects.all(), name or "", self.instance)


class StageForm(forms.Form):
    """A stage's name (unique in its pipeline), kind, probability and place (0 = first)."""

    name = forms.CharField(max_length=100, required=False)
    kind = forms.ChoiceField(choices=Stage.Kind.choices, required=False)
    probability = forms.IntegerField(min_value=0, max_value=100, required=False)
    position = forms.IntegerField(min_value=0, max_value=1000, required=False)

    def __init__(self, *args, pipeline: Pipeline, instance: Stage | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pipeline, self.instance = pipeline, instance
        self.fields["name"].required = instance is None  # an edit may change one field

    def clean_name(self):
        name = self.cleaned_data.get("name")
        if self.instance is not None and not name:
            return self.instance.name
        return _unique_name(self.pipeline.stages.all(), name or "", self.instance)

    def clean_kind(self):
        kind = self.cleaned_data.get("kind")
        return kind or (self.instance.kind if self.instance else Stage.Kind.OPEN)

    def clean_probability(self):
        probability = self.cleaned_data.get("probability")
        if probability is None:
            return self.instance.probability if self.instance else 0
        return probability
