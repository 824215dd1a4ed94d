"""What rectification, restriction, objection and recipients share: who acts, dates.

Only a DPO acts on requests (or Lethe's own jobs); work that reads or writes a
person's data runs inside the request's case, "dsr:<id>", so the gate lets the DPO
reach exactly the subjects linked to that request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone

from lethe.dsr import register
from lethe.dsr.models import Request
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role

PURPOSE = Purpose.DATA_SUBJECT_REQUEST


def check_acting(
    actor: Actor, request: Request, kinds: Iterable[str] = (), *, in_case: bool = False
) -> None:
    """Refuse anyone but a DPO (or a system job); check the request's kind and case.

    in_case: the work reads or writes personal data, so a DPO must be inside this
    request's open case.
    """
    if not register.may_act(actor):
        raise PermissionError("only the dpo role may act on data-subject requests")
    kinds = tuple(kinds)
    if kinds and request.kind not in kinds:
        raise ValidationError({"kind": f"this is not a {' or '.join(kinds)} request"})
    if in_case and Role.SYSTEM not in actor.roles:
        if actor.case != request.case:
            raise PermissionError(f"work inside the request's case ({request.case})")
        if not request.is_open:
            raise ValidationError({"status": "the request is closed"})


def subjects_of(request: Request) -> list[Subject]:
    """Return the request's confirmed subjects, or raise a ValidationError naming them."""
    ids = register.confirmed_subjects(request)
    if not ids:
        raise ValidationError({"subjects": "confirm the person's records (locate) first"})
    return list(Subject.objects.filter(pk__in=ids).order_by("pk"))


def past_date(value: object, field: str, *, required: bool = True) -> datetime.date | None:
    """Return a date that is not in the future (a date or YYYY-MM-DD), or raise naming `field`."""
    if value in (None, ""):
        if required:
            raise ValidationError({field: "give the date (YYYY-MM-DD)"})
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: "must be a date (YYYY-MM-DD)"}) from None
    if value > timezone.localdate():
        raise ValidationError({field: "cannot be in the future"})
    return value


def choice(value: object, choices, field: str) -> str:
    """Return `value` if it is one of the model choices, or raise naming `field`."""
    if value not in choices.values:
        raise ValidationError({field: f"must be one of {', '.join(choices.values)}"})
    return value
