"""Forms of the consent pages: the public forms, the contact page's form, marketing lists."""

from __future__ import annotations

from django import forms

from lethe.consent import notices
from lethe.consent.models import PURPOSE_CHOICES, Channel, MarketingList, NoticeText, State
from lethe.vault import fields
from lethe.vault.errors import InvalidField


class PublicForm(forms.Form):
    """The public form: an e-mail address (and, to give consent, a name)."""

    email = forms.CharField(label="E-mail address", max_length=254)

    def clean_email(self):
        try:
            return fields.get("email").cleaned(self.cleaned_data["email"])[0]
        except InvalidField as exc:
            raise forms.ValidationError(exc.message) from None


class ConsentForm(PublicForm):
    """Give consent: the notice shown is named by its hash, so the one read is recorded."""

    first_name = forms.CharField(label="First name (optional)", max_length=200, required=False)
    last_name = forms.CharField(label="Last name (optional)", max_length=200, required=False)
    notice = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_notice(self):
        found = NoticeText.objects.filter(sha256=self.cleaned_data["notice"]).first()
        if found is None:
            raise forms.ValidationError("the text you were shown has changed: read it again")
        return found

    def clean(self):
        cleaned = super().clean()
        for name in ("first_name", "last_name"):
            value = (cleaned.get(name) or "").strip()
            if value:
                try:
                    fields.get(name).cleaned(value)
                except InvalidField as exc:
                    self.add_error(name, exc.message)
            cleaned[name] = value
        return cleaned


class StaffConsentForm(forms.Form):
    """The contact page's one form: the same fields whether granting or withdrawing."""

    purpose = forms.ChoiceField(choices=PURPOSE_CHOICES)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    notice = forms.CharField(
        label="Notice the person was shown or read (exact wording)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=notices.MAX_LENGTH,
        required=False,
    )
    # Given by the button pressed: "Record consent" or "Record withdrawal".
    state = forms.ChoiceField(choices=State.choices)


class ListForm(forms.Form):
    name = forms.CharField(label="New list", max_length=120)


class MemberForm(forms.Form):
    list = forms.ModelChoiceField(queryset=MarketingList.objects.all())
    contact = forms.IntegerField(min_value=1)
