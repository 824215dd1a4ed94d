"""API for break-glass: a DPO opens, lists and ends time-limited access outside any case.

After opening one, send its case in the `X-Lethe-Case` header (`glass:<id>`) to read
inside it; every read is audited under that case.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from lethe.accounts import reauth
from lethe.accounts.access import RoleAuth
from lethe.accounts.actions import actor_for
from lethe.core.api_errors import ErrorOut
from lethe.dsr import breakglass
from lethe.dsr.models import BreakGlass
from lethe.vault.policy import Role

router = Router(tags=["break-glass"])
DPOS = RoleAuth(Role.DPO)


class BreakGlassIn(Schema):
    reason: Any = None
    minutes: Any = None


class BreakGlassOut(Schema):
    id: int
    case: str
    user: int
    user_email: str
    reason: str
    started_at: datetime.datetime
    expires_at: datetime.datetime
    ended_at: datetime.datetime | None
    active: bool


def _out(glass: BreakGlass, reason: str, now) -> dict:
    return {
        "id": glass.pk,
        "case": glass.case,
        "user": glass.user_id,
        "user_email": glass.user.email,
        "reason": reason,
        "started_at": glass.started_at,
        "expires_at": glass.expires_at,
        "ended_at": glass.ended_at,
        "active": glass.active(now),
    }


def _invalid(exc: ValidationError, status: int = 400) -> Status:
    errors = {name: list(messages) for name, messages in exc.message_dict.items()}
    return Status(status, {"detail": f"invalid input: {', '.join(errors)}", "errors": errors})


@router.post(
    "",
    response={201: BreakGlassOut, 400: ErrorOut, 409: ErrorOut},
    auth=DPOS,
    summary="Open a break-glass access (dpo; a reason of 20+ characters, at most 240 minutes)",
)
def start_break_glass(request, payload: BreakGlassIn):
    refusal = reauth.api_refusal(request)
    if refusal is not None:
        return refusal
    actor = actor_for(request.auth, request=request)
    try:
        glass = breakglass.start(actor, request.auth, payload.reason, payload.minutes)
    except ValidationError as exc:
        return _invalid(exc, 409 if "active" in exc.message_dict else 400)
    return Status(201, _out(glass, breakglass.reasons(actor, [glass])[glass.pk], timezone.now()))


@router.get(
    "",
    response=list[BreakGlassOut],
    auth=DPOS,
    summary="List break-glass accesses, newest first (open ones have active: true)",
)
def list_break_glass(request, active: bool = False):
    breakglass.close_expired()
    actor = actor_for(request.auth, request=request)
    now = timezone.now()
    accesses = BreakGlass.objects.select_related("user")
    if active:
        accesses = accesses.filter(ended_at__isnull=True, expires_at__gt=now)
    accesses = list(accesses[:200])
    reasons = breakglass.reasons(actor, accesses)
    return [_out(g, reasons[g.pk], now) for g in accesses]


@router.post(
    "/{glass_id}/end",
    response=BreakGlassOut,
    auth=DPOS,
    summary="End a break-glass access now",
)
def end_break_glass(request, glass_id: int):
    actor = actor_for(request.auth, request=request)
    glass = breakglass.end(actor, get_object_or_404(BreakGlass, pk=glass_id))
    glass = BreakGlass.objects.select_related("user").get(pk=glass.pk)
    return _out(glass, breakglass.reasons(actor, [glass])[glass.pk], timezone.now())
