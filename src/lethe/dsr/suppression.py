"""The suppression list: people who objected to marketing or were erased stay out.

`add` records keyed hashes of a person's e-mail addresses and phone numbers (normalised
as the blind indexes normalise them); `matches` tells an import or a new contact which
of its values are suppressed, so they are stopped and reported rather than silently
bringing the person back.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr.models import Request, Suppression
from lethe.vault import gate, normalize
from lethe.vault.policy import Actor

Kind = Suppression.Kind
Reason = Suppression.Reason


def _normal(kind: str, value: str) -> str | None:
    try:
        return normalize.email(value) if kind == Kind.EMAIL else normalize.phone(value)
    except normalize.InvalidValue:
        return None


def digest(kind: str, value: str) -> str | None:
    """Return the keyed hash of one e-mail address or phone number (None if unparsable)."""
    normal = _normal(kind, value)
    if normal is None:
        return None
    return gate.keyed_digest("suppression", f"{kind}|{normal}")


def add(
    actor: Actor,
    values: Iterable[tuple[str, str]],
    reason: str,
    *,
    request: Request | None = None,
) -> int:
    """Suppress these (kind, value) pairs for `reason`; return how many entries are new."""
    digests = {(k, d) for k, v in values if (d := digest(k, v)) is not None}
    with transaction.atomic():
        existing = set(
            Suppression.objects.filter(
                reason=reason, digest__in=[d for _, d in digests]
            ).values_list("kind", "digest")
        )
        new = sorted(digests - existing)
        Suppression.objects.bulk_create(
            Suppression(kind=k, digest=d, reason=reason, request=request) for k, d in new
        )
        if new:
            log.record(
                actor,
                Action.UPDATE,
                record_kind="suppression",
                record_id=str(request.pk) if request else "",
                detail={"reason": reason, "added": len(new)},
            )
    return len(new)


def matches(values: Iterable[tuple[str, str]], *, reasons: Iterable[str] = ()) -> dict:
    """Return {(kind, value): [reasons]} for the given values that are suppressed.

    `reasons` limits the check (e.g. only erasures for an import of customers; every
    reason for a marketing list); empty means every reason.
    """
    wanted = {(k, v): d for k, v in values if (d := digest(k, v)) is not None}
    if not wanted:
        return {}
    rows = Suppression.objects.filter(digest__in=set(wanted.values()))
    if reasons:
        rows = rows.filter(reason__in=list(reasons))
    found: dict[tuple[str, str], list[str]] = {}
    hits = {}
    for kind, d, reason in rows.values_list("kind", "digest", "reason"):
        hits.setdefault((kind, d), []).append(reason)
    for (kind, value), d in wanted.items():
        if (kind, d) in hits:
            found[(kind, value)] = sorted(hits[(kind, d)])
    return found
