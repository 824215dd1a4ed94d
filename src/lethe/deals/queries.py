"""Finding deals: the list page's filters and sort orders."""

from __future__ import annotations

from django import forms
from django.db.models import F

from lethe.accounts.models import User
from lethe.companies.models import Company
from lethe.deals.models import Deal, Pipeline, Stage

# Sort key -> ordering; the id breaks ties so pages never overlap.
SORTS = {
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "expected_close": (F("expected_close").asc(nulls_last=True), "id"),
    "-expected_close": (F("expected_close").desc(nulls_last=True), "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
SORT_LABELS = [
    ("-updated", "recently updated"),
    ("updated", "least recently updated"),
    ("title", "title A-Z"),
    ("-title", "title Z-A"),
    ("-amount", "largest amount"),
    ("amount", "smallest amount"),
    ("expected_close", "closing soonest"),
    ("-expected_close", "closing latest"),
    ("-created", "newest"),
    ("created", "oldest"),
]
STATUSES = [("", "any"), *Stage.Kind.choices]


class DealFilterForm(forms.Form):
    """The list's filters; an unknown id or value is a form error naming the filter."""

    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.all(), required=False, empty_label="any"
    )
    stage = forms.ModelChoiceField(
        queryset=Stage.objects.select_related("pipeline"), required=False, empty_label="any"
    )
    status = forms.ChoiceField(choices=STATUSES, required=False)
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("email"),
        required=False,
        empty_label="anyone",
    )
    company = forms.ModelChoiceField(
        queryset=Company.objects.order_by("name"), required=False, empty_label="any"
    )
    tag = forms.CharField(max_length=50, required=False)
    archived = forms.BooleanField(required=False, label="Archived deals")
    sort = forms.ChoiceField(choices=SORT_LABELS, required=False)

    def __init__(self, *args, default_sort: str = "-updated", **kwargs):
        super().__init__(*args, **kwargs)
        self.default_sort = default_sort
        # Offer the companies that have deals; any company id is still accepted.
        self.fields["company"].widget.choices = forms.models.ModelChoiceIterator(
            forms.ModelChoiceField(
                queryset=Company.objects.filter(deals__isnull=False).distinct().order_by("name"),
                empty_label="any",
            )
        )

    def deals(self):
        """Return the deals matching the (valid) filters, in the chosen order."""
        data = self.cleaned_data
        deals = Deal.objects.filter(archived_at__isnull=not data.get("archived"))
        for name in ("pipeline", "stage", "owner", "company"):
            if data.get(name) is not None:
                deals = deals.filter(**{name: data[name]})
        if data.get("status"):
            deals = deals.filter(stage__kind=data["status"])
        if data.get("tag", "").strip():
            deals = deals.filter(tags__name=data["tag"].strip())
        return deals.order_by(*SORTS[data.get("sort") or self.default_sort])
