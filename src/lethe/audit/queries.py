"""Filtering the audit log, shared by the viewer pages, the CSV export and the API."""

from __future__ import annotations

import csv
import datetime
import io

from django import forms
from django.utils import timezone

from lethe.audit import chain
from lethe.audit.models import Action, AuditEvent, Outcome
from lethe.core.spreadsheet import safe_cell

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
CSV_COLUMNS = (*chain.FIELDS, "hash")


class EventFilter(forms.Form):
    """Filters for the audit log; every field is optional."""

    # Actor and record kind are checked against their formats: whatever a viewer types
    # is logged (the log is never erased), so free text such as an e-mail address is
    # refused here instead of being kept forever.
    actor = forms.RegexField(
        required=False,
        max_length=100,
        regex=r"^(user|token|system|anonymous):[\w.-]+$",
        error_messages={"invalid": "an actor looks like user:12, token:3 or system:demo"},
        help_text="e.g. user:12",
    )
    subject = forms.UUIDField(required=False, help_text="a subject's pseudonym")
    action = forms.ChoiceField(required=False, choices=[("", "any"), *Action.choices])
    outcome = forms.ChoiceField(required=False, choices=[("", "any"), *Outcome.choices])
    record_kind = forms.RegexField(
        required=False,
        max_length=64,
        regex=r"^[a-z][a-z_]*$",
        error_messages={"invalid": "a record kind is a word such as contact or audit_log"},
    )
    record_id = forms.CharField(required=False, max_length=64)
    since = forms.DateTimeField(required=False, help_text="from (YYYY-MM-DD [HH:MM])")
    until = forms.DateTimeField(required=False, help_text="until (YYYY-MM-DD [HH:MM])")
    page = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "must not be before 'since'")
        return cleaned

    def logged_filters(self) -> dict[str, str]:
        """Return the filters to record in the audit event: values only where safe."""
        data = self.cleaned_data
        logged = {k: str(v) for k, v in data.items() if v not in (None, "") and k != "record_id"}
        if data.get("record_id"):
            logged["record_id"] = "(given)"  # free text: its value is not kept
        return logged

    def events(self):
        """Return the matching events, newest first (call only when the form is valid)."""
        data = self.cleaned_data
        events = AuditEvent.objects.order_by("-seq")
        if data.get("actor"):
            events = events.filter(actor=data["actor"].strip())
        if data.get("subject"):
            # The list is stored as JSON text; a pseudonym is a fixed-format UUID, so a
            # quoted match is exact and works on SQLite and PostgreSQL alike.
            events = events.filter(subjects__icontains=f'"{data["subject"]}"')
        for name in ("action", "outcome", "record_kind", "record_id"):
            if data.get(name):
                events = events.filter(**{name: data[name]})
        if data.get("since"):
            events = events.filter(at__gte=data["since"])
        if data.get("until"):
            events = events.filter(at__lte=data["until"])
        return events


def reads_of(subject, days: int = 30) -> dict[str, str]:
    """Return the filter for "who read this person's data in the last `days` days"."""
    since = timezone.localtime() - datetime.timedelta(days=days)
    return {"subject": str(subject), "action": Action.READ, "since": since.strftime("%Y-%m-%d")}


def event_row(event: AuditEvent) -> dict:
    """Return an event as plain values for JSON or CSV."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "outcome": event.outcome,
        "subjects": event.subjects,
        "record_kind": event.record_kind,
        "record_id": event.record_id,
        "categories": event.categories,
        "denied_categories": event.denied_categories,
        "purpose": event.purpose,
        "case_id": event.case_id,
        "request_id": event.request_id,
        "client_addr": event.client_addr,
        "detail": event.detail,
        "hash": bytes(event.hash).hex(),
    }


def to_csv(events) -> str:
    """Return events as CSV text (lists and details as JSON in their cells)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
        row = event_row(event)
        writer.writerow(safe_cell(row[c]) for c in CSV_COLUMNS)
    return out.getvalue()
