"""The portal's forms: make a request, or ask for links to follow one."""

from __future__ import annotations

from django import forms

from lethe.dsr.models import Request

Kind = Request.Kind

# In plain words, with the right's name, in the order people look for them.
KINDS = [
    (Kind.ACCESS, "A copy of the personal data you hold about me (access)"),
    (Kind.PORTABILITY, "My data in a file I can take to another service (portability)"),
    (Kind.RECTIFICATION, "Correct data about me that is wrong or incomplete (rectification)"),
    (Kind.ERASURE, "Erase the personal data you hold about me (erasure)"),
    (Kind.RESTRICTION, "Keep my data but stop using it for now (restriction)"),
    (Kind.OBJECTION, "Stop sending me direct marketing (objection)"),
]
MAX_CORRECTION = 2000


class AddressField(forms.EmailField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Your e-mail address",
            max_length=254,
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            **kwargs,
        )


class RequestForm(forms.Form):
    """What the person asks for, and the address the confirmation link goes to."""

    kind = forms.ChoiceField(label="What do you ask for?", choices=KINDS, widget=forms.RadioSelect)
    email = AddressField(help_text="We send a link to it; your request starts when you follow it.")
    correction = forms.CharField(
        label="For a correction: what is wrong, and what should it say?",
        required=False,
        max_length=MAX_CORRECTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Kind.RECTIFICATION and not cleaned.get("correction", "").strip():
            self.add_error("correction", "say what is wrong and what it should say")
        return cleaned


class FollowForm(forms.Form):
    """The address a request was made from."""

    email = AddressField(help_text="We send a link for each request made from it.")
