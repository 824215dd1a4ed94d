"""Validation of activities, shared by the API and the web form."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from lethe.accounts.models import User
from lethe.activities import mentions
from lethe.activities.models import Activity
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.deals.models import Deal
from lethe.vault.fields import MAX_TEXT

MAX_PARTICIPANTS = 50
LINKS = ("contact", "company", "deal")


def _choice(queryset, what: str, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset,
        required=required,
        error_messages={"invalid_choice": f"no {what} with this id"},
    )


class ActivityForm(forms.Form):
    """An activity's fields: kind, when, links, owner, text (with @mentions), participants.

    `creating` fills in defaults: now for `occurred_at`, the company of the deal or
    contact. Every @mention token must name an existing contact.
    """

    kind = forms.ChoiceField(choices=Activity.Kind.choices)
    occurred_at = forms.DateTimeField(required=False, label="When")
    due_date = forms.DateField(required=False, label="Due date")
    contact = _choice(Contact.objects.select_related("subject"), "contact")
    company = _choice(Company.objects.all(), "company")
    deal = _choice(Deal.objects.all(), "deal")
    owner = _choice(User.objects.filter(is_active=True), "active user")
    body = forms.CharField(
        required=False, strip=False, max_length=MAX_TEXT, widget=forms.Textarea, label="Text"
    )
    participants = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.all(),
        required=False,
        error_messages={"invalid_choice": "no contact with id %(value)s"},
    )

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating

    def clean_body(self):
        raw = self.data.get("body")
        if raw is not None and not isinstance(raw, str):
            raise forms.ValidationError("must be text")
        text = self.cleaned_data["body"]
        if not text.strip():
            return ""
        try:
            wanted = mentions.contact_ids(text)
        except mentions.MentionError as exc:
            raise forms.ValidationError(str(exc)) from None
        found = set(Contact.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [str(i) for i in wanted if i not in found]
        if missing:
            raise forms.ValidationError(f"no contact to mention with id {', '.join(missing)}")
        return text

    def clean_participants(self):
        participants = list(self.cleaned_data["participants"])
        if len(participants) > MAX_PARTICIPANTS:
            raise forms.ValidationError(f"at most {MAX_PARTICIPANTS} participants")
        return participants

    def clean(self):
        data = super().clean()
        if self.creating and not data.get("occurred_at") and "occurred_at" not in self.errors:
            data["occurred_at"] = timezone.now()
        elif not self.creating and "occurred_at" in self.data and not data.get("occurred_at"):
            self.add_error("occurred_at", "give a date and time")
        if not any(data.get(link) for link in LINKS) and not any(
            name in self.errors for name in LINKS
        ):
            self.add_error("contact", "link the activity to a contact, a company or a deal")
        kind = data.get("kind")
        if kind == Activity.Kind.TASK and not data.get("due_date"):
            if "due_date" not in self.errors:
                self.add_error("due_date", "give a task a due date")
        elif kind and kind != Activity.Kind.TASK and data.get("due_date"):
            self.add_error("due_date", "only tasks have a due date")
        if self.creating and not data.get("company"):
            source = data.get("deal") or data.get("contact")
            data["company"] = source.company if source is not None else None
        return data
