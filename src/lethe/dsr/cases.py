"""Cases: the only places where a DPO reads personal data (SPEC role table, issue #5/#6).

An actor's `case` is "dsr:<id>" (an open data-subject request: only the subjects that
locate linked to it) or "glass:<id>" (an active break-glass access of that user: any
subject, for a stated reason and a limited time). Breach investigations will add
"breach:<id>". A case is chosen explicitly: in the web UI it is kept in the session
(`SESSION_KEY`), in the API it is sent in the `X-Lethe-Case` header.
"""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone

from lethe.vault.policy import Actor, Role

SESSION_KEY = "lethe_case"
HEADER = "X-Lethe-Case"


def parse(case: str | None) -> tuple[str, int] | None:
    """Return (kind, id) of a case string, or None if it is not one."""
    if not case or ":" not in case:
        return None
    kind, _, ident = case.partition(":")
    if kind not in ("dsr", "glass") or not ident.isdigit():
        return None
    return kind, int(ident)


def _user_id(actor: Actor) -> int | None:
    if actor.kind != "user" or not actor.ident.isdigit():
        return None
    return int(actor.ident)


def case_open(actor: Actor) -> bool:
    """Return whether the actor is a DPO working inside an open case of theirs."""
    from lethe.dsr.models import BreakGlass, Request

    parsed = parse(actor.case)
    if parsed is None or Role.DPO not in actor.roles:
        return False
    kind, ident = parsed
    if kind == "dsr":
        return Request.objects.filter(pk=ident).exclude(status__in=Request.CLOSED).exists()
    user = _user_id(actor)
    return user is not None and (
        BreakGlass.objects.filter(
            pk=ident, user_id=user, ended_at__isnull=True, expires_at__gt=timezone.now()
        ).exists()
    )


def case_subjects(actor: Actor, subjects: set[UUID]) -> set[UUID]:
    """Return the subjects the actor's open case lets them read (a subset of `subjects`)."""
    from lethe.dsr.models import RequestSubject

    if not subjects or not case_open(actor):
        return set()
    kind, ident = parse(actor.case)
    if kind == "glass":
        return set(subjects)
    return set(
        RequestSubject.objects.filter(request_id=ident, subject_id__in=subjects).values_list(
            "subject_id", flat=True
        )
    )


def chosen(request) -> str | None:
    """Return the case the user chose for this HTTP request (header, else session)."""
    if request is None:
        return None
    case = request.headers.get(HEADER) if hasattr(request, "headers") else None
    if not case and hasattr(request, "session"):
        case = request.session.get(SESSION_KEY)
    return case if parse(case) else None
