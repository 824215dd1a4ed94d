"""Showing activities: texts opened in one batch, people's names through the gate.

What a viewer sees of an activity's text and of the people it names is what the
role table lets them read: a lock for what they may not, "[erased person]" for a
person whose key was shredded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from lethe.activities import mentions
from lethe.activities.models import Activity
from lethe.contacts.models import Contact
from lethe.vault import documents, gate
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose

NAME_FIELDS = ("first_name", "last_name")


@dataclass(frozen=True)
class Person:
    """A person an activity names: their contact (if any), pseudonym and shown name."""

    contact_id: int | None
    subject_id: UUID
    name: object  # str, gate.Masked, gate.ERASED, or None (unknown)

    @property
    def html(self) -> SafeString:
        return mentions.person(self.name)

    @property
    def text(self) -> str:
        """The name as plain text (for places that take no markup, such as an option)."""
        if isinstance(self.name, gate.Erased):
            return "[erased person]"
        return str(self.name) if self.name else "[unknown person]"


@dataclass
class Shown:
    """One activity as the viewer may see it."""

    activity: Activity
    body: object  # str (with tokens), gate.Masked, gate.ERASED, or None (no text)
    html: SafeString
    about: Person | None
    participants: list[Person] = field(default_factory=list)
    mentions: list[Person] = field(default_factory=list)


class People:
    """Names of people for one page: one contact query and one gate read for the lot."""

    def __init__(self, actor: Actor, purpose: Purpose, contact_ids, subject_ids):
        contact_ids, subject_ids = set(contact_ids), set(subject_ids)
        self.by_contact: dict[int, UUID] = {}
        self.contact_of: dict[UUID, int] = {}
        self.names: dict[UUID, object] = {}
        if not contact_ids and not subject_ids:
            return
        rows = (
            Contact.objects.filter(pk__in=sorted(contact_ids)).values_list("pk", "subject_id")
            if contact_ids
            else []
        )
        for pk, subject in rows:
            self.by_contact[pk] = subject
        wanted = subject_ids | set(self.by_contact.values())
        erased = set(
            Subject.objects.filter(id__in=wanted, status=Subject.Status.ERASED).values_list(
                "id", flat=True
            )
        )
        for pk, subject in Contact.objects.filter(subject_id__in=wanted).values_list(
            "pk", "subject_id"
        ):
            self.contact_of[subject] = pk
        live = sorted(wanted - erased, key=str)
        values = gate.read(actor, live, purpose, names=NAME_FIELDS) if live else {}
        for subject in erased:
            self.names[subject] = gate.ERASED
        for subject, fields in values.items():
            self.names[subject] = _name(fields)

    def person(self, subject_id: UUID) -> Person:
        return Person(self.contact_of.get(subject_id), subject_id, self.names.get(subject_id))

    def of_contact(self, contact_id: int) -> object:
        subject = self.by_contact.get(contact_id)
        return None if subject is None else self.names.get(subject)


def _name(fields: dict) -> object:
    parts = [fields.get(n) for n in NAME_FIELDS]
    for part in parts:
        if isinstance(part, gate.Erased):
            return gate.ERASED
    masked = [p for p in parts if isinstance(p, gate.Masked)]
    if masked:
        return masked[0]
    return " ".join(p for p in parts if p) or None


def show(actor: Actor, purpose: Purpose, activities: Sequence[Activity]) -> list[Shown]:
    """Return the activities as the actor may see them (load them with queries.loaded)."""
    activities = list(activities)
    bodies = [a.body for a in activities if a.body_id]
    texts = documents.open_many(actor, purpose, bodies) if bodies else {}
    contact_ids: set[int] = set()
    subject_ids: set[UUID] = set()
    for activity in activities:
        text = texts.get(activity.body_id)
        if isinstance(text, str):
            contact_ids.update(_token_ids(text))
        if activity.contact_id:
            subject_ids.add(activity.contact.subject_id)
        subject_ids.update(link.subject_id for link in activity.participant_links.all())
        subject_ids.update(link.subject_id for link in activity.mention_links.all())
    people = People(actor, purpose, contact_ids, subject_ids)
    shown = []
    for activity in activities:
        body = texts.get(activity.body_id) if activity.body_id else None
        shown.append(
            Shown(
                activity=activity,
                body=body,
                html=_body_html(body, people),
                about=people.person(activity.contact.subject_id) if activity.contact_id else None,
                participants=[
                    people.person(p.subject_id) for p in activity.participant_links.all()
                ],
                mentions=[people.person(m.subject_id) for m in activity.mention_links.all()],
            )
        )
    return shown


def _token_ids(text: str) -> list[int]:
    try:
        return mentions.contact_ids(text)
    except mentions.MentionError:  # stored before a rule changed: show it as text
        return []


def _body_html(body: object, people: People) -> SafeString:
    if body is None:
        return mark_safe("")
    if isinstance(body, gate.Masked):
        return format_html(
            '<span class="masked" title="you may not read this">\N{LOCK} {}</span>', body.category
        )
    if isinstance(body, gate.Erased):
        return mark_safe('<span class="erased">erased</span>')
    return mentions.render(body, people.of_contact)
