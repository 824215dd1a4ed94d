"""Everything Lethe holds about the confirmed subjects of a request, for Art. 15 and 20.

`gather(actor, request)` reads through the vault as the DPO working in the request's
case (purpose: data-subject request), so every read is checked and audited. It reads
in batches: a fixed number of queries and vault calls whatever the number of
activities (one more vault call per file, to open it).

Other people are kept out (Art. 15(4), 20(4)): texts sealed under another person's key
are withheld unopened, @mentions of anyone but the requester become a placeholder,
other participants are left out, and subjects that were located but not confirmed are
treated like anybody else.

Later features add their own sections (consents, disclosures) with `section(name)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lethe.accounts.models import User
from lethe.activities import queries as activity_queries
from lethe.activities.mentions import MENTION, TOKEN
from lethe.attachments.models import Attachment
from lethe.attachments.store import BlobMissing, get_store
from lethe.audit import log
from lethe.audit.models import Action, AuditEvent, Outcome
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.core.models import Change
from lethe.customfields.models import CustomField, CustomValue
from lethe.deals.models import DealContact
from lethe.dsr import cases
from lethe.dsr.models import Request
from lethe.dsr.register import confirmed_subjects
from lethe.vault import documents, fields, gate
from lethe.vault.errors import AccessDenied
from lethe.vault.fields import Category
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role

PURPOSE = Purpose.DATA_SUBJECT_REQUEST
OTHER_PERSON = "[other person]"
HISTORY_LIMIT = 10_000  # old values per person: all of them, in practice
# Fields of the contact record's history that hold related records by id.
RELATED = {"company": (Company, "name"), "owner": (User, "display_name")}

# Text states of an activity: what the export can say about its text.
TEXT_INCLUDED, TEXT_WITHHELD, TEXT_ERASED, TEXT_NONE = "included", "withheld", "erased", "none"

SectionProvider = Callable[[Actor, Request, list[UUID]], list[dict]]
SECTIONS: dict[str, SectionProvider] = {}
# Sections every export shows, empty until the feature that fills them registers.
PLACEHOLDERS = ("consents", "disclosures")
SECTION_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Functions that return the key scopes ("hold:<id>") under which legal holds keep data of
# these subjects; the legal-holds feature registers one with `hold_scopes`.
HOLD_SCOPES: list[Callable[[list[UUID]], set[str]]] = []


def section(name: str):
    """Register the decorated function as the provider of the export section `name`.

    A provider takes (actor, request, subjects) and returns a list of rows: flat dicts
    of str keys and plain values (text, numbers, booleans, dates, None). The rows appear
    in the report, in data.json under "sections" and as `<name>.csv` in the archive.
    """
    if not SECTION_NAME.fullmatch(name):
        raise ValueError(f"a section name is a short lower-case word, not {name!r}")

    def decorate(provider: SectionProvider) -> SectionProvider:
        SECTIONS[name] = provider
        return provider

    return decorate


def hold_scopes(find: Callable[[list[UUID]], set[str]]):
    """Register a function naming the legal-hold scopes that keep data of some subjects."""
    if find not in HOLD_SCOPES:
        HOLD_SCOPES.append(find)
    return find


@dataclass
class Collected:
    """What we hold about the person, as plain values (dates as date/datetime objects)."""

    request: Request
    generated_at: datetime
    subjects: list[UUID]
    people: list[dict] = field(default_factory=list)
    deals: list[dict] = field(default_factory=list)
    activities: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    sections: dict[str, list[dict]] = field(default_factory=dict)
    categories: set[str] = field(default_factory=set)
    legal_hold: bool = False
    names: dict[int, str] = field(default_factory=dict)  # their contact ids -> their name

    def text(self, body: str | None, other: str = OTHER_PERSON) -> str | None:
        """Return an activity's text with @mentions as names: theirs, or `other`."""
        if body is None:
            return None

        def name(match: re.Match) -> str:
            inner = MENTION.fullmatch(match.group(1))
            if inner is None:
                return match.group(0)
            return self.names.get(int(inner.group(1))) or other

        return TOKEN.sub(name, body)


def check(actor: Actor, request: Request) -> None:
    """Raise AccessDenied (audited) unless the actor is a DPO in this request's open case."""
    if Role.DPO in actor.roles and actor.case == request.case and cases.case_open(actor):
        return
    with transaction.atomic():
        log.record(
            actor,
            Action.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            purpose=PURPOSE,
            record_kind="dsr",
            record_id=str(request.pk),
            detail={"attempted": "export"},
        )
    raise AccessDenied("only a DPO working in this request's open case may export its data")


def gather(actor: Actor, request: Request) -> Collected:
    """Return everything held about the request's confirmed subjects, read as `actor`."""
    check(actor, request)
    subjects = confirmed_subjects(request)
    if not subjects:
        raise ValidationError({"subjects": "confirm the person's records before exporting"})
    found = Collected(request=request, generated_at=timezone.now(), subjects=subjects)
    contacts = _people(actor, found)
    deal_ids = _deals(found, contacts)
    activity_ids = _activities(actor, found)
    _attachments(actor, found, contacts, deal_ids, activity_ids)
    _history(actor, found, contacts)
    _audit(found)
    for name in PLACEHOLDERS:
        found.sections[name] = []
    for name, provider in SECTIONS.items():
        found.sections[name] = list(provider(actor, request, subjects))
    return found


def _plain(value: object) -> object:
    """Return a vault value for an export: None where it is erased or masked."""
    if isinstance(value, gate.Erased | gate.Masked):
        return None
    return value


def _display_name(user) -> str | None:
    return (user.display_name or None) if user is not None else None


def _people(actor: Actor, found: Collected) -> dict[UUID, Contact]:
    """Fill in the people: their contact records, personal fields and custom fields."""
    subjects = found.subjects
    statuses = dict(Subject.objects.filter(id__in=subjects).values_list("id", "status"))
    contacts = {
        c.subject_id: c
        for c in Contact.objects.filter(subject_id__in=subjects)
        .select_related("company", "owner")
        .prefetch_related("tags", "past_companies")
    }
    definitions = list(CustomField.objects.filter(entity=CustomField.Entity.CONTACT))
    personal_defs = [d for d in definitions if d.personal]
    names = [*fields.FIELDS, *(d.vault_name for d in personal_defs)]
    values = gate.read(actor, subjects, PURPOSE, names=names)
    business = {}
    for row in CustomValue.objects.filter(
        field__entity=CustomField.Entity.CONTACT,
        object_id__in=[c.pk for c in contacts.values()],
    ).select_related("field"):
        business.setdefault(row.object_id, []).append(row)
    held_scopes = sorted(set().union(*(find(subjects) for find in HOLD_SCOPES)))
    held = {s: {} for s in subjects}
    for scope in held_scopes:
        found.legal_hold = True
        read = gate.read(actor, subjects, PURPOSE, names=names, scope=scope)
        for subject, scoped in read.items():
            kept = {k: _plain(v) for k, v in scoped.items() if _plain(v) is not None}
            if kept:
                held[subject][scope] = kept
    for subject in subjects:
        personal = {}
        for name in fields.FIELDS:
            value = _plain(values[subject].get(name))
            if value is not None:
                personal[name] = value
                found.categories.add(str(fields.get(name).category))
        contact = contacts.get(subject)
        custom = []
        for definition in personal_defs:
            value = _plain(values[subject].get(definition.vault_name))
            if value is not None:
                custom.append(_custom(definition, value))
                found.categories.add(definition.category)
        for row in business.get(contact.pk, []) if contact else []:
            custom.append(_custom(row.field, row.value))
        for scoped in held[subject].values():
            found.categories.update(str(fields.get(n).category) for n in scoped)
        name = " ".join(personal[n] for n in ("first_name", "last_name") if n in personal)
        if contact is not None and name:
            found.names[contact.pk] = name
        found.people.append(
            {
                "id": str(subject),
                "status": statuses.get(subject, ""),
                "name": name,
                "contact": _contact(contact) if contact else None,
                "personal": personal,
                "custom": custom,
                "legal_hold": [{"scope": s, "personal": v} for s, v in held[subject].items()],
            }
        )
    return contacts


def _custom(definition: CustomField, value: object) -> dict:
    return {
        "key": definition.key,
        "label": definition.label,
        "personal": definition.personal,
        "category": definition.category or None,
        "value": value,
    }


def _contact(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "company": contact.company.name if contact.company else None,
        "past_companies": sorted(c.name for c in contact.past_companies.all()),
        "owner": _display_name(contact.owner),
        "stage": contact.stage,
        "tags": sorted(t.name for t in contact.tags.all()),
        "source": contact.source,
        "obtained_at": contact.obtained_at,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "archived_at": contact.archived_at,
    }


def _deals(found: Collected, contacts: dict[UUID, Contact]) -> list[int]:
    """Fill in the deals the person takes part in, with their role and custom values."""
    links = list(
        DealContact.objects.filter(contact__in=[c.pk for c in contacts.values()])
        .select_related("deal__company", "deal__owner", "deal__stage", "deal__pipeline")
        .prefetch_related("deal__tags")
        .order_by("deal__created_at", "deal_id")
    )
    deal_ids = list(dict.fromkeys(link.deal_id for link in links))
    custom: dict[int, list] = {}
    for row in CustomValue.objects.filter(
        field__entity=CustomField.Entity.DEAL, object_id__in=deal_ids
    ).select_related("field"):
        custom.setdefault(row.object_id, []).append(_custom(row.field, row.value))
    roles: dict[int, list[str]] = {}
    for link in links:
        roles.setdefault(link.deal_id, []).append(link.role)
    seen = set()
    for link in links:
        deal = link.deal
        if deal.pk in seen:
            continue
        seen.add(deal.pk)
        found.deals.append(
            {
                "id": deal.pk,
                "title": deal.title,
                "company": deal.company.name if deal.company else None,
                "pipeline": deal.pipeline.name,
                "stage": deal.stage.name,
                "status": deal.stage.kind,
                "amount": str(deal.amount),
                "currency": deal.currency,
                "expected_close": deal.expected_close,
                "probability": deal.probability
                if deal.probability is not None
                else deal.stage.probability,
                "roles": sorted(set(roles[deal.pk])),
                "owner": _display_name(deal.owner),
                "tags": sorted(t.name for t in deal.tags.all()),
                "custom": custom.get(deal.pk, []),
                "created_at": deal.created_at,
                "closed_at": deal.closed_at,
                "archived_at": deal.archived_at,
            }
        )
    return deal_ids


def _activities(actor: Actor, found: Collected) -> list[int]:
    """Fill in every activity that names the person, with its text where it is theirs."""
    mine = set(found.subjects)
    activities = list(
        activity_queries.naming(mine)
        .select_related("body", "contact", "company", "deal", "owner")
        .prefetch_related("participant_links", "mention_links")
        .order_by("occurred_at", "id")
    )
    # Only texts sealed under a record key (a deal's, a company's) or under the person's
    # own key are opened; another person's text is theirs, and is not even read.
    readable = [
        a.body
        for a in activities
        if a.body_id and (a.body.subject_id is None or a.body.subject_id in mine)
    ]
    texts = documents.open_many(actor, PURPOSE, readable) if readable else {}
    for activity in activities:
        named = []
        if activity.contact_id and activity.contact.subject_id in mine:
            named.append("about")
        if any(p.subject_id in mine for p in activity.participant_links.all()):
            named.append("participant")
        if any(m.subject_id in mine for m in activity.mention_links.all()):
            named.append("mentioned")
        body, status = None, TEXT_NONE
        if activity.body_id:
            text = texts.get(activity.body_id)
            if isinstance(text, str):
                body, status = text, TEXT_INCLUDED
                found.categories.add(str(Category.CONTENT))
            elif isinstance(text, gate.Erased):
                status = TEXT_ERASED
            else:
                status = TEXT_WITHHELD
        found.activities.append(
            {
                "id": activity.pk,
                "kind": activity.kind,
                "occurred_at": activity.occurred_at,
                "due_date": activity.due_date,
                "done_at": activity.done_at,
                "archived_at": activity.archived_at,
                "named_as": named,
                "company": activity.company.name if activity.company else None,
                "deal": activity.deal.title if activity.deal else None,
                "owner": _display_name(activity.owner),
                "body": body,
                "text_status": status,
            }
        )
    return [a.pk for a in activities]


def _attachments(
    actor: Actor,
    found: Collected,
    contacts: dict[UUID, Contact],
    deal_ids: list[int],
    activity_ids: list[int],
) -> None:
    """Fill in the files: the person's own (with their contents) and those of their deals
    and activities that are sealed under a record key (listed, contents not included)."""
    mine = set(found.subjects)
    records = Q(kind="deal", object_id__in=deal_ids) | Q(
        kind="activity", object_id__in=activity_ids
    )
    rows = list(
        Attachment.objects.filter(Q(subject_id__in=mine) | (Q(subject__isnull=True) & records))
        .select_related("name", "subject", "record_key")
        .order_by("created_at", "id")
    )
    names = documents.open_many(actor, PURPOSE, [a.name for a in rows]) if rows else {}
    store = get_store()
    for attachment in rows:
        own = attachment.subject_id is not None
        content = None
        if own:
            try:
                sealed = store.get(attachment.blob)
            except BlobMissing:
                sealed = None
            if sealed is not None:
                opened = documents.open_blob(
                    actor, PURPOSE, attachment.subject, attachment.blob, sealed
                )
                content = opened if isinstance(opened, bytes) else None
        name = names.get(attachment.name_id)
        if content is not None:
            found.files[str(attachment.id)] = content
            found.categories.add(str(Category.CONTENT))
        found.attachments.append(
            {
                "id": str(attachment.id),
                "name": name if isinstance(name, str) else None,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "created_at": attachment.created_at,
                "record_kind": attachment.kind,
                "record_id": attachment.object_id,
                "owner": "person" if own else "record",
                "included": content is not None,
            }
        )


def _actor_kind(label: str) -> str:
    return label.partition(":")[0] or "unknown"


def _history(actor: Actor, found: Collected, contacts: dict[UUID, Contact]) -> None:
    """Fill in old values of their personal fields and changes of their contact records."""
    for subject in found.subjects:
        for old in gate.history(actor, subject, PURPOSE, limit=HISTORY_LIMIT):
            value = _plain(old.value)
            if value is None:
                continue
            found.history.append(
                {
                    "record": "personal",
                    "record_id": str(subject),
                    "field": old.field,
                    "changed_at": old.replaced_at,
                    "changed_by": _actor_kind(old.replaced_by),
                    "old": value,
                    "new": None,
                }
            )
    changes = list(
        Change.objects.filter(
            record_kind="contact", record_id__in=[c.pk for c in contacts.values()]
        ).order_by("changed_at", "id")
    )
    # Related records are kept by id: show companies by name, staff by display name.
    shown = {}
    for name, (model, attr) in RELATED.items():
        ids = {v for c in changes if c.field == name for v in (c.old, c.new) if isinstance(v, int)}
        shown[name] = dict(model.objects.filter(pk__in=ids).values_list("pk", attr)) if ids else {}
    for change in changes:
        named = shown.get(change.field)
        found.history.append(
            {
                "record": "contact",
                "record_id": str(change.record_id),
                "field": change.field,
                "changed_at": change.changed_at,
                "changed_by": _actor_kind(change.changed_by),
                "old": named.get(change.old) if named is not None else change.old,
                "new": named.get(change.new) if named is not None else change.new,
            }
        )
    found.history.sort(key=lambda h: (h["changed_at"], h["record"], h["field"]))


def _audit(found: Collected) -> None:
    """Fill in the audit events that name the person: when, what, why, and by what kind
    of actor (never who: staff are other people)."""
    # Through locate's subject index of the log (brought up to date first), not a text
    # match over every event's JSON subjects, which grows with the whole log.
    from lethe.dsr.locate import index_audit_log
    from lethe.dsr.models import AuditSubject

    index_audit_log()
    about = AuditSubject.objects.filter(subject__in=list(found.subjects)).values("event_id")
    events = AuditEvent.objects.filter(seq__in=about).order_by("seq")
    for at, action, purpose, actor in events.values_list("at", "action", "purpose", "actor"):
        found.audit.append(
            {"at": at, "action": action, "purpose": purpose, "actor": _actor_kind(actor)}
        )
