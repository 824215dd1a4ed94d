"""Recipients (Art. 19): who received a person's data, and telling them of a change.

A `Recipient` is a business Lethe's data goes to (a processor, another controller, an
authority). Each hand-over is a `Disclosure`: the recipient, the subjects (by
pseudonym), the data categories, the purpose, the channel (an export to a third
party, an integration), when and by whom. Disclosures are recorded where Lethe hands
data over (the contacts CSV export marked for a recipient) or by hand by the DPO.

For a rectification, erasure or restriction, `to_notify(request)` lists the recipients
that received the person's data and keeps one `Notification` per recipient to track
that (and when, by whom and how) they were told.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import register
from lethe.dsr.models import (
    DisclosedSubject,
    Disclosure,
    Notification,
    Recipient,
    Request,
)
from lethe.dsr.rights_common import check_acting, choice, past_date
from lethe.vault.fields import Category
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose

# Requests whose change must be passed on to the recipients (Art. 19).
NOTIFIED_KINDS = (
    Request.Kind.RECTIFICATION,
    Request.Kind.ERASURE,
    Request.Kind.RESTRICTION,
)
COUNTRY = re.compile(r"[A-Z]{2}")
MAX_SUBJECTS = 100_000


def check_actor(actor: Actor) -> None:
    """Refuse anyone but a DPO (or a system job)."""
    if not register.may_act(actor):
        raise PermissionError("only the dpo role may keep the register of recipients")


def create_recipient(actor: Actor, name: object, kind: object, country: object = "") -> Recipient:
    """Add a recipient to the register; raise ValidationError naming the bad field."""
    check_actor(actor)
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError({"name": "give the recipient's name"})
    if len(name) > 160:
        raise ValidationError({"name": "must be at most 160 characters"})
    if Recipient.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "a recipient with this name exists"})
    kind = choice(kind, Recipient.Kind, "kind")
    country = country.strip().upper() if isinstance(country, str) else country
    if country and not (isinstance(country, str) and COUNTRY.fullmatch(country)):
        raise ValidationError({"country": "a two-letter country code (ISO 3166), e.g. SE"})
    with transaction.atomic():
        recipient = Recipient.objects.create(
            name=name, kind=kind, country=country or "", created_by=actor.label
        )
        log.record(
            actor,
            Action.CREATE,
            record_kind="recipient",
            record_id=str(recipient.pk),
            purpose=Purpose.ACCOUNTABILITY,
            detail={"kind": kind},
        )
    return recipient


def _subject_ids(subjects: object) -> list[UUID]:
    if isinstance(subjects, str):
        subjects = subjects.split()
    if not isinstance(subjects, list | tuple | set) or not subjects:
        raise ValidationError({"subjects": "give the pseudonyms of the people disclosed"})
    if len(subjects) > MAX_SUBJECTS:
        raise ValidationError({"subjects": f"at most {MAX_SUBJECTS} in one disclosure"})
    try:
        ids = sorted({s if isinstance(s, UUID) else uuid.UUID(str(s)) for s in subjects})
    except ValueError:
        raise ValidationError({"subjects": "each must be a pseudonym (a UUID)"}) from None
    known = set(Subject.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if len(known) < len(ids):
        raise ValidationError({"subjects": f"{len(ids) - len(known)} of them are not known"})
    return ids


def _categories(categories: object) -> list[str]:
    if isinstance(categories, str):
        categories = [categories]
    if not isinstance(categories, list | tuple | set) or not categories:
        raise ValidationError({"categories": "give the data categories disclosed"})
    known = {c.value for c in Category}
    wrong = [c for c in categories if not isinstance(c, str) or c not in known]
    if wrong:
        raise ValidationError({"categories": f"not a data category: {wrong[0]}"})
    return sorted(set(categories))


def record_disclosure(
    actor: Actor,
    recipient: Recipient | int | object,
    subjects: Iterable[UUID] | object,
    categories: Iterable[str] | object,
    purpose: object,
    channel: object,
    *,
    at: object = None,
) -> Disclosure:
    """Record that personal data of `subjects` went to `recipient`; audited, pseudonyms only.

    Used where Lethe itself hands data over (any actor who may do that hand-over) and
    by the DPO recording one by hand.
    """
    if not isinstance(recipient, Recipient):
        if isinstance(recipient, bool) or not isinstance(recipient, int):
            raise ValidationError({"recipient": "give the id of a recipient in the register"})
        found = Recipient.objects.filter(pk=recipient).first()
        if found is None:
            raise ValidationError({"recipient": "no such recipient"})
        recipient = found
    ids = _subject_ids(subjects)
    categories = _categories(categories)
    try:
        purpose = Purpose(purpose)
    except ValueError:
        raise ValidationError({"purpose": "not a known purpose"}) from None
    channel = choice(channel, Disclosure.Channel, "channel")
    when = timezone.now()
    if at not in (None, ""):
        day = past_date(at, "at")
        when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            recipient=recipient,
            categories=categories,
            purpose=purpose,
            channel=channel,
            at=when,
            by=actor.label,
            subject_count=len(ids),
        )
        DisclosedSubject.objects.bulk_create(
            DisclosedSubject(disclosure=disclosure, subject_id=s) for s in ids
        )
        log.record(
            actor,
            Action.CREATE,
            subjects=ids,
            categories=categories,
            purpose=purpose,
            record_kind="disclosure",
            record_id=str(disclosure.pk),
            detail={"recipient": recipient.pk, "channel": channel, "subjects": len(ids)},
        )
    return disclosure


def disclosures_of(subject_ids: Iterable[UUID]) -> list[Disclosure]:
    """Return the disclosures that handed over data of any of these subjects, newest first.

    For locate (the records that hold or name a person): each disclosure comes with
    its recipient, and `matched` lists which of the given subjects it concerns.
    """
    ids = set(subject_ids)
    if not ids:
        return []
    links = DisclosedSubject.objects.filter(subject_id__in=ids).values_list(
        "disclosure_id", "subject_id"
    )
    matched: dict[int, list[UUID]] = {}
    for disclosure, subject in links:
        matched.setdefault(disclosure, []).append(subject)
    found = list(Disclosure.objects.filter(pk__in=matched).select_related("recipient"))
    for disclosure in found:
        disclosure.matched = sorted(matched[disclosure.pk], key=str)
    return found


def recipients_of(subject_ids: Iterable[UUID]) -> list[Recipient]:
    """Return the recipients that received data of any of these subjects."""
    ids = list(set(subject_ids))
    if not ids:
        return []
    return list(Recipient.objects.filter(disclosures__subjects__subject_id__in=ids).distinct())


def to_notify(request: Request, actor: Actor | None = None) -> list[Notification]:
    """Return the recipients to tell of this request's change, one tracked Notification each.

    For rectification, erasure and restriction requests: every recipient that received
    data of the request's confirmed subjects gets a Notification row (made once; safe
    to call again). With `actor`, newly listed recipients are a step of the request.
    Other kinds of request have none.
    """
    if request.kind not in NOTIFIED_KINDS:
        return []
    recipients = recipients_of(register.confirmed_subjects(request))
    known = set(request.notifications.values_list("recipient_id", flat=True))
    new = [r for r in recipients if r.pk not in known]
    if new:
        with transaction.atomic():
            Notification.objects.bulk_create(
                [Notification(request=request, recipient=r) for r in new], ignore_conflicts=True
            )
            if actor is not None:
                register.step(
                    actor, request, "recipients_listed", recipients=sorted(r.pk for r in new)
                )
    return list(request.notifications.select_related("recipient"))


def mark_notified(
    actor: Actor, notification: Notification, method: object, notified_on: object = None
) -> Notification:
    """Record that (and when, how) the recipient was told of the request's change."""
    request = notification.request
    check_acting(actor, request)
    if notification.done:
        raise ValidationError({"notification": "already recorded as notified"})
    method = choice(method, Notification.Method, "method")
    day = past_date(notified_on, "notified_on", required=False) or timezone.localdate()
    if day < request.received_on:
        raise ValidationError({"notified_on": "cannot be before the request was received"})
    with transaction.atomic():
        notification.notified_on = day
        notification.notified_by = actor.label
        notification.method = method
        notification.save(update_fields=["notified_on", "notified_by", "method"])
        register.step(
            actor,
            request,
            "recipient_notified",
            recipient=notification.recipient_id,
            method=method,
        )
    return notification


def context(request: Request) -> dict:
    """Return the template context of `dsr/rights/_recipients.html` for a request page."""
    notifications = to_notify(request) if request.kind in NOTIFIED_KINDS else []
    return {
        "rights_request": request,
        "rights_notified_kind": request.kind in NOTIFIED_KINDS,
        "rights_notifications": notifications,
        "rights_outstanding": sum(1 for n in notifications if not n.done),
        "rights_methods": Notification.Method.choices,
    }
