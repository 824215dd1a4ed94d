from django import forms

from lethe.retention.models import Policy


class PolicyForm(forms.ModelForm):
    """What the DPO may change of a policy: its months and whether it runs."""

    months = forms.IntegerField(min_value=1, max_value=1200)

    class Meta:
        model = Policy
        fields = ["months", "enabled"]
