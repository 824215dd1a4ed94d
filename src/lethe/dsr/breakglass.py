"""Break-glass: a DPO's time-limited reading of personal data outside any case.

A DPO reads personal data only inside an open data-subject request or breach
investigation (lethe.dsr.cases). Anything else is break-glass: the DPO states a
reason (sealed under the access's own record key, never in the audit log), the
access lasts a limited time (an hour unless they ask for up to four), it is audited
when it starts and when it ends, and it is shown to every DPO in the privacy console
and as a banner to its user. Inside it the DPO works in the case "glass:<id>": every
read is audited with that case id. The case ends by itself at expiry
(`cases.case_open` checks `expires_at`); the end event of an access that ran out is
written the next time Lethe looks (`close_expired`, from the list, start and end).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr import cases, texts
from lethe.dsr.models import BreakGlass
from lethe.vault import documents
from lethe.vault.policy import Actor, Purpose, Role

MIN_REASON = 20
MAX_REASON = 2000
DEFAULT_MINUTES = 60
MAX_MINUTES = 4 * 60
REASON_KIND = "break_glass.reason"
# Start and end are accountability events: they say who opened the glass, never why.
PURPOSE = Purpose.ACCOUNTABILITY


def _user_actor(actor: Actor, glass: BreakGlass) -> Actor:
    """The same actor, inside the break-glass case (so its events carry the case id)."""
    return Actor(
        actor.kind,
        actor.ident,
        actor.roles,
        case=glass.case,
        request_id=actor.request_id,
        client_addr=actor.client_addr,
    )


def clean_reason(reason) -> str:
    """Return the reason, trimmed; raise ValidationError naming `reason` if it is too short."""
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise ValidationError(
            {"reason": f"state why you need this access in at least {MIN_REASON} characters"}
        )
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"at most {MAX_REASON} characters"})
    return reason


def clean_minutes(minutes) -> int:
    """Return the time limit in minutes; raise ValidationError naming `minutes` if it is bad."""
    if minutes is None or minutes == "":
        return DEFAULT_MINUTES
    if isinstance(minutes, bool):
        minutes = None
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": f"between 1 and {MAX_MINUTES} minutes (four hours)"})
    return minutes


def _check_dpo(user) -> None:
    if Role.DPO not in user.roles or not user.is_active:
        raise PermissionError("only the dpo role may break the glass")


def start(actor: Actor, user, reason: str, minutes: int | None = None) -> BreakGlass:
    """Open a break-glass access for `user` (a DPO) for `minutes`; audited, reason sealed.

    Raise ValidationError naming `reason` or `minutes`, or `active` when the user
    already has an open one; PermissionError for anyone but a DPO.
    """
    _check_dpo(user)
    reason = clean_reason(reason)
    minutes = clean_minutes(minutes)
    close_expired()
    now = timezone.now()
    with transaction.atomic():
        mine = list(
            BreakGlass.objects.select_for_update().filter(
                user=user, ended_at__isnull=True, expires_at__gt=now
            )
        )
        if mine:
            raise ValidationError(
                {"active": f"break-glass access #{mine[0].pk} is still open: end it first"}
            )
        # The data key is committed in the keystore at once, its RecordKey row with
        # this transaction: a failure below leaves at most an unused key.
        key = documents.new_record_key("break_glass")
        glass = BreakGlass.objects.create(
            user=user,
            record_key=key,
            reason=texts.seal(actor, key, REASON_KIND, reason),
            started_at=now,
            expires_at=now + datetime.timedelta(minutes=minutes),
        )
        log.record(
            _user_actor(actor, glass),
            Action.CREATE,
            purpose=PURPOSE,
            record_kind="break_glass",
            record_id=glass.pk,
            detail={
                "break_glass": "started",
                "user": user.pk,
                "minutes": minutes,
                "expires_at": glass.expires_at.isoformat(),
            },
        )
    return glass


def end(actor: Actor, glass: BreakGlass) -> BreakGlass:
    """End an open break-glass access now (its user, or another DPO); audited.

    Ending one that has already ended or expired changes nothing.
    """
    close_expired()
    with transaction.atomic():
        glass = BreakGlass.objects.select_for_update().get(pk=glass.pk)
        if glass.ended_at is not None:
            return glass
        glass.ended_at = timezone.now()
        glass.save(update_fields=["ended_at"])
        log.record(
            _user_actor(actor, glass),
            Action.UPDATE,
            purpose=PURPOSE,
            record_kind="break_glass",
            record_id=glass.pk,
            detail={"break_glass": "ended", "user": glass.user_id},
        )
    return glass


def end_all_for(actor: Actor, user) -> int:
    """End every open break-glass access of `user` (say, on deactivation); return how many."""
    close_expired()
    count = 0
    for glass in BreakGlass.objects.filter(user=user, ended_at__isnull=True):
        end(actor, glass)
        count += 1
    return count


def close_expired(now=None) -> int:
    """Write the end of every access whose time ran out; return how many.

    The access itself already ended at `expires_at` (cases.case_open checks it); this
    records it, as ended at that moment, by Lethe itself.
    """
    now = now or timezone.now()
    count = 0
    system = Actor.system("break-glass expiry")
    with transaction.atomic():
        expired = BreakGlass.objects.select_for_update().filter(
            ended_at__isnull=True, expires_at__lte=now
        )
        for glass in expired:
            glass.ended_at = glass.expires_at
            glass.save(update_fields=["ended_at"])
            log.record(
                _user_actor(system, glass),
                Action.UPDATE,
                purpose=PURPOSE,
                record_kind="break_glass",
                record_id=glass.pk,
                detail={"break_glass": "expired", "user": glass.user_id},
            )
            count += 1
    return count


def active_for(user) -> BreakGlass | None:
    """Return the user's open break-glass access, or None."""
    if not getattr(user, "is_authenticated", False) or Role.DPO not in user.roles:
        return None
    return (
        BreakGlass.objects.filter(user=user, ended_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-started_at")
        .first()
    )


def active_accesses() -> list[BreakGlass]:
    """Return every open break-glass access, newest first (the privacy console's notice)."""
    return list(
        BreakGlass.objects.filter(ended_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("user")
        .order_by("-started_at")
    )


def reasons(actor: Actor, accesses) -> dict[int, str]:
    """Return {access id: reason} for these accesses (their sealed texts, opened at once)."""
    opened = texts.open_texts(actor, [g.reason for g in accesses])
    return {g.pk: opened.get(g.reason_id, "") for g in accesses}


def enter(request, glass: BreakGlass) -> None:
    """Work inside this access in the browser session."""
    request.session[cases.SESSION_KEY] = glass.case


def leave(request, glass: BreakGlass) -> None:
    """Leave the access's case in the session if the session is in it."""
    if request.session.get(cases.SESSION_KEY) == glass.case:
        del request.session[cases.SESSION_KEY]


def context(request) -> dict:
    """Template context: the user's own open access (banner) and, lazily, everyone's (notice)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or Role.DPO not in user.roles:
        return {}
    return {
        "break_glass_mine": active_for(user),
        # A callable: the template only runs the query where the notice is shown.
        "break_glass_accesses": active_accesses,
    }
