"""Retention of the audit log: prune whole verified segments, keep their signed heads."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from lethe.audit import log, triggers
from lethe.audit.models import Action, AuditEvent, Checkpoint, PrunedLeaf
from lethe.audit.verify import verify
from lethe.vault.policy import Actor


class PruneRefused(Exception):
    """Pruning would not be safe; the message says why."""


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return the time before which events are past their retention period."""
    now = now or timezone.now()
    years = settings.CONFIG.audit_retention_years
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def plan(now: datetime.datetime | None = None) -> Checkpoint | None:
    """Return the newest checkpoint whose events are all past retention and not yet pruned."""
    pruned = PrunedLeaf.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    limit = cutoff(now)
    newest_old = (
        AuditEvent.objects.filter(at__lt=limit).order_by("-seq").values_list("seq", flat=True)
    ).first()
    if newest_old is None:
        return None
    return (
        Checkpoint.objects.filter(tree_size__gt=pruned, tree_size__lte=newest_old)
        .order_by("-tree_size")
        .first()
    )


def prune(now: datetime.datetime | None = None) -> int:
    """Remove the events of the segment `plan()` names, after a clean verification."""
    target = plan(now)
    if target is None:
        return 0
    report = verify()
    if not report.ok:
        raise PruneRefused(f"the log does not verify (#{report.first_bad_seq}: {report.problem})")
    connection = connections["default"]
    with transaction.atomic():
        kept = list(
            AuditEvent.objects.filter(seq__lte=target.tree_size)
            .order_by("seq")
            .values_list("seq", "hash")
        )
        with triggers.pruning(connection):
            PrunedLeaf.objects.bulk_create(PrunedLeaf(seq=s, hash=h) for s, h in kept)
            AuditEvent.objects.filter(seq__lte=target.tree_size).delete()
        log.record(
            Actor.system("audit-retention"),
            Action.DELETE,
            record_kind="audit_events",
            record_id=f"1-{target.tree_size}",
            detail={
                "pruned": len(kept),
                "checkpoint": target.tree_size,
                "retention_years": settings.CONFIG.audit_retention_years,
            },
        )
    return len(kept)
