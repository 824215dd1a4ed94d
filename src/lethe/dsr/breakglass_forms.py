"""The form that starts a break-glass access."""

from django import forms
from django.core.exceptions import ValidationError

from lethe.dsr import breakglass


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=breakglass.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Why you must read personal data outside any case; at least "
        f"{breakglass.MIN_REASON} characters. Kept sealed; shown to DPOs only.",
    )
    minutes = forms.IntegerField(
        label="For (minutes)",
        min_value=1,
        max_value=breakglass.MAX_MINUTES,
        initial=breakglass.DEFAULT_MINUTES,
        required=False,
        help_text="An hour unless you need more; at most four hours (240 minutes).",
    )

    def clean_reason(self):
        try:
            return breakglass.clean_reason(self.cleaned_data["reason"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["reason"]) from None
