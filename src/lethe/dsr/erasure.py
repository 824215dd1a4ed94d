"""Erasure (Art. 17): the plan, an execution that resumes where it stopped, the certificate.

The plan (`plan`, registered for "erasure" requests) says, for each confirmed subject,
what will be erased, what anonymised and what kept, and why: counts and ids only.

The execution (`erase`) runs a fixed list of steps per subject, then two for the
request. Each step's main-database work and the record that it is done
(`ErasureRun.done`) commit in one transaction; what lives elsewhere (keys in the
keystore, files in the stores) is destroyed idempotently. A run killed at any point
and run again therefore skips what is done, redoes what was rolled back, and ends in
the state of a run straight through. Everything that needs the person's key (copying
their name into legal holds, reading their e-mail and phone for the suppression list)
comes before the step that destroys it; the deletion of the contact reuses
`lethe.contacts.deletion` and its `on_delete` hooks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lethe.activities import mentions
from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
from lethe.attachments.models import Attachment
from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts import deletion
from lethe.contacts.models import Contact
from lethe.core import history
from lethe.core.models import Change
from lethe.customfields.models import CustomField, CustomValue
from lethe.deals.models import Deal, DealContact, Stage
from lethe.dsr import certificate, register, store, suppression
from lethe.dsr.certificate import CERTIFICATE, WHY_AUDIT, WHY_REQUEST, WHY_SUPPRESSION
from lethe.dsr.fulfilment import handles, plans
from lethe.dsr.models import ErasureRun, Export, Request
from lethe.holds import actions as holds
from lethe.holds.models import BOOKKEEPING_ACT, ERASURE_EXCEPTION, LegalHold
from lethe.vault import documents, gate
from lethe.vault.models import Document, Subject
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Purpose, Role

PURPOSE = Purpose.DATA_SUBJECT_REQUEST
ERASED_PERSON = "[erased person]"
# --- what there is about a person --------------------------------------------------------


def _ids(queryset, field: str = "pk") -> list:
    return sorted(queryset.values_list(field, flat=True).distinct())


def survey(subject_id: UUID) -> dict:
    """Return what Lethe holds about a subject, as the plan and the certificate show it."""
    contact = Contact.objects.filter(subject_id=subject_id).first()
    about = _ids(Activity.objects.filter(contact=contact)) if contact else []
    mentioned = _ids(ActivityMention.objects.filter(subject_id=subject_id), "activity_id")
    took_part = _ids(ActivityParticipant.objects.filter(subject_id=subject_id), "activity_id")
    files = Attachment.objects.filter(subject_id=subject_id)
    if contact is not None:
        files = files | Attachment.objects.filter(kind="contact", object_id=contact.pk)
    changes = Change.objects.filter(record_kind="activity", record_id__in=about).count()
    custom = 0
    if contact is not None:
        changes += Change.objects.filter(record_kind="contact", record_id=contact.pk).count()
        custom = CustomValue.objects.filter(
            field__entity=CustomField.Entity.CONTACT, object_id=contact.pk
        ).count()
    deals = _ids(DealContact.objects.filter(contact=contact), "deal_id") if contact else []
    held = LegalHold.objects.filter(subject_id=subject_id, released_at__isnull=True)
    won = Deal.objects.filter(pk__in=deals, stage__kind=Stage.Kind.WON)
    to_hold = sorted(set(_ids(won)) - set(held.values_list("record_id", flat=True)))
    stored = gate.inventory(subject_id)
    return {
        "subject": str(subject_id),
        "contact": contact.pk if contact else None,
        "erase": {
            "contact": [contact.pk] if contact else [],
            "personal_fields": stored["values"].get(DEFAULT_SCOPE, 0),
            "personal_history": stored["history"].get(DEFAULT_SCOPE, 0),
            "activities": about,
            "participant_links": took_part,
            "mention_links": mentioned,
            "attachments": sorted(str(a) for a in files.values_list("pk", flat=True)),
            "sealed_texts": stored["texts"],
            "custom_values": custom,
            "record_history": changes,
            "blind_index": sum(stored["index"].values()),
            "exports": sorted(str(e) for e in _exports(subject_id).values_list("pk", flat=True)),
            "key": DEFAULT_SCOPE,
        },
        "anonymise": {
            "deals": deals,
            "mentions": sorted(set(mentioned) - set(about)),
            "tags": contact.tags.count() if contact else 0,
            "lists": 0,  # marketing lists do not exist yet
        },
        "keep": {
            "holds": [certificate.hold_entry(h) for h in held.order_by("pk")],
            "holds_to_make": [
                {
                    "record": f"deal:{pk}",
                    "legal_basis": f"{BOOKKEEPING_ACT}; {ERASURE_EXCEPTION}",
                    "until": _until(pk),
                }
                for pk in to_hold
            ],
            "suppression": {
                "email": stored["index"].get("email", 0),
                "phone": stored["index"].get("phone", 0),
                "why": WHY_SUPPRESSION,
            },
            "audit_events": WHY_AUDIT,
            "request": WHY_REQUEST,
        },
    }


def _until(deal_id: int) -> str:
    deal = Deal.objects.get(pk=deal_id)
    closed = timezone.localdate(deal.closed_at) if deal.closed_at else timezone.localdate()
    return holds.held_until(closed).isoformat()


def _exports(subject_id: UUID):
    """The exports (not yet purged) of every request this person is linked to."""
    return Export.objects.filter(
        request__subjects__subject_id=subject_id, purged_at__isnull=True
    ).exclude(kind=CERTIFICATE)


# --- the plan ----------------------------------------------------------------------------


def _subjects(request: Request) -> list[UUID]:
    if request.kind != Request.Kind.ERASURE:
        raise ValidationError({"kind": "not an erasure request"})
    subjects = register.confirmed_subjects(request)
    if not subjects:
        raise ValidationError({"subjects": "confirm the person's records first"})
    return subjects


@plans("erasure")
def plan(actor: Actor, request: Request) -> dict:
    """Return what erasing the request's confirmed subjects will erase, anonymise and keep."""
    if not register.may_act(actor):
        raise PermissionError("only the dpo role may act on data-subject requests")
    return {
        "kind": "erasure",
        "request": request.pk,
        "subjects": [survey(s) for s in _subjects(request)],
    }


# --- the execution -----------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """What the steps of one run share."""

    actor: Actor  # the DPO, inside the request's case
    system: Actor  # Lethe's own job for the work nobody reads (holds, mention rewrites)
    request: Request
    record: ErasureRun

    def result(self, step: str, subject: UUID | None = None):
        return self.record.done.get(_key(step, subject))

    @property
    def reason(self) -> str:
        return f"dsr:{self.request.pk}"


def _key(step: str, subject: UUID | None) -> str:
    return step if subject is None else f"{step}:{subject}"


def _survey(run: Run, subject: UUID) -> dict:
    """Record what there is before anything goes (the certificate reports it)."""
    return survey(subject)


def _holds(run: Run, subject: UUID) -> dict:
    """Make the holds the person's won deals call for, while their key still opens."""
    made = holds.hold_subject(run.actor, subject)
    return {"made": [h.pk for h in made]}


def _suppression(run: Run, subject: UUID) -> dict:
    """Put keyed hashes of their e-mail addresses and phone numbers on the list."""
    values = gate.read(run.actor, [subject], PURPOSE, names=["email", "phone"])[subject]
    if any(isinstance(v, gate.Masked) for v in values.values()):
        raise PermissionError("the case does not let you read this person's e-mail and phone")
    pairs = []
    for kind in ("email", "phone"):
        value = values.get(kind)
        if isinstance(value, list):
            pairs.extend((kind, v) for v in value)
    added = suppression.add(run.actor, pairs, suppression.Reason.ERASURE, request=run.request)
    return {
        "email": sum(1 for k, _ in pairs if k == "email"),
        "phone": sum(1 for k, _ in pairs if k == "phone"),
        "added": added,
        "unreadable": any(isinstance(v, gate.Erased) for v in values.values()),
    }


def _mentions(run: Run, subject: UUID) -> dict:
    """Replace their @mentions in other people's notes by "[erased person]"."""
    planned = run.result("survey", subject)
    if planned["contact"] is None:
        return {"activities": []}
    token = mentions.token(planned["contact"])
    others = Activity.objects.filter(pk__in=planned["anonymise"]["mentions"]).exclude(body=None)
    texts = {a.body_id: a.pk for a in others}
    bodies = list(Document.objects.filter(pk__in=list(texts)))
    before = {d.id: bytes(d.ciphertext) for d in bodies}  # rewrite re-seals what it changes
    documents.rewrite(
        run.system, bodies, lambda text: text.replace(token, ERASED_PERSON), reason=run.reason
    )
    rewritten = [texts[d.id] for d in bodies if bytes(d.ciphertext) != before[d.id]]
    return {"activities": sorted(rewritten)}


def _exports_step(run: Run, subject: UUID) -> dict:
    """Purge the exports made for their requests (their keys go, then the files)."""
    exports = list(_exports(subject).select_related("record_key").order_by("pk"))
    store.purge(run.actor, exports, reason=run.reason)
    return {"exports": sorted(str(e.pk) for e in exports)}


def _records(run: Run, subject: UUID) -> dict:
    """Delete the contact (with the on_delete hooks) and destroy the default-scope key."""
    planned = run.result("survey", subject)
    contact = Contact.objects.filter(subject_id=subject).first()
    if contact is not None:
        deletion.delete_contact(run.actor, PURPOSE, contact, reason=run.reason)
    else:
        ActivityParticipant.objects.filter(subject_id=subject).delete()
        ActivityMention.objects.filter(subject_id=subject).delete()
        gate.shred(run.actor, Subject.objects.get(pk=subject), reason=run.reason)
    history.forget("activity", planned["erase"]["activities"])
    return {"contact": planned["contact"], "key": DEFAULT_SCOPE}


def _leftovers(run: Run, subject: UUID) -> dict:
    """Drop what the destroyed key sealed and nothing else removed: values, old values,
    texts and files under their key (the files of their activities too)."""
    files = Attachment.objects.filter(subject_id=subject)
    attachments = files.count()
    files.delete()  # each file leaves the store once this commits (attachments.signals)
    counts = gate.purge(run.actor, subject, reason=run.reason)  # refused while the key exists
    Subject.objects.filter(pk=subject).exclude(status=Subject.Status.ERASED).update(
        status=Subject.Status.ERASED, erased_at=timezone.now()
    )
    return {"attachments": attachments, **counts}


# Steps per subject, in order. Everything that opens the person's key comes before
# "records", which destroys it.
SUBJECT_STEPS: dict[str, Callable[[Run, UUID], dict]] = {
    "survey": _survey,
    "holds": _holds,
    "suppression": _suppression,
    "mentions": _mentions,
    "exports": _exports_step,
    "records": _records,
    "leftovers": _leftovers,
}


def _audited(run: Run, subjects: list[UUID]) -> dict:
    """Append the erasure's audit event (the certificate proves its inclusion)."""
    kept = [
        h.pk for h in LegalHold.objects.filter(subject_id__in=subjects, released_at__isnull=True)
    ]
    event = log.record(
        run.actor,
        Action.ERASURE,
        subjects=subjects,
        purpose=PURPOSE,
        record_kind="dsr",
        record_id=str(run.request.pk),
        detail={"request": run.request.pk, "erased": len(subjects), "holds_kept": sorted(kept)},
    )
    register.step(run.actor, run.request, "erased", subjects=subjects, audit_seq=event.seq)
    return {"seq": event.seq}


def _recipients(run: Run, subjects: list[UUID]) -> dict:
    """List the recipients that received the person's data, to tell them (Art. 19)."""
    from lethe.dsr import recipients

    return {"notifications": [n.pk for n in recipients.to_notify(run.request, run.actor)]}


def _certify(run: Run, subjects: list[UUID]) -> dict:
    """Build the certificate once (with the inclusion proof), so a rerun saves the same."""
    return certificate.build(run, subjects)


def _certificate(run: Run, subjects: list[UUID]) -> dict:
    """Store the certificate as JSON and HTML in the export store."""
    return certificate.save(run)


# Steps of the request, after every subject's; the last one writes files and is not
# part of a database transaction (store.save cleans up after itself, and a rerun finds
# the files it saved by name).
REQUEST_STEPS: dict[str, Callable[[Run, list[UUID]], dict]] = {
    "recipients": _recipients,
    "audited": _audited,
    "certify": _certify,
    "certificate": _certificate,
}
UNWRAPPED = {"certificate"}


def _do(run: Run, step: str, subject, work: Callable[[], dict]) -> None:
    """Run one step unless it is done, and record it as done in the same transaction."""
    key = _key(step, subject)
    if key in run.record.done:
        return
    if step in UNWRAPPED:
        result = work()
        with transaction.atomic():
            _mark(run, key, result)
        return
    with transaction.atomic():
        locked = ErasureRun.objects.select_for_update().get(pk=run.record.pk)
        if key in locked.done:  # a concurrent run did it
            run.record.done = locked.done
            return
        run.record.done = locked.done
        _mark(run, key, work())


def _mark(run: Run, key: str, result: dict) -> None:
    run.record.done[key] = result
    ErasureRun.objects.filter(pk=run.record.pk).update(done=run.record.done)


def _start(actor: Actor, request: Request) -> Run:
    if Role.DPO not in actor.roles:
        raise PermissionError("an erasure is carried out by a DPO inside the request's case")
    if not request.is_open:
        raise ValidationError({"status": "the request is closed"})
    actor = dataclasses.replace(actor, case=request.case)
    with transaction.atomic():
        record, created = ErasureRun.objects.get_or_create(request=request)
        ErasureRun.objects.filter(pk=record.pk).update(attempts=record.attempts + 1)
        if created and request.status != Request.Status.IN_PROGRESS:
            register.step(actor, request, "erasure_started", status=Request.Status.IN_PROGRESS)
    system = Actor(
        "system",
        "erasure",
        frozenset({Role.SYSTEM}),
        case=request.case,
        request_id=actor.request_id,
        client_addr=actor.client_addr,
    )
    return Run(actor, system, request, record)


@handles("erasure")
def erase(actor: Actor, request: Request) -> dict:
    """Erase the request's confirmed subjects (resuming an interrupted run); return the
    outcome to record: the certificate's exports and the audit event, no personal data."""
    subjects = _subjects(request)
    run = _start(actor, request)
    for subject in subjects:
        for step, work in SUBJECT_STEPS.items():
            _do(run, step, subject, lambda w=work, s=subject: w(run, s))
    for step, work in REQUEST_STEPS.items():
        _do(run, step, None, lambda w=work: w(run, subjects))
    if run.record.finished_at is None:
        run.record.finished_at = timezone.now()
        ErasureRun.objects.filter(pk=run.record.pk).update(finished_at=run.record.finished_at)
    return outcome(run.record)


def outcome(record: ErasureRun) -> dict:
    """Return the outcome of a finished run, as the request records it: the certificate
    (which outlives its exported files, kept 7 days) and where its files are."""
    done = record.done
    return {
        "erasure": {
            "certificate_exports": done["certificate"],
            "audit_seq": done["audited"]["seq"],
            "certificate": done["certify"],
        }
    }
