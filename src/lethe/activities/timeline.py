"""The contact page's timeline (activities, deals, changes) and the company page's activities.

The contact and company views add `activity_section` to their context with these
functions; their templates include activities/_contact_section.html or
activities/_company_section.html.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from lethe.accounts.models import User
from lethe.activities import display, queries
from lethe.activities.forms import ActivityForm
from lethe.activities.models import Activity
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.core import history
from lethe.vault import gate
from lethe.vault.policy import Actor, Purpose, Role

LIMIT = 100
WRITERS = frozenset({Role.SALES, Role.SUPPORT})
MAX_COLLEAGUES = 50


@dataclass
class Entry:
    """One line of a timeline: an activity, a deal, or a change of a field."""

    at: datetime.datetime
    what: str  # "activity", "deal", "change" (personal field) or "record_change" (business)
    item: object
    by: str = ""


def _recent(activities):
    return list(
        queries.loaded(activities.filter(archived_at__isnull=True)).order_by("-occurred_at", "-id")[
            :LIMIT
        ]
    )


def _who(labels) -> dict[str, str]:
    """Map actor labels ("user:12") to e-mail addresses of users, in one query."""
    ids = {int(label[5:]) for label in labels if label.startswith("user:") and label[5:].isdigit()}
    emails = dict(User.objects.filter(pk__in=ids).values_list("pk", "email")) if ids else {}
    return {f"user:{pk}": email for pk, email in emails.items()}


def business_changes(contact: Contact) -> list[Entry]:
    """Return the changes of the contact's business fields (stage, owner, company, ...)."""
    return [
        Entry(c.changed_at, "record_change", c, c.changed_by)
        for c in history.entries("contact", contact.pk)
    ]


def for_contact(
    request, actor: Actor, contact: Contact, purpose: Purpose, form: ActivityForm | None = None
) -> dict:
    """Return the context for the contact page's timeline and "Log activity" form."""
    shown = display.show(actor, purpose, _recent(queries.naming([contact.subject_id])))
    deals = list(contact.deals.select_related("stage"))
    changes = gate.history(actor, contact.subject_id, purpose)
    entries = [Entry(s.activity.occurred_at, "activity", s) for s in shown]
    entries += [Entry(d.created_at, "deal", d) for d in deals]
    entries += [Entry(c.replaced_at, "change", c, c.replaced_by) for c in changes]
    entries += business_changes(contact)
    who = _who({e.by for e in entries})
    for entry in entries:
        entry.by = who.get(entry.by, entry.by)
    entries.sort(key=lambda e: e.at, reverse=True)
    section = {
        "contact": contact,
        "entries": entries,
        "limited": len(shown) == LIMIT,
        "can_log": bool(request.user.roles & WRITERS),
    }
    if section["can_log"]:
        section.update(_form_context(actor, purpose, contact, deals, form))
    return {"activity_section": section}


def _form_context(actor, purpose, contact, deals, form) -> dict:
    colleagues = []
    if contact.company_id:
        colleagues = list(
            Contact.objects.filter(company_id=contact.company_id, archived_at__isnull=True)
            .exclude(pk=contact.pk)
            .order_by("pk")
            .values_list("pk", "subject_id")[:MAX_COLLEAGUES]
        )
    people = display.People(actor, purpose, (), [s for _, s in colleagues])
    return {
        "form": form or ActivityForm(initial={"kind": Activity.Kind.CALL}),
        "kinds": Activity.Kind.choices,
        "deals": deals,
        "colleagues": [(pk, people.person(s)) for pk, s in colleagues],
    }


def for_company(actor: Actor, company: Company, purpose: Purpose) -> dict:
    """Return the context for the company page's list of activities."""
    shown = display.show(actor, purpose, _recent(Activity.objects.filter(company=company)))
    return {"activity_section": {"shown": shown, "limited": len(shown) == LIMIT}}
