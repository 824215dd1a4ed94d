"""The write path for activities: each action is one transaction, audited.

The text goes to the vault as a sealed Document: under the contact's subject key if
the activity is about a person, else under the record key of its deal, else of its
company (`lethe.core.records`). Who may write text about a person is the gate's
role table (category user.content); a refusal is audited before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from lethe.activities import mentions
from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.contacts.models import Contact
from lethe.core import history, records
from lethe.vault import documents
from lethe.vault.errors import AccessDenied
from lethe.vault.fields import Category
from lethe.vault.models import Document, RecordKey, Subject
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Purpose, may_write

BODY_KIND = "activity.body"
FIELDS = ["kind", "occurred_at", "due_date", "contact", "company", "deal", "owner"]


class ActivityError(ValueError):
    """An action that cannot be done to this activity; `field` names why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _record(actor: Actor, action: Action, activity: Activity, purpose, subjects, changed=()):
    log.record(
        actor,
        action,
        record_kind="activity",
        record_id=activity.pk,
        subjects=subjects,
        purpose=purpose,
        detail={"kind": activity.kind, "fields": sorted(changed)},
    )


def _linked_subjects(activity: Activity) -> list:
    found = set(activity.participant_links.values_list("subject_id", flat=True))
    found |= set(activity.mention_links.values_list("subject_id", flat=True))
    if activity.contact_id:
        found.add(activity.contact.subject_id)
    return sorted(found, key=str)


def _check_text(actor: Actor, purpose: Purpose, subject_ids: Iterable) -> None:
    """Refuse (audited, in its own transaction) text about people the actor may not write."""
    subject_ids = sorted(set(subject_ids), key=str)
    if subject_ids and not may_write(
        actor, purpose, DEFAULT_SCOPE, subject_ids, {Category.CONTENT}
    ):
        with transaction.atomic():
            log.record(
                actor,
                Action.ACCESS_DENIED,
                outcome=Outcome.DENIED,
                subjects=subject_ids,
                denied_categories=[Category.CONTENT],
                purpose=purpose,
                record_kind="activity",
                detail={"attempted": "write activity text"},
            )
        raise AccessDenied("your roles may not write notes about this person")


def _key_owners(items: Sequence[dict]) -> list[Subject | RecordKey | None]:
    """Return, per item, the owner of the key that seals its text (None: no link)."""
    deal_ids = [i["deal"].pk for i in items if not i.get("contact") and i.get("deal")]
    company_ids = [
        i["company"].pk
        for i in items
        if not i.get("contact") and not i.get("deal") and i.get("company")
    ]
    deal_keys = records.keys_for("deal", deal_ids)
    company_keys = records.keys_for("company", company_ids)
    owners = []
    for item in items:
        if item.get("contact"):
            owners.append(Subject(id=item["contact"].subject_id))
        elif item.get("deal"):
            owners.append(deal_keys[item["deal"].pk])
        elif item.get("company"):
            owners.append(company_keys[item["company"].pk])
        else:
            owners.append(None)
    return owners


def _mentioned(texts: Sequence[str]) -> list[list]:
    """Return, per text, the subjects its @[contact:ID] tokens mention (one query for all)."""
    wanted = []
    for text in texts:
        try:
            wanted.append(mentions.contact_ids(text or ""))
        except mentions.MentionError as exc:
            raise ActivityError("body", str(exc)) from None
    ids = {i for found in wanted for i in found}
    subjects = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "subject_id"))
    missing = sorted(ids - set(subjects))
    if missing:
        raise ActivityError("body", f"no contact to mention with id {', '.join(map(str, missing))}")
    return [[subjects[i] for i in found] for found in wanted]


def _links(activity: Activity, participants, mentioned) -> tuple[list, list]:
    """Return the link rows: `participants` are contacts, `mentioned` subject ids."""
    # Ids, not instances: a batch of thousands pays for every descriptor call.
    return (
        [
            ActivityParticipant(activity_id=activity.pk, subject_id=s)
            for s in dict.fromkeys(c.subject_id for c in participants)
        ],
        [ActivityMention(activity_id=activity.pk, subject_id=s) for s in dict.fromkeys(mentioned)],
    )


def _pk(record) -> int | None:
    return None if record is None else record.pk


def create_activities(
    actor: Actor, purpose: Purpose, items: Sequence[dict], *, owner=None
) -> list[Activity]:
    """Create activities from cleaned data (ActivityForm) as one batch: one seal, one event.

    Each item has the form's fields: `body` is text or "", `participants` contacts.
    The people the text @mentions are linked from its tokens.
    """
    items = list(items)
    if not items:
        return []
    for item in items:
        if not any(item.get(link) for link in ("contact", "company", "deal")):
            raise ActivityError("contact", "link the activity to a contact, a company or a deal")
    _check_text(
        actor,
        purpose,
        (i["contact"].subject_id for i in items if i.get("body") and i.get("contact")),
    )
    mentioned = _mentioned([i.get("body") or "" for i in items])
    with_text = [i for i in items if i.get("body")]
    owners = _key_owners(with_text)  # record keys only for records that get a text
    texts = [(o, BODY_KIND, i["body"]) for o, i in zip(owners, with_text, strict=True)]
    now = timezone.now()
    with transaction.atomic():
        sealed = iter(documents.seal(actor, purpose, texts))
        activities = []
        for item in items:
            activity = Activity(
                kind=item["kind"],
                occurred_at=item.get("occurred_at") or now,
                due_date=item.get("due_date"),
                **{f"{f}_id": _pk(item.get(f)) for f in ("contact", "company", "deal")},
                owner_id=_pk(item.get("owner") or owner),
                body_id=next(sealed).id if item.get("body") else None,
            )
            activities.append(activity)
        Activity.objects.bulk_create(activities)
        participants, mentions = [], []
        for activity, item, named in zip(activities, items, mentioned, strict=True):
            p, m = _links(activity, item.get("participants", ()), named)
            participants += p
            mentions += m
        ActivityParticipant.objects.bulk_create(participants)
        ActivityMention.objects.bulk_create(mentions)
        subjects = {i["contact"].subject_id for i in items if i.get("contact")}
        subjects |= {link.subject_id for link in (*participants, *mentions)}
        if len(activities) == 1:
            _record(
                actor,
                Action.CREATE,
                activities[0],
                purpose,
                subjects,
                [f for f in FIELDS if items[0].get(f)] + (["body"] if items[0].get("body") else []),
            )
        else:
            log.record(
                actor,
                Action.CREATE,
                record_kind="activity",
                subjects=subjects,
                purpose=purpose,
                detail={"activities": len(activities)},
            )
    return activities


def create_activity(actor: Actor, purpose: Purpose, data: dict, *, owner=None) -> Activity:
    """Create one activity from cleaned data (ActivityForm)."""
    return create_activities(actor, purpose, [data], owner=owner)[0]


def update_activity(actor: Actor, purpose: Purpose, activity: Activity, data: dict) -> Activity:
    """Change the given fields (cleaned data); `body` replaces the text, "" removes it.

    If the new links change which key seals the text, the text moves: it is sealed
    anew under the new key and the old Document is deleted.
    """
    changed = [f for f in FIELDS if f in data and getattr(activity, f) != data[f]]
    merged = {f: data[f] if f in data else getattr(activity, f) for f in FIELDS}
    if not any(merged[link] for link in ("contact", "company", "deal")):
        raise ActivityError("contact", "link the activity to a contact, a company or a deal")
    old = activity.body if activity.body_id else None
    text = data.get("body")
    named = _mentioned([text])[0] if text else []
    new_owner = _key_owners([merged])[0] if text or old is not None else None
    moving = old is not None and (old.subject_id or old.record_key_id) != new_owner.id
    if moving and text is None:
        text = _readable_text(actor, purpose, activity)
    if text is not None:
        touched = {new_owner.id} if text and isinstance(new_owner, Subject) else set()
        if old is not None and old.subject_id:
            touched.add(old.subject_id)
        _check_text(actor, purpose, touched)
    with transaction.atomic():
        history.record(
            actor, "activity", activity.pk, {f: (getattr(activity, f), merged[f]) for f in changed}
        )
        for name in changed:
            setattr(activity, name, merged[name])
        if activity.kind != Activity.Kind.TASK:
            activity.due_date = activity.done_at = None
        if text == "":
            activity.body = None
        elif text is not None and (old is None or moving):
            activity.body = documents.seal(actor, purpose, [(new_owner, BODY_KIND, text)])[0]
        elif text is not None:
            documents.replace(actor, purpose, old, text)
        activity.save()
        if old is not None and activity.body_id != old.id:
            Document.objects.filter(pk=old.pk).delete()
        if "participants" in data:
            activity.participant_links.all().delete()
            ActivityParticipant.objects.bulk_create(_links(activity, data["participants"], ())[0])
            changed.append("participants")
        if "body" in data:
            activity.mention_links.all().delete()
            ActivityMention.objects.bulk_create(_links(activity, (), named)[1])
            changed.append("body")
        _record(actor, Action.UPDATE, activity, purpose, _linked_subjects(activity), changed)
    return activity


def _readable_text(actor: Actor, purpose: Purpose, activity: Activity) -> str:
    text = documents.open_many(actor, purpose, [activity.body])[activity.body_id]
    if not isinstance(text, str):
        raise ActivityError("body", "you may not read the text to move it: give it anew")
    return text


def _done(actor: Actor, activity: Activity, done: bool) -> Activity:
    if not activity.is_task:
        raise ActivityError("kind", "only tasks can be completed or reopened")
    if (activity.done_at is not None) != done:
        before, activity.done_at = activity.done_at, timezone.now() if done else None
        with transaction.atomic():
            history.record(actor, "activity", activity.pk, {"done_at": (before, activity.done_at)})
            activity.save(update_fields=["done_at", "updated_at"])
            _record(
                actor,
                Action.UPDATE,
                activity,
                Purpose.CUSTOMER_RELATIONSHIP,
                _linked_subjects(activity),
                ["done_at"],
            )
    return activity


def complete_task(actor: Actor, activity: Activity) -> Activity:
    """Mark a task done."""
    return _done(actor, activity, True)


def reopen_task(actor: Actor, activity: Activity) -> Activity:
    """Mark a done task open again."""
    return _done(actor, activity, False)


@transaction.atomic
def archive_activity(actor: Actor, activity: Activity) -> Activity:
    """Archive an activity (hidden from timelines and lists); reversible."""
    if activity.archived_at is None:
        activity.archived_at = timezone.now()
        activity.save(update_fields=["archived_at", "updated_at"])
        history.record(
            actor, "activity", activity.pk, {"archived_at": (None, activity.archived_at)}
        )
        _record(
            actor,
            Action.ARCHIVE,
            activity,
            Purpose.CUSTOMER_RELATIONSHIP,
            _linked_subjects(activity),
        )
    return activity


@transaction.atomic
def restore_activity(actor: Actor, activity: Activity) -> Activity:
    """Bring an archived activity back."""
    if activity.archived_at is not None:
        history.record(
            actor, "activity", activity.pk, {"archived_at": (activity.archived_at, None)}
        )
        activity.archived_at = None
        activity.save(update_fields=["archived_at", "updated_at"])
        _record(
            actor,
            Action.UPDATE,
            activity,
            Purpose.CUSTOMER_RELATIONSHIP,
            _linked_subjects(activity),
            ["archived_at"],
        )
    return activity


def delete_activity(actor: Actor, purpose: Purpose, activity: Activity) -> None:
    """Delete an activity and destroy its text (the sealed Document goes with it).

    Text about a person may be deleted only by those who may write that person's notes.
    """
    if activity.body_id and activity.body.subject_id:
        _check_text(actor, purpose, [activity.body.subject_id])
    with transaction.atomic():
        _record(actor, Action.DELETE, activity, purpose, _linked_subjects(activity))
        body_id, pk = activity.body_id, activity.pk
        activity.delete()
        history.forget("activity", [pk])
        if body_id:
            Document.objects.filter(pk=body_id).delete()
