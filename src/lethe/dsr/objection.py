"""Objection to direct marketing (Art. 21(2)-(3)): it takes effect at once, for good.

Fulfilling an objection request, in the request's case:

- reads the confirmed subjects' e-mail addresses and phone numbers through the gate
  and puts their keyed hashes on the suppression list (reason "objection"), so that a
  later import or form cannot bring them back into marketing;
- sets a `MarketingObjection` marker per subject, which every marketing feature checks
  with `objected()` (or `not_for_marketing()`, which adds restricted subjects).

Nothing waits for a worker: when the handler returns, the objection is in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import register, restriction, suppression
from lethe.dsr.fulfilment import handles
from lethe.dsr.models import MarketingObjection, Request, Suppression
from lethe.dsr.rights_common import PURPOSE, check_acting, subjects_of
from lethe.vault import gate
from lethe.vault.models import Subject
from lethe.vault.policy import Actor

CHANNELS = (("email", Suppression.Kind.EMAIL), ("phone", Suppression.Kind.PHONE))


def objected(subject_ids: Iterable[UUID]) -> set[UUID]:
    """Return which of these subjects objected to direct marketing (one query)."""
    ids = list(set(subject_ids))
    if not ids:
        return set()
    return set(
        MarketingObjection.objects.filter(subject_id__in=ids).values_list("subject_id", flat=True)
    )


def exclude_objected(queryset: QuerySet, subject_field: str = "subject") -> QuerySet:
    """Return `queryset` without the records of subjects who objected to direct marketing."""
    return queryset.exclude(
        **{
            f"{subject_field}__in": MarketingObjection.objects.values("subject_id"),
        }
    )


def not_for_marketing(subject_ids: Iterable[UUID]) -> set[UUID]:
    """Return the subjects a marketing list must leave out: objected or restricted."""
    ids = list(set(subject_ids))
    return objected(ids) | restriction.restricted(ids)


def _contact_points(actor: Actor, subjects: list[Subject]) -> list[tuple[str, str]]:
    """Return (kind, value) of the subjects' e-mails and phones, read in the case."""
    values = gate.read(actor, subjects, PURPOSE, names=[name for name, _ in CHANNELS])
    points = []
    for subject in subjects:
        for name, kind in CHANNELS:
            value = values[subject.pk].get(name)
            if isinstance(value, gate.Masked):
                raise ValidationError({"subjects": "a subject is outside the request's case"})
            if isinstance(value, list):
                points.extend((kind, item) for item in value)
    return points


@handles(Request.Kind.OBJECTION)
def object_to_marketing(actor: Actor, request: Request) -> dict:
    """Stop direct marketing to the request's confirmed subjects, at once (safe to run again)."""
    check_acting(actor, request, [Request.Kind.OBJECTION], in_case=True)
    subjects = subjects_of(request)
    live = [s for s in subjects if s.status != Subject.Status.ERASED]
    points = _contact_points(actor, live) if live else []
    ids = [s.pk for s in subjects]
    with transaction.atomic():
        added = suppression.add(actor, points, Suppression.Reason.OBJECTION, request=request)
        marked = set(objected(ids))
        MarketingObjection.objects.bulk_create(
            MarketingObjection(subject_id=s, request=request, recorded_by=actor.label)
            for s in ids
            if s not in marked
        )
        log.record(
            actor,
            Action.UPDATE,
            subjects=sorted(str(s) for s in ids),
            purpose=PURPOSE,
            record_kind="marketing_objection",
            record_id=str(request.pk),
            detail={"request": request.pk, "new": len(set(ids) - marked)},
        )
        register.step(
            actor, request, "objected", subjects=ids, suppressed=added, subjects_marked=len(ids)
        )
    return {"objected": len(ids), "suppressed": added, "contact_points": len(points)}
