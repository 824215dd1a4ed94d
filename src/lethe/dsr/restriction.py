"""Restriction of processing (Art. 18): the person's data is kept, but not used.

Fulfilling a restriction request sets each confirmed subject's status to restricted
(lethe.vault.models.Subject.Status.RESTRICTED). From then on:

- the gate refuses every write to their personal data and to notes about them
  (`lethe.vault.errors.SubjectRestricted`), except for a data-subject request (a DPO
  inside its case, e.g. to rectify); deleting or merging their contact is refused too;
- they are left out of CSV exports (lethe.contacts.export) and of anything that uses
  data for marketing (`restricted()`, `exclude_restricted()`, and
  lethe.dsr.objection.not_for_marketing);
- the CRM lists still show them, marked "restricted", and their contact page carries
  the banner "Restricted at the person's request: read-only": hiding them would look
  like an erasure and invite a duplicate.

Lifting the restriction (`lift`) requires recording that the person was told first
(Art. 18(3)): the date and the method; it is a step of the request and audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import recipients, register
from lethe.dsr.fulfilment import handles
from lethe.dsr.models import Request, Restriction
from lethe.dsr.rights_common import PURPOSE, check_acting, choice, past_date, subjects_of
from lethe.vault.models import Subject
from lethe.vault.policy import Actor

RESTRICTED = Subject.Status.RESTRICTED
Method = Restriction.Method


def restricted(subject_ids: Iterable[UUID]) -> set[UUID]:
    """Return which of these subjects are restricted (one query)."""
    ids = list(set(subject_ids))
    if not ids:
        return set()
    return set(Subject.objects.filter(pk__in=ids, status=RESTRICTED).values_list("pk", flat=True))


def exclude_restricted(queryset: QuerySet, subject_field: str = "subject") -> QuerySet:
    """Return `queryset` without the records of restricted subjects (for lists that use data)."""
    return queryset.exclude(**{f"{subject_field}__status": RESTRICTED})


def _status_event(actor: Actor, request: Request, subjects: list[UUID], status: str, **detail):
    log.record(
        actor,
        Action.UPDATE,
        subjects=sorted(str(s) for s in subjects),
        purpose=PURPOSE,
        record_kind="subject",
        record_id=str(request.pk),
        detail={"status": status, "request": request.pk, **detail},
    )


@handles(Request.Kind.RESTRICTION)
def restrict(actor: Actor, request: Request) -> dict:
    """Restrict the processing of the request's confirmed subjects (safe to run again)."""
    check_acting(actor, request, [Request.Kind.RESTRICTION], in_case=True)
    subjects = subjects_of(request)
    live = [s.pk for s in subjects if s.status != Subject.Status.ERASED]
    with transaction.atomic():
        existing = set(
            Restriction.objects.filter(request=request).values_list("subject_id", flat=True)
        )
        Restriction.objects.bulk_create(
            Restriction(subject_id=s, request=request, started_by=actor.label)
            for s in live
            if s not in existing
        )
        Subject.objects.filter(pk__in=live, status=Subject.Status.ACTIVE).update(status=RESTRICTED)
        if live:
            _status_event(actor, request, live, RESTRICTED)
        register.step(actor, request, "restricted", subjects=live, restricted=len(live))
        notify = recipients.to_notify(request, actor)
    return {
        "restricted": len(live),
        "erased": len(subjects) - len(live),
        "recipients_to_notify": len(notify),
    }


def restrictions(request: Request) -> list[Restriction]:
    """Return the restrictions a request made, by subject."""
    return list(Restriction.objects.filter(request=request).order_by("subject_id"))


def lift(
    actor: Actor,
    request: Request,
    told_on: object,
    told_method: object,
    *,
    note: str = "",
) -> list[UUID]:
    """Lift the request's restrictions, after the person was told (Art. 18(3)).

    `told_on` (the date the person was told, not in the future) and `told_method` are
    required; a subject restricted by another request too stays restricted. Works on
    a closed request as well: lifting often comes months after it was fulfilled.
    Returns the subjects whose restriction ended.
    """
    check_acting(actor, request, [Request.Kind.RESTRICTION])
    told_on = past_date(told_on, "told_on")
    told_method = choice(told_method, Method, "told_method")
    active = Restriction.objects.filter(request=request, lifted_at__isnull=True)
    if not active.exists():
        raise ValidationError({"status": "nothing of this request is restricted"})
    started = min(r.started_at for r in active)
    if told_on < timezone.localtime(started).date():
        raise ValidationError({"told_on": "cannot be before the restriction started"})
    with transaction.atomic():
        ids = list(active.values_list("subject_id", flat=True))
        active.update(
            lifted_at=timezone.now(),
            lifted_by=actor.label,
            told_on=told_on,
            told_method=told_method,
        )
        still = set(
            Restriction.objects.filter(subject_id__in=ids, lifted_at__isnull=True).values_list(
                "subject_id", flat=True
            )
        )
        freed = sorted((s for s in ids if s not in still), key=str)
        Subject.objects.filter(pk__in=freed, status=RESTRICTED).update(status=Subject.Status.ACTIVE)
        _status_event(actor, request, freed, Subject.Status.ACTIVE, told_method=told_method)
        register.step(
            actor,
            request,
            "restriction_lifted",
            note=note,
            subjects=ids,
            told_on=told_on.isoformat(),
            told_method=told_method,
            lifted=len(freed),
        )
    return freed
