"""Locate: who a request is about, and every record that holds or names them.

Two halves:

- `subjects(actor, identifiers)` finds the subjects that match the requester's
  identifiers (e-mail, phone, identity number, name with or without company) through
  the blind indexes: `gate.find` and `gate.find_name` with `identify=True`, which tell
  a DPO inside an open case the pseudonyms of every match (never a value), audited.
- `holdings(subject_ids)` lists, per subject, the records that hold or name them, as
  `Item`s (kind, id, relation, detail): ids and names of fields, never plaintext.
  Each kind of record has a holder, registered with `@holder(kind)`; a holder gets the
  whole set of subjects and answers in a fixed few queries, whatever their number.
  Later features (consents, disclosures) register their own holders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from lethe.vault import fields, gate, normalize
from lethe.vault.errors import InvalidField
from lethe.vault.policy import Actor, Purpose

PURPOSE = Purpose.DATA_SUBJECT_REQUEST

# What a requester may identify themselves by, in the order locate tries them.
EXACT = ("email", "phone", "identity_number")
IDENTIFIERS = (*EXACT, "name", "company")
MAX_TEXT = 200

# Which identifier each way of identifying the requester needs (Request.Identifier).
NEEDS = {
    "email": ("email",),
    "phone": ("phone",),
    "identity_number": ("identity_number",),
    "name_and_company": ("name", "company"),
}


@dataclass(frozen=True, order=True)
class Item:
    """One record that holds or names a subject: what it is, which one, and how.

    `relation` says how the record concerns the person ("owner-of-record": it is
    theirs; "participant", "mention", "deal-contact", ...); `detail` adds a non-personal
    qualifier (a field name, a role, an activity kind). Never plaintext.
    """

    kind: str
    id: str
    relation: str
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


Holder = Callable[[set[UUID]], Mapping[UUID, list[Item]]]
HOLDERS: dict[str, Holder] = {}


def holder(kind: str):
    """Register the decorated function as the holder of records of `kind`.

    It takes a set of subject ids and returns {subject id: [Item, ...]} for those that
    have such records, in a fixed number of queries (never one per subject or row).
    """

    def decorate(fn: Holder) -> Holder:
        HOLDERS[kind] = fn
        return fn

    return decorate


def holdings(subject_ids: Iterable[UUID]) -> dict[UUID, list[Item]]:
    """Return every subject's items from every holder, sorted by kind and id."""
    ids = set(subject_ids)
    found: dict[UUID, list[Item]] = {s: [] for s in ids}
    if not ids:
        return found
    token = _shared.set({})
    try:
        for fn in HOLDERS.values():
            for subject, items in fn(ids).items():
                found[subject].extend(items)
    finally:
        _shared.reset(token)
    for items in found.values():
        items.sort(key=_order)
    return found


def _order(item: Item):
    return (item.kind, int(item.id) if item.id.isdigit() else 0, item.id, item.relation)


def counts(items: Iterable[Item]) -> dict[str, int]:
    """Return how many items of each kind there are."""
    result: dict[str, int] = {}
    for item in items:
        result[item.kind] = result.get(item.kind, 0) + 1
    return dict(sorted(result.items()))


# -- finding the subjects ---------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def clean_identifiers(values: Mapping[str, object], identified_by: str = "") -> dict[str, str]:
    """Return the identifiers given (normalised), or raise ValidationError naming the field.

    E-mail, phone and identity number must be valid; a company needs a name with it;
    `identified_by` (if given) must have the identifiers it names.
    """
    unknown = sorted(set(values) - set(IDENTIFIERS))
    if unknown:
        raise _invalid(unknown[0], f"not an identifier: use {', '.join(IDENTIFIERS)}")
    cleaned: dict[str, str] = {}
    for key in IDENTIFIERS:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            raise _invalid(key, "must be text")
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise _invalid(key, f"at most {MAX_TEXT} characters")
        if key in EXACT:
            try:
                value = fields.get(key).cleaned(value)
            except InvalidField as exc:
                raise _invalid(key, exc.message) from None
            value = value[0] if isinstance(value, list) else value
        elif key == "name" and not normalize.name_tokens(value):
            raise _invalid(key, "enter at least one letter or digit")
        cleaned[key] = value
    if "company" in cleaned and "name" not in cleaned:
        raise _invalid("name", "give the person's name with the company")
    for key in NEEDS.get(identified_by, ()):
        if key not in cleaned:
            raise _invalid(key, f"required when the requester is identified by {identified_by}")
    if not cleaned:
        raise _invalid("identifiers", "give at least one identifier of the person")
    return cleaned


def subjects(actor: Actor, identifiers: Mapping[str, object]) -> dict[UUID, list[str]]:
    """Return the subjects matching any of the identifiers, each with what it matched on.

    The actor must be allowed to identify (a DPO inside an open case); anyone else
    finds only subjects they may already read. Raises ValidationError naming a bad
    identifier.
    """
    given = clean_identifiers(identifiers)
    found: dict[UUID, list[str]] = defaultdict(list)
    for key in EXACT:
        if key in given:
            for subject in _find(actor, key, given[key]):
                found[subject].append(key)
    if "name" in given:
        matched = _by_name(actor, given["name"])
        label = "name"
        if "company" in given:
            matched = _at_company(matched, given["company"])
            label = "name_and_company"
        for subject in matched:
            found[subject].append(label)
    return dict(sorted(found.items()))


def _find(actor: Actor, field: str, value: str) -> list[UUID]:
    try:
        return gate.find(actor, field, value, PURPOSE, identify=True)
    except InvalidField as exc:
        raise _invalid(field, exc.message) from None


def _by_name(actor: Actor, name: str) -> set[UUID]:
    """Return the subjects whose first and last names hold every word of `name`."""
    try:
        return set(gate.find_name(actor, name, PURPOSE, identify=True))
    except InvalidField as exc:
        raise _invalid("name", exc.message) from None


def _at_company(candidates: set[UUID], company: str) -> set[UUID]:
    """Keep the subjects whose contact is (or was) at a company of that name or number."""
    from lethe.companies.models import Company
    from lethe.contacts.models import Contact

    if not candidates:
        return set()
    digits = "".join(c for c in company if c.isdigit())
    named = Q(name__iexact=company)
    if len(digits) == 10:
        named |= Q(org_number__in=[digits, f"{digits[:6]}-{digits[6:]}"])
    companies = Company.objects.filter(named).values("pk")
    return set(
        Contact.objects.filter(subject_id__in=candidates)
        .filter(Q(company__in=companies) | Q(past_companies__in=companies))
        .values_list("subject_id", flat=True)
    )


@dataclass
class Located:
    """What locate found: subjects with what they matched on, and their holdings."""

    matched: dict[UUID, list[str]]
    holdings: dict[UUID, list[Item]]


def locate(actor: Actor, identifiers: Mapping[str, object]) -> Located:
    """Find the subjects matching the identifiers and everything that holds or names them."""
    matched = subjects(actor, identifiers)
    return Located(matched, holdings(matched))


# -- the holders of the CRM's own records --------------------------------------------

# Lookups several holders need (the people's contacts, the activities naming them) are
# made once per `holdings()` call and shared.
_shared: ContextVar[dict | None] = ContextVar("lethe_locate_shared", default=None)


def _once(name: str, subject_ids: set[UUID], compute: Callable[[], list]) -> list:
    memo = _shared.get()
    if memo is None:
        return compute()
    key = (name, frozenset(subject_ids))
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _grouped(rows, make: Callable[..., Item]) -> dict[UUID, list[Item]]:
    """Group (subject, *rest) rows into items per subject."""
    result: dict[UUID, list[Item]] = defaultdict(list)
    for subject, *rest in rows:
        result[subject].append(make(*rest))
    return result


def _contact_rows(subject_ids: set[UUID]) -> list[tuple[UUID, int, str, object]]:
    """Return (subject, contact id, source, obtained at) of the people's contacts."""
    from lethe.contacts.models import Contact

    return _once(
        "contacts",
        subject_ids,
        lambda: list(
            Contact.objects.filter(subject_id__in=subject_ids).values_list(
                "subject_id", "pk", "source", "obtained_at"
            )
        ),
    )


def _contact_ids(subject_ids: set[UUID]) -> dict[int, UUID]:
    return {pk: subject for subject, pk, _, _ in _contact_rows(subject_ids)}


@holder("contact")
def contact_records(subject_ids):
    """The person's contact record."""
    return _grouped(
        ((s, pk) for s, pk, _, _ in _contact_rows(subject_ids)),
        lambda pk: Item("contact", str(pk), "owner-of-record"),
    )


@holder("source")
def import_sources(subject_ids):
    """Where the person's data came from (Art. 14 and 15(1)(g)) and when."""
    return _grouped(
        _contact_rows(subject_ids),
        lambda pk, source, obtained: Item(
            "source", str(pk), source, obtained.isoformat() if obtained else ""
        ),
    )


def _vault_fields(subject_ids) -> list[tuple[UUID, str, str]]:
    """Return (subject, scope, field) of every personal value the subjects have.

    Asked from the subject's side: which fields exist, never their ciphertexts.
    """
    from lethe.vault.models import Subject

    return _once(
        "fields",
        subject_ids,
        lambda: list(
            Subject.objects.filter(pk__in=subject_ids, values__isnull=False)
            .values_list("pk", "values__scope", "values__field")
            .order_by()
        ),
    )


@holder("personal_field")
def personal_fields(subject_ids):
    """The person's personal fields in the vault, per key scope (default or a legal hold)."""
    rows = [r for r in _vault_fields(subject_ids) if not r[2].startswith("cf.")]
    return _grouped(
        rows, lambda scope, field: Item("personal_field", field, "owner-of-record", scope)
    )


@holder("custom_field")
def custom_fields(subject_ids):
    """Values of custom fields: personal ones in the vault, others on the contact record."""
    from lethe.customfields.models import CustomValue

    result = _grouped(
        [r for r in _vault_fields(subject_ids) if r[2].startswith("cf.")],
        lambda scope, field: Item("custom_field", field, "owner-of-record", scope),
    )
    contacts = _contact_ids(subject_ids)
    if contacts:
        for pk, object_id, key in CustomValue.objects.filter(
            field__entity="contact", object_id__in=list(contacts)
        ).values_list("pk", "object_id", "field__key"):
            result[contacts[object_id]].append(Item("custom_field", str(pk), "contact-field", key))
    return result


@holder("deal")
def deals(subject_ids):
    """Deals the person's contact is part of, with their role in each."""
    from lethe.deals.models import DealContact

    contacts = _contact_ids(subject_ids)
    if not contacts:
        return {}
    rows = DealContact.objects.filter(contact_id__in=list(contacts)).values_list(
        "contact_id", "deal_id", "role"
    )
    return _grouped(
        ((contacts[c], d, r) for c, d, r in rows),
        lambda deal, role: Item("deal", str(deal), "deal-contact", role),
    )


def _activity_links(subject_ids) -> list[tuple[UUID, int, str, str]]:
    """Return (subject, activity id, relation, activity kind) of every activity naming them.

    Three indexed queries (their own, as participant, as @mention) rather than one OR
    over the activity table, which no index serves.
    """
    from lethe.activities.models import Activity, ActivityMention, ActivityParticipant

    def compute():
        contacts = _contact_ids(subject_ids)
        links = []
        if contacts:
            own = Activity.objects.filter(contact_id__in=list(contacts)).values_list(
                "contact_id", "pk", "kind"
            )
            links = [(contacts[c], pk, "owner-of-record", kind) for c, pk, kind in own]
        for model, relation in (
            (ActivityParticipant, "participant"),
            (ActivityMention, "mention"),
        ):
            rows = model.objects.filter(subject_id__in=subject_ids).values_list(
                "subject_id", "activity_id", "activity__kind"
            )
            links += [(s, pk, relation, kind) for s, pk, kind in rows]
        return links

    return _once("activities", subject_ids, compute)


@holder("activity")
def activities(subject_ids):
    """Activities about the person, that they took part in, or whose text @mentions them."""
    return _grouped(
        _activity_links(subject_ids),
        lambda pk, relation, kind: Item("activity", str(pk), relation, kind),
    )


@holder("attachment")
def attachments(subject_ids):
    """Files sealed under the person's key, and files of other activities naming them."""
    from lethe.attachments.models import Attachment

    result = _grouped(
        Attachment.objects.filter(subject_id__in=subject_ids).values_list(
            "subject_id", "pk", "kind", "object_id"
        ),
        lambda pk, kind, object_id: Item(
            "attachment", str(pk), "owner-of-record", f"{kind}:{object_id}"
        ),
    )
    naming: dict[int, list[tuple[UUID, str]]] = defaultdict(list)
    for subject, pk, relation, _kind in _activity_links(subject_ids):
        if relation != "owner-of-record":
            naming[pk].append((subject, relation))
    if naming:
        for pk, object_id in Attachment.objects.filter(
            kind="activity", object_id__in=list(naming)
        ).values_list("pk", "object_id"):
            for subject, relation in naming[object_id]:
                item = Item("attachment", str(pk), f"{relation}-activity", f"activity:{object_id}")
                if item not in result[subject]:
                    result[subject].append(item)
    return result


@holder("sealed_text")
def sealed_texts(subject_ids):
    """Every text sealed under the person's key (activity texts, file names, ...)."""
    from lethe.vault.models import Document

    rows = Document.objects.filter(subject_id__in=subject_ids).values_list(
        "subject_id", "pk", "kind"
    )
    return _grouped(rows, lambda pk, kind: Item("sealed_text", str(pk), "owner-of-record", kind))


@holder("personal_history")
def personal_history(subject_ids):
    """Old values of the person's fields, kept sealed under their key."""
    from lethe.vault.models import PersonalHistory

    rows = PersonalHistory.objects.filter(subject_id__in=subject_ids).values_list(
        "subject_id", "pk", "field"
    )
    return _grouped(
        rows, lambda pk, field: Item("personal_history", str(pk), "owner-of-record", field)
    )


@holder("change")
def record_history(subject_ids):
    """Changes of business fields of the person's contact record."""
    from lethe.core.models import Change

    contacts = _contact_ids(subject_ids)
    if not contacts:
        return {}
    rows = Change.objects.filter(record_kind="contact", record_id__in=list(contacts)).values_list(
        "record_id", "pk", "field"
    )
    return _grouped(
        ((contacts[r], pk, f) for r, pk, f in rows),
        lambda pk, field: Item("change", str(pk), "owner-of-record", field),
    )


@holder("request")
def requests(subject_ids):
    """Data-subject requests the person was located in (this one and earlier ones)."""
    from lethe.dsr.models import RequestSubject

    rows = RequestSubject.objects.filter(subject_id__in=subject_ids).values_list(
        "subject_id", "request_id", "confirmed", "request__kind"
    )
    return _grouped(
        rows,
        lambda pk, confirmed, kind: Item(
            "request", str(pk), "confirmed" if confirmed else "candidate", kind
        ),
    )


INDEX_BATCH = 5000


def index_audit_log() -> int:
    """Add the audit events logged since the last call to the subject index; return how many.

    Runs at the start of every audit look-up, so it usually has a few events to add;
    the first run after installing reads the whole log once. Safe to run concurrently:
    rows are unique per subject and event, and the mark only moves forward.
    """
    from lethe.audit.models import AuditEvent
    from lethe.dsr.models import AuditIndexMark, AuditSubject

    mark, _ = AuditIndexMark.objects.get_or_create(pk=1)
    last, added = mark.seq, 0
    while True:
        rows = list(
            AuditEvent.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list("seq", "subjects")[:INDEX_BATCH]
        )
        if not rows:
            return added
        links = []
        for seq, subjects in rows:
            for text in subjects or ():
                try:
                    links.append(AuditSubject(event_id=seq, subject=UUID(str(text))))
                except ValueError:
                    continue  # not a pseudonym: nothing to find it by
        last = rows[-1][0]
        with transaction.atomic():
            AuditSubject.objects.bulk_create(links, ignore_conflicts=True)
            AuditIndexMark.objects.filter(pk=1, seq__lt=last).update(seq=last)
        added += len(rows)


@holder("audit_event")
def audit_events(subject_ids):
    """Audit events about the person (their pseudonym is in the event's subjects).

    Looked up in the subject index of the log (`index_audit_log`), brought up to date
    first, in one indexed query joined to the log.
    """
    from lethe.dsr.models import AuditSubject

    index_audit_log()
    rows = AuditSubject.objects.filter(subject__in=subject_ids).values_list(
        "subject", "event_id", "event__action"
    )
    return _grouped(rows, lambda seq, action: Item("audit_event", str(seq), "subject", action))
